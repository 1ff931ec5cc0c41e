"""`icassist ingest` and `icassist status` as a user runs them: subprocesses, exit codes, the ingest lock."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from icassist.ingest_lease import IngestLease
from icassist.records import Answer
from icassist.settings import Settings
from icassist.store import Store
from tests.conftest import CHE, ICASSIST, KINGSFUND, Ingested, cli_env, free_port, qa_env, run_cli


def _store_env(ingested: Ingested) -> dict[str, str]:
    return {
        "ICASSIST_CORPUS__DIR": str(ingested.settings.corpus.dir),
        "ICASSIST_STORE__PATH": str(ingested.settings.store.path),
    }


def test_status_of_ingested_store(ingested: Ingested) -> None:
    result = run_cli("status", **_store_env(ingested))
    assert result.returncode == 0, result.stderr
    assert "documents: 4" in result.stdout and f"chunks: {ingested.report.chunks}" in result.stdout
    assert "embedding model: all-MiniLM-L6-v2" in result.stdout
    assert str(ingested.settings.store.path) in result.stdout
    counts = dict(line.strip().rsplit(": ", 1) for line in result.stdout.splitlines() if line.endswith(" chunks"))
    assert len(counts) == 4 and sum(int(c.split()[0]) for c in counts.values()) == ingested.report.chunks


def test_status_and_ask_with_the_chroma_server_down_say_so_in_one_line(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    for args in (["status"], ["ask", "What is PACE?"]):
        result = run_cli(*args, ICASSIST_STORE__CHROMA_URL=url, HF_HUB_OFFLINE="1")
        assert result.returncode == 2, result.stdout + result.stderr
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert f"Cannot reach the Chroma server at {url}" in result.stderr and "chroma run" in result.stderr


def test_status_of_empty_store(tmp_path: Path) -> None:
    result = run_cli("status", "--store", str(tmp_path / "nothing"))
    assert result.returncode == 1 and "Run `icassist ingest`" in result.stdout


def test_ingest_refuses_while_another_runs_and_waits_with_wait(ingested: Ingested) -> None:
    """The store is up to date, so the ingest that finally runs changes nothing (the shared store stays intact)."""
    env = _store_env(ingested)
    with IngestLease(Store(ingested.settings), "elsewhere:/their/corpus", ttl_s=600) as lease:
        lease.acquire(0)
        started = time.monotonic()
        busy = run_cli("ingest", "--quiet", **env)
        startup = time.monotonic() - started
        assert busy.returncode == 2, busy.stdout + busy.stderr
        assert "Another ingest is already running" in busy.stderr and "--wait" in busy.stderr
        assert "/their/corpus" in busy.stderr  # who holds it
        assert busy.stdout == ""

        short = run_cli("ingest", "--quiet", "--wait", "1", **env)
        assert short.returncode == 2 and "Another ingest" in short.stderr

        waiting = subprocess.Popen(
            [str(ICASSIST), "ingest", "--quiet", "--wait", "300"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=cli_env(**env),
        )
        time.sleep(max(3.0, 2 * startup))  # well past start-up: it is now blocked on the lock
        assert waiting.poll() is None, waiting.communicate()
    out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err
    assert "0 ingested, 4 unchanged" in out and "(0 embedded, 0 reused)" in out
    assert "embedding" not in err  # --quiet: no progress bars


# `icassist ask` against the QA store (two whole reports and a planted note), as a user runs it.


def test_ask_prints_answer_and_numbered_sources(qa_settings: Settings) -> None:
    result = run_cli("ask", "What happened to hospital bed use in Torbay?", **qa_env(qa_settings))
    assert result.returncode == 0, result.stderr
    answer, sources = result.stdout.split("\nSources:\n")
    assert "Torbay" in answer and "[1]" in answer
    assert sources.lstrip().startswith("[1] ") and "“" in sources  # each source shows its supporting quote


def test_ask_json_with_history_and_report_filter(qa_settings: Settings, tmp_path: Path) -> None:
    history = tmp_path / "history.json"
    history.write_text(
        '[{"role": "user", "content": "What is PACE and who does it serve?"},'
        ' {"role": "assistant", "content": "PACE serves frail older people in the US [1]."}]',
        encoding="utf-8",
    )
    result = run_cli(
        "ask", "And what did it cost?", "--history", str(history), "--report", CHE, "--json", **qa_env(qa_settings)
    )
    assert result.returncode == 0, result.stderr
    answer = Answer.model_validate_json(result.stdout)
    assert answer.retrieval_query.startswith("What is PACE and who does it serve? ")
    assert answer.retrieval_query.endswith(" And what did it cost?")
    assert answer.retrieved and {p.chunk.doc_id for p in answer.retrieved} == {CHE}
    assert any("pace" in p.chunk.programmes for p in answer.retrieved)


def test_ask_empty_question_exits_2_with_the_hint(qa_settings: Settings) -> None:
    result = run_cli("ask", "  ", **qa_env(qa_settings))
    assert result.returncode == 2 and result.stdout == ""
    assert "icassist ask: Type a question about the reports" in result.stderr


def test_ask_refuses_a_bad_history_file_with_what_is_wrong(qa_settings: Settings, tmp_path: Path) -> None:
    cases = {
        "null.json": ("null", "Input should be a valid array"),
        "role.json": ('[{"role": "system", "content": "x"}]', "0.role"),
        "huge.json": ("[" + ", ".join(['{"role": "user", "content": "x"}'] * 40_000) + "]", "over the"),
    }
    for name, (content, reason) in cases.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
        result = run_cli("ask", "What is PACE?", "--history", str(tmp_path / name), **qa_env(qa_settings))
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert f"--history {tmp_path / name}" in result.stderr and reason in result.stderr, result.stderr


def test_ask_with_a_filter_matching_nothing_names_the_close_matches(qa_settings: Settings) -> None:
    env = qa_env(qa_settings)
    result = run_cli("ask", "What is PACE?", "--report", "kingsfund", "--year", "1800", "--programme", "torbey", **env)
    assert result.returncode == 2 and result.stdout == "", result.stdout
    assert f"--report kingsfund matches no report; did you mean {KINGSFUND}? (`icassist reports`)" in result.stderr
    assert "--year 1800 matches no report; years in the store: " in result.stderr
    assert "--programme torbey is not in the gazetteer; did you mean torbay?" in result.stderr, result.stderr
    result = run_cli("ask", "What is PACE?", "--report", "zzz.txt", **env)
    assert "--report zzz.txt matches no report; valid: " in result.stderr and CHE in result.stderr


def test_reports_and_programmes_list_the_valid_filter_values(qa_settings: Settings) -> None:
    reports = run_cli("reports", **qa_env(qa_settings))
    assert reports.returncode == 0, reports.stderr
    lines = reports.stdout.splitlines()
    assert KINGSFUND in lines and CHE in lines
    details = lines[lines.index(KINGSFUND) + 1]
    assert details.startswith("  ") and "(2010);" in details and " chunks, " in details and "with a page" in details
    programmes = run_cli("programmes", **qa_env(qa_settings))
    assert programmes.returncode == 0, programmes.stderr
    assert any(line.startswith("torbay ") and "(England)" in line for line in programmes.stdout.splitlines())
