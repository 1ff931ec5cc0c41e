"""The ingest lease lives in the store: one ingest at a time across folders and machines, nothing lost between them."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from icassist.embeddings import LocalEmbeddings
from icassist.ingest_lease import IngestBusy, IngestLease, LeaseLost
from icassist.settings import Settings
from icassist.store import Store, windows_name
from tests.conftest import (
    CHE,
    CHROMA,
    ICASSIST,
    KINGSFUND,
    MONITOR,
    REAL_CORPUS,
    chroma_server,
    cli_env,
    excerpt,
    make_settings,
    write_manifest,
)


def _store(tmp_path: Path, embeddings: LocalEmbeddings) -> Store:
    return Store(make_settings(tmp_path / "corpus", tmp_path / "store"), embeddings)


def test_second_ingest_is_refused_naming_the_holder_until_released(tmp_path: Path, embeddings: LocalEmbeddings) -> None:
    store = _store(tmp_path, embeddings)
    first = IngestLease(store, "host-a:/corpus/a", ttl_s=60)
    first.acquire(0)
    second = IngestLease(store, "host-b:/corpus/b", ttl_s=60)
    started = time.monotonic()
    with pytest.raises(IngestBusy, match="/corpus/a") as info:
        second.acquire(1.0)
    assert time.monotonic() - started >= 1.0 and "--wait" in str(info.value)
    first.release()
    second.acquire(0)
    second.release()
    assert f"{store.settings.store.collection_prefix}-lease" not in store._collection_names()


def test_lease_of_a_dead_process_on_this_machine_is_taken_over(tmp_path: Path, embeddings: LocalEmbeddings) -> None:
    """What kill -9 during an ingest leaves behind must not block the next one until it expires."""
    store = _store(tmp_path, embeddings)
    dead = subprocess.Popen(["true"])
    dead.wait()
    orphan = IngestLease(store, "here:/corpus", ttl_s=3600)
    orphan.record["pid"] = dead.pid
    orphan.acquire(0)
    successor = IngestLease(store, "here:/corpus", ttl_s=60)
    successor.acquire(0)
    with pytest.raises(LeaseLost):
        orphan.renew(force=True)
    successor.release()


def test_expired_lease_is_taken_over_and_its_holder_stops(tmp_path: Path, embeddings: LocalEmbeddings) -> None:
    store = _store(tmp_path, embeddings)
    slow = IngestLease(store, "host-a:/corpus/a", ttl_s=0.5)
    slow.record["host"] = "another-machine"  # its process cannot be checked from here: only the expiry counts
    slow.acquire(0)
    time.sleep(0.6)
    fresh = IngestLease(store, "host-b:/corpus/b", ttl_s=60)
    fresh.acquire(0)
    with pytest.raises(LeaseLost, match="another took over"):
        slow.renew(force=True)
    slow.release()  # releasing a lease it lost leaves the new holder's alone
    with pytest.raises(IngestBusy):
        IngestLease(store, "host-c:/corpus/c", ttl_s=60).acquire(0)
    fresh.release()


def _folder(root: Path, names: list[str]) -> Path:
    root.mkdir(parents=True)
    for name in names:
        (root / name).write_text(excerpt(name, 200, 400), encoding="utf-8")
    write_manifest(root, names)
    shutil.copy(REAL_CORPUS / "programmes.toml", root / "programmes.toml")
    return root


def _ingest_cli(corpus: Path, url: str, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(ICASSIST), "ingest", "--quiet", "--corpus", str(corpus), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(ICASSIST_STORE__CHROMA_URL=url, HF_HUB_OFFLINE="1"),
    )


@pytest.mark.server
@pytest.mark.skipif(not CHROMA.exists() and shutil.which("chroma") is None, reason="no chroma CLI")
def test_two_folders_ingesting_into_one_server_keep_every_report(tmp_path: Path, embeddings: LocalEmbeddings) -> None:
    """Team mode: two colleagues' folders at once end with both folders' reports; only --prune removes others'."""
    folder_a = _folder(tmp_path / "a", [CHE, MONITOR])
    folder_b = _folder(tmp_path / "b", [KINGSFUND])
    with chroma_server(tmp_path) as url:
        runs = [_ingest_cli(folder_a, url, "--wait", "300"), _ingest_cli(folder_b, url, "--wait", "300")]
        results = [run.communicate(timeout=600) for run in runs]
        assert [run.returncode for run in runs] == [0, 0], results
        settings = make_settings(folder_a, tmp_path / "unused")
        settings.store.chroma_url = url
        store = Store(settings, embeddings)
        assert {c.doc_id for c in store.chunks()} == {CHE, MONITOR, KINGSFUND}
        active = store.status().collection  # type: ignore[union-attr]
        assert sorted(n for n in store._collection_names() if n != "icassist-meta") == [active, windows_name(active)]

        # folder A drops one of its own reports: removed; B's report, absent from A, is kept and named
        (folder_a / MONITOR).unlink()
        out, err = _ingest_cli(folder_a, url).communicate(timeout=300)
        assert "1 removed" in out and f"WARNING kept {KINGSFUND}: another corpus folder added it" in out, out + err
        assert {c.doc_id for c in store.chunks()} == {CHE, KINGSFUND}

        # pruning is a deliberate choice
        out, err = _ingest_cli(folder_a, url, "--prune").communicate(timeout=300)
        assert "1 removed" in out, out + err
        assert {c.doc_id for c in store.chunks()} == {CHE}


def test_store_size_stays_bounded_over_changed_ingests(settings: Settings, embeddings: LocalEmbeddings) -> None:
    """Each changed ingest writes a new collection; the index folders of dropped ones must not pile up on disk."""
    from icassist.ingest.pipeline import ingest

    note = settings.corpus.dir / "note.txt"
    folders = []
    for i in range(10):
        note.write_text(f"Board note {i}\n\nThe zone teams met {i + 2} times to agree shared care plans.\n")
        report = ingest(settings, embeddings=embeddings, progress=False)
        assert not i or report.ingested == ["note.txt"], report.summary()
        folders.append(sum(1 for p in settings.store.path.iterdir() if p.is_dir()))
    assert max(folders) <= 2 and folders[-1] == folders[0], folders
