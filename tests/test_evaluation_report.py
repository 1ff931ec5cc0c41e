"""Report rendering, the threshold gate, the quality log, and `icassist eval` end to end over a fake assistant."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from icassist.evaluation import runner
from icassist.evaluation.report import ThresholdError, check_thresholds, load_thresholds, ratio, render_report
from icassist.records import Answer, Chunk, Citation, Passage
from icassist.settings import Settings

REPORT = "che.txt"
GOLD_TEXT = "Pooled budgets were used by thirty-one of the thirty-eight schemes reviewed in the evidence."
QUESTIONS = [
    {
        "id": "hit",
        "question": "How many schemes pooled budgets?",
        "type": "number",
        "answer": "31 of 38.",
        "key_facts": ["thirty-one"],
        "sources": [REPORT],
        "quotes": ["Pooled budgets were used by thirty-one of the thirty-eight schemes"],
    },
    {
        "id": "miss",
        "question": "What did aligned budgets achieve?",
        "type": "fact",
        "answer": "Little.",
        "key_facts": ["little measurable benefit"],
        "sources": [REPORT],
        "quotes": ["Aligned budgets achieved little measurable benefit in the schemes."],
    },
    {
        "id": "none",
        "question": "What did Canterbury DHB achieve?",
        "type": "unanswerable",
        "answer": "Not in the reports.",
    },
]


def passage(text: str, start: int = 0) -> Passage:
    chunk = Chunk(
        chunk_id=f"{REPORT}:{start}",
        doc_id=REPORT,
        title="CHE",
        char_start=start,
        char_end=start + len(text),
        text=text,
    )
    return Passage(chunk=chunk, score=0.5, dense_similarity=0.5)


class FakeAssistant:
    """Answers the 'hit' question from the gold passage, refuses everything else."""

    def __init__(self, settings: object) -> None:
        self.store = argparse.Namespace(embeddings=None, chunks=lambda: [passage(GOLD_TEXT).chunk])
        self.answerer = argparse.Namespace(name="scripted")

    def ask(self, question: str, history: object = None, filters: object = None) -> Answer:
        return self.answer_with(question, [])

    def answer_with(self, question: str, passages: list[Passage]) -> Answer:
        gold, other = passage(GOLD_TEXT), passage("Workforce planning matters.", 500)
        if question.startswith("How many"):
            citation = Citation(n=1, chunk=gold.chunk)
            return Answer(question=question, text="Thirty-one schemes [1].", citations=[citation], retrieved=[gold])
        return Answer(question=question, text="Not in the reports.", refused=True, retrieved=[other])


@pytest.fixture
def question_file(tmp_path: Path) -> Path:
    path = tmp_path / "questions.jsonl"
    path.write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS), encoding="utf-8")
    return path


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_thresholds_need_the_right_direction(tmp_path: Path) -> None:
    good = write(tmp_path / "t.toml", "[minimum]\nrecall_at_k = 0.8\n[maximum]\nlatency_p95_s = 5\n")
    assert load_thresholds(good) == {"recall_at_k": ("minimum", 0.8), "latency_p95_s": ("maximum", 5.0)}
    for text, message in [
        ("[minimum]\nlatency_p95_s = 5\n", "belongs under [maximum]"),
        ("[maximum]\nrecall_at_k = 0.5\n", "belongs under [minimum]"),
        ("[minimum]\nrecall = 0.5\n", "unknown metric 'recall'"),
        ("[min]\nrecall_at_k = 0.5\n", "min: unknown key"),
        ("[minimum]\nrecall_at_k = 'high'\n", "minimum.recall_at_k: Input should be a valid number"),
        ("[minimum]\nrecall_at_k = true\n", "minimum.recall_at_k: Input should be a valid number"),
        ("[minimum\n", "not valid TOML"),
    ]:
        with pytest.raises(ThresholdError) as caught:
            load_thresholds(write(tmp_path / "bad.toml", text))
        assert message in str(caught.value)


def test_check_thresholds_fails_below_minimum_above_maximum_and_without_data() -> None:
    thresholds = {"recall_at_k": ("minimum", 0.8), "latency_p95_s": ("maximum", 5.0), "mrr": ("minimum", 0.1)}
    assert check_thresholds({"recall_at_k": 0.8, "latency_p95_s": 5.0, "mrr": 0.5}, thresholds) == []
    failures = check_thresholds({"recall_at_k": 0.79, "latency_p95_s": 5.1, "mrr": None}, thresholds)
    assert [f.split(" ")[0] for f in failures] == ["recall_at_k", "latency_p95_s", "mrr:"]


def test_ratio() -> None:
    assert ratio(0.9, 0.6) == "1.50×"
    assert ratio(0.5, 0) == "∞" and ratio(0, 0) == "—" and ratio(None, 0.5) == "—"


def test_eval_command_writes_results_metrics_report_and_gates(
    question_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("icassist.chain.Assistant", FakeAssistant)
    monkeypatch.setattr(runner, "get_settings", lambda: Settings(home=tmp_path))
    thresholds = write(tmp_path / "t.toml", "[minimum]\nrecall_at_k = 0.9\n[maximum]\nfalse_refusal_rate = 0.6\n")
    parser = argparse.ArgumentParser()
    runner.add_eval_parser(parser.add_subparsers())
    out = tmp_path / "run"
    args_list = [
        "eval",
        "--questions",
        str(question_file),
        "--out",
        str(out),
        "--k",
        "3",
        "--thresholds",
        str(thresholds),
        "--log",
        "first run",
        "--note",
        "fake assistant",
    ]
    args = parser.parse_args(args_list)
    assert args.handler(args) == 1  # recall 0.5 < 0.9

    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["hit", "miss", "none"]
    assert set(rows[0]) >= {"id", "question", "answer", "refused", "citations", "retrieved", "latency_s"}
    assert rows[0]["citations"][0]["char_start"] == 0 and rows[0]["retrieved"][0]["rank"] == 1

    metrics = json.loads((out / "metrics.json").read_text())
    overall = metrics["system"]["overall"]
    assert overall["recall_at_k"] == 0.5 and overall["citation_support"] == 1.0
    assert overall["key_fact_recall"] == 0.5 and overall["refusal_rate_unanswerable"] == 1.0
    assert metrics["threshold_failures"] == ["recall_at_k = 0.500, below minimum 0.9"]
    assert set(metrics["system"]["by_type"]) == {"number", "fact", "unanswerable"}
    assert metrics["run"]["answerer"] == "scripted", "the answerer that ran, not the one asked for"

    printed = capsys.readouterr()
    report = (out / "report.md").read_text()
    assert report in printed.out
    assert "FAIL recall_at_k" in report and "thresholds missed" in printed.err
    assert "### miss (fact)" in report and "**missed** gold quote" in report and "Workforce planning" in report
    assert "### hit" not in report
    assert "gold quotes in system index: 1/2 (missing from: miss)" in report

    logged = tmp_path / "evals" / "reports"
    (entry_dir,) = logged.iterdir()
    assert entry_dir.name.endswith("-first-run")
    assert {p.name for p in entry_dir.iterdir()} == {"report.md", "metrics.json", "results.jsonl"}
    log = (tmp_path / "evals" / "quality-log.md").read_text()
    assert "first-run" in log and "fake assistant" in log and "| recall@k ↑ | 0.500 |" in log

    again = [a if a != str(out) else str(entry_dir) for a in args_list]
    # the report folder itself may be --out: the log copies nothing onto itself
    rerun = parser.parse_args(again)
    assert rerun.handler(rerun) == 1
    assert (tmp_path / "evals" / "quality-log.md").read_text().count("fake assistant") == 2


def test_eval_command_with_baseline_reports_both_and_passes_gate(
    question_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class FakeBaseline:
        def __init__(self, settings: object, embeddings: object = None) -> None:
            pass

        def retrieve(self, question: str, k: int) -> list[Passage]:
            return []

        def chunks(self) -> list[Chunk]:
            return []

    monkeypatch.setattr("icassist.chain.Assistant", FakeAssistant)
    monkeypatch.setattr("icassist.evaluation.baseline.Baseline", FakeBaseline)
    thresholds = write(tmp_path / "t.toml", "[minimum]\nrecall_at_k = 0.5\n")
    parser = argparse.ArgumentParser()
    runner.add_eval_parser(parser.add_subparsers())
    out = tmp_path / "run"
    args = parser.parse_args(
        ["eval", "--questions", str(question_file), "--out", str(out), "--baseline", "--thresholds", str(thresholds)]
    )
    assert args.handler(args) == 0
    assert (out / "baseline-results.jsonl").exists()
    report = (out / "report.md").read_text()
    assert "| metric | system | baseline | system/baseline |" in report
    assert "| recall@k ↑ | 0.500 | 0.500 | 1.00× |" in report
    assert "All thresholds met." in report
    assert "gold quotes in baseline index: 0/2 (missing from: hit, miss)" in report


def test_bad_question_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    runner.add_eval_parser(parser.add_subparsers())
    bad = write(tmp_path / "q.jsonl", '{"id": "a"}\n')
    args = parser.parse_args(["eval", "--questions", str(bad), "--out", str(tmp_path / "o")])
    assert args.handler(args) == 2
    assert "q.jsonl:1: question: Field required" in capsys.readouterr().err


def test_report_renders_without_baseline_or_gate(question_file: Path) -> None:
    questions = runner.load_questions(question_file)
    assistant = FakeAssistant(None)
    rows = runner.run_questions(questions, lambda q: assistant.ask(q.question), "system")
    system = runner.score_run("system", questions, rows, k=5)
    report = render_report({"date": "2030-01-01", "k": 5}, questions, system, None)
    assert report.startswith("# icassist evaluation — 2030-01-01")
    assert "Threshold gate" not in report and "baseline" not in report.split("## Metric definitions")[0]


def test_baseline_chunks_carry_offsets_and_cache_key_tracks_the_corpus(tmp_path: Path) -> None:
    from icassist.evaluation.baseline import corpus_key, split_corpus

    report = write(tmp_path / "a.txt", "\n\n".join(f"Paragraph {i}. " + "word " * 60 for i in range(20)))
    documents = split_corpus([report])
    text = report.read_text()
    assert len(documents) > 2
    for document in documents:
        start = document.metadata["start_index"]
        assert text[start : start + len(document.page_content)] == document.page_content
    key = corpus_key([report], "m")
    assert corpus_key([report], "m") == key and corpus_key([report], "other") != key
    write(report, text + " changed")
    assert corpus_key([report], "m") != key


def test_sample_spreads_over_the_whole_file(question_file: Path) -> None:
    questions = runner.load_questions(question_file)
    every = [q.id for q in questions]
    sampled = [q.id for q in runner.spread(questions, 2)]
    assert sampled == [every[0], every[len(every) // 2]]
    assert [q.id for q in runner.spread(questions, len(every) + 5)] == every
