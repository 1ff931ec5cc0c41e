"""ingest() against a real Chroma folder and the real embedding model: incremental, fault-tolerant, atomic."""

from __future__ import annotations

import itertools
import signal
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfWriter

from icassist.embeddings import LocalEmbeddings
from icassist.ingest.pipeline import IngestReport, ingest
from icassist.manifest import load_manifest
from icassist.records import Chunk
from icassist.settings import Settings
from icassist.store import Store, StoredRecord, windows_name
from tests.conftest import (
    CHE,
    CSU,
    EXCERPTS,
    ICASSIST,
    KINGSFUND,
    MONITOR,
    PDF_NAME,
    PDF_PAGES,
    PDF_TITLE,
    REAL_CORPUS,
    Ingested,
    cli_env,
    make_pdf,
    run_cli,
    wait_for,
)


def _ingest(settings: Settings, embeddings: LocalEmbeddings, *, rebuild: bool = False) -> IngestReport:
    return ingest(settings, rebuild=rebuild, embeddings=embeddings, progress=False)


def _records(settings: Settings, embeddings: LocalEmbeddings) -> dict[str, StoredRecord]:
    records = list(Store(settings, embeddings).records(with_embeddings=True))
    ids = [r.chunk.chunk_id for r in records]
    assert len(ids) == len(set(ids)), "duplicate chunk ids in the store"
    return {r.chunk.chunk_id: r for r in records}


def _collections(store: Store) -> list[str]:
    return sorted(c if isinstance(c, str) else c.name for c in store.client.list_collections())


def _live(collection: str) -> list[str]:
    """What a store holds after an ingest: the active collection, its tail-window vectors, the pointer."""
    return sorted([collection, windows_name(collection), "icassist-meta"])


def _nearest(store: Store, query: list[float]) -> list[str]:
    return store.active().query(query_embeddings=[query], n_results=5, include=[])["ids"][0]


def _by_doc(chunks: list[Chunk]) -> dict[str, list[Chunk]]:
    out: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        out.setdefault(chunk.doc_id, []).append(chunk)
    return out


# ---------------------------------------------------------------- first ingest, metadata


def test_first_ingest_fills_store_and_status(ingested: Ingested, embeddings: LocalEmbeddings) -> None:
    report, settings = ingested.report, ingested.settings
    names = sorted([*EXCERPTS, PDF_NAME])
    assert sorted(report.ingested) == names
    assert report.failed == [] and report.unchanged == [] and report.removed == []
    assert report.inferred_metadata == [PDF_NAME]
    assert report.embedded == report.chunks > 0 and report.reused_embeddings == 0
    status = Store(settings, embeddings).status()
    assert status is not None
    assert (status.documents, status.chunks) == (4, report.chunks)
    assert status.embedding_model == "all-MiniLM-L6-v2"
    records = _records(settings, embeddings)
    assert len(records) == report.chunks
    assert sorted(_by_doc([r.chunk for r in records.values()])) == names


def test_chunk_metadata_round_trips(ingested: Ingested, embeddings: LocalEmbeddings) -> None:
    settings = ingested.settings
    manifest = load_manifest(settings.corpus.dir, "sources.toml")
    chunks = _by_doc(Store(settings, embeddings).chunks())
    for name in EXCERPTS:
        text = (settings.corpus.dir / name).read_text(encoding="utf-8")
        meta = manifest[name]
        for chunk in chunks[name]:
            assert (chunk.title, chunk.authors, chunk.year) == (meta.title, meta.authors, meta.year)
            assert chunk.char_start < chunk.char_end and chunk.text and chunk.text in chunk.embed_text
            assert chunk.embed_text.startswith(f"{meta.title}\n{' › '.join(chunk.section_path)}\n\n")
            assert " ".join(chunk.text.split()[:6]).rstrip(".") in " ".join(text.split())
    # section paths and programme tags survive the JSON / list metadata encoding
    sections = {tuple(c.section_path) for cs in chunks.values() for c in cs}
    assert any(len(path) >= 2 for path in sections) and ("Effectiveness",) in sections
    assert any("kaiser-permanente" in c.programmes for c in chunks[KINGSFUND])
    # offsets are increasing and non-overlapping within a report
    for cs in chunks.values():
        spans = sorted((c.char_start, c.char_end) for c in cs)
        assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(spans))
    # the PDF: pages from the file, metadata inferred from its info dictionary
    pdf = chunks[PDF_NAME]
    assert {c.title for c in pdf} == {PDF_TITLE}
    assert pdf[0].authors == ["Brigid Pike", "Deirdre Mongan"]
    pages = [int(p) for c in pdf for p in (c.page_start, c.page_end) if p is not None]
    assert min(pages) == 1 and max(pages) == PDF_PAGES
    assert all(c.page_label for c in pdf)
    assert all(c.page_start is None for c in chunks[CHE])  # excerpts of extracted text carry no page markers


# ---------------------------------------------------------------- incremental re-ingest


def test_incremental_reingest(settings: Settings, embeddings: LocalEmbeddings) -> None:
    first = _ingest(settings, embeddings)
    store = Store(settings, embeddings)
    status = store.status()
    assert status is not None and first.embedded == first.chunks
    before = _records(settings, embeddings)

    # no change: nothing embedded, nothing written, same ids
    again = _ingest(settings, embeddings)
    assert (again.embedded, again.reused_embeddings, again.ingested) == (0, 0, [])
    assert sorted(again.unchanged) == sorted([*EXCERPTS, PDF_NAME])
    assert store.status() == status  # same collection, same ingested_at
    assert _collections(store) == _live(status.collection)
    assert _records(settings, embeddings).keys() == before.keys()

    # edit the end of one report: only it is re-chunked; its unchanged chunks reuse their vectors
    path = settings.corpus.dir / MONITOR
    path.write_text(
        path.read_text(encoding="utf-8")
        + "\nThe workshops also considered how pooled budgets in Torbay changed hospital bed use.\n",
        encoding="utf-8",
    )
    edited = _ingest(settings, embeddings)
    assert edited.ingested == [MONITOR]
    assert sorted(edited.unchanged) == sorted([CHE, KINGSFUND, PDF_NAME])
    assert 1 <= edited.embedded <= 2 and edited.reused_embeddings >= 1
    after = _records(settings, embeddings)
    for chunk_id, record in before.items():
        if record.chunk.doc_id != MONITOR:
            assert after[chunk_id].embedding == pytest.approx(record.embedding, abs=1e-6)
    new_ids = {i for i, r in after.items() if r.chunk.doc_id == MONITOR} - before.keys()
    assert len(new_ids) == edited.embedded
    assert any("Torbay" in after[i].chunk.text for i in new_ids)
    new_status = store.status()
    assert new_status is not None and new_status.collection != status.collection
    assert _collections(store) == _live(new_status.collection)  # the old one (and its windows) is dropped

    # remove a report: its chunks go
    (settings.corpus.dir / CHE).unlink()
    removed = _ingest(settings, embeddings)
    assert removed.removed == [CHE] and removed.embedded == 0
    remaining = _records(settings, embeddings)
    assert all(r.chunk.doc_id != CHE for r in remaining.values())
    assert len(remaining) == removed.chunks == len(after) - sum(1 for r in after.values() if r.chunk.doc_id == CHE)
    status = store.status()
    assert status is not None and status.documents == 3

    # --rebuild: everything embedded again, same chunk ids
    rebuilt = _ingest(settings, embeddings, rebuild=True)
    assert rebuilt.embedded == rebuilt.chunks == len(remaining) and rebuilt.reused_embeddings == 0
    assert _records(settings, embeddings).keys() == remaining.keys()


def test_long_chunks_get_tail_window_vectors_and_an_older_store_is_completed(
    settings: Settings, embeddings: LocalEmbeddings
) -> None:
    _ingest(settings, embeddings)
    records = _records(settings, embeddings)
    words, stride = settings.embedding.window_words, settings.embedding.window_stride
    wanted = {i: r.chunk.tail_windows(words, stride) for i, r in records.items()}
    assert any(wanted.values()) and not all(wanted.values())
    assert {i: len(r.windows) for i, r in records.items()} == {i: len(w) for i, w in wanted.items()}
    long = next(i for i, w in wanted.items() if w)
    assert records[long].windows[-1] == pytest.approx(embeddings.embed_documents([wanted[long][-1]])[0], abs=1e-5)

    # a store written before windows existed: the next ingest adds them without re-reading any report
    store = Store(settings, embeddings)
    older = store.write([replace(r, windows=()) for r in records.values()])
    store.activate(older, documents=len({r.chunk.doc_id for r in records.values()}), chunks=len(records))
    completed = _ingest(settings, embeddings)
    assert completed.ingested == [] and completed.embedded == sum(1 for w in wanted.values() if w)
    assert {i: len(r.windows) for i, r in _records(settings, embeddings).items()} == {
        i: len(w) for i, w in wanted.items()
    }
    assert _ingest(settings, embeddings).embedded == 0


# ---------------------------------------------------------------- bad input


def _encrypted_pdf(path: Path, source: Path, user_password: str = "secret", algorithm: str | None = None) -> Path:
    writer = PdfWriter(clone_from=str(source))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm=algorithm)
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def _make_bad_files(corpus: Path) -> dict[str, str]:
    """File name -> a word its failure reason must contain."""
    good_pdf = make_pdf(corpus / "tmp-good.pdf", ["Pooled budgets joined health and social care money in Torbay."])
    (corpus / "corrupt.pdf").write_bytes(good_pdf.read_bytes()[:400])
    _encrypted_pdf(corpus / "encrypted.pdf", good_pdf, algorithm="AES-256")
    _encrypted_pdf(corpus / OPEN_AES, good_pdf, user_password="", algorithm="AES-256")  # opens without a password
    good_pdf.unlink()
    (corpus / "memory.txt").symlink_to("/proc/self/mem")  # exists, never reads: what permission denied is to root
    make_pdf(corpus / "empty.pdf", ["", ""])
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (corpus / "latin1.txt").write_bytes("Café services in Zürich: integration of soins à domicile.\n".encode("latin-1"))
    return {
        "corrupt.pdf": "corrupt",
        "encrypted.pdf": "encrypted",
        "empty.pdf": "empty",
        "binary.txt": "binary",
        "latin1.txt": "UTF-8",
        "memory.txt": "cannot be opened",
    }


OPEN_AES = "aes-owner-password-only.pdf"


def test_bad_files_are_reported_and_the_rest_ingested(settings: Settings, embeddings: LocalEmbeddings) -> None:
    bad = _make_bad_files(settings.corpus.dir)
    report = _ingest(settings, embeddings)
    failed = dict(report.failed)
    assert sorted(failed) == sorted(bad)
    for name, word in bad.items():
        reason = failed[name]
        assert "\n" not in reason and name in reason and word.lower() in reason.lower(), reason
    assert sorted(report.ingested) == sorted([*EXCERPTS, PDF_NAME, OPEN_AES])
    status = Store(settings, embeddings).status()
    assert status is not None and status.documents == 5

    # the CLI says the same and exits non-zero; good reports are unchanged, so it embeds nothing
    result = run_cli("ingest", "--quiet", "--corpus", str(settings.corpus.dir), "--store", str(settings.store.path))
    assert result.returncode == 1, result.stderr
    failed_lines = [line for line in result.stdout.splitlines() if line.startswith("FAILED ")]
    assert len(failed_lines) == len(bad)
    for name in bad:
        assert any(line.startswith(f"FAILED {name}: ") for line in failed_lines), result.stdout
    assert "5 unchanged" in result.stdout


def test_any_error_inside_one_file_fails_that_file_only(
    settings: Settings, embeddings: LocalEmbeddings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exception nobody foresaw, raised while one report is chunked, is that report's FAILED line."""
    import icassist.ingest.pipeline as pipeline

    real = pipeline.chunk_document

    def chunk(document, *args, **kwargs):  # type: ignore[no-untyped-def]
        if document.meta.doc_id == KINGSFUND:
            raise RecursionError("maximum recursion depth exceeded")
        return real(document, *args, **kwargs)

    monkeypatch.setattr(pipeline, "chunk_document", chunk)
    (settings.corpus.dir / "sources.toml").write_text(
        (settings.corpus.dir / "sources.toml").read_text(encoding="utf-8")
        + '\n[[source]]\nfile = "missing-report.pdf"\ntitle = "A report nobody copied in"\n',
        encoding="utf-8",
    )
    report = _ingest(settings, embeddings)
    assert [name for name, _ in report.failed] == [KINGSFUND]
    assert "RecursionError" in report.failed[0][1]
    assert sorted(report.ingested) == sorted({*EXCERPTS, PDF_NAME} - {KINGSFUND})
    assert any("missing-report.pdf" in w and "no such file" in w for w in report.warnings)
    assert "WARNING sources.toml lists 'missing-report.pdf'" in report.summary()


def test_report_turned_unreadable_keeps_its_chunks(settings: Settings, embeddings: LocalEmbeddings) -> None:
    _ingest(settings, embeddings)
    before = _by_doc([r.chunk for r in _records(settings, embeddings).values()])
    (settings.corpus.dir / KINGSFUND).write_bytes(b"\x00\x01binary\x00" * 100)
    report = _ingest(settings, embeddings)
    assert [name for name, _ in report.failed] == [KINGSFUND]
    assert [c.chunk_id for c in _by_doc(Store(settings, embeddings).chunks())[KINGSFUND]] == [
        c.chunk_id for c in before[KINGSFUND]
    ]
    # also on --rebuild, which re-embeds everything else
    rebuilt = _ingest(settings, embeddings, rebuild=True)
    assert [name for name, _ in rebuilt.failed] == [KINGSFUND] and rebuilt.reused_embeddings == 0
    assert [c.chunk_id for c in _by_doc(Store(settings, embeddings).chunks())[KINGSFUND]] == [
        c.chunk_id for c in before[KINGSFUND]
    ]
    # also when another report changes and a new collection is written around it
    (settings.corpus.dir / CHE).unlink()
    report = _ingest(settings, embeddings)
    assert report.removed == [CHE] and [name for name, _ in report.failed] == [KINGSFUND]
    after = _by_doc(Store(settings, embeddings).chunks())
    assert [c.chunk_id for c in after[KINGSFUND]] == [c.chunk_id for c in before[KINGSFUND]]
    assert CHE not in after


# ---------------------------------------------------------------- interrupted ingest


def test_killed_ingest_leaves_previous_store_answering(settings: Settings, embeddings: LocalEmbeddings) -> None:
    first = _ingest(settings, embeddings)
    store = Store(settings, embeddings)
    status = store.status()
    assert status is not None
    query = embeddings.embed_query("pooled budgets and hospital admissions")
    hits_before = _nearest(store, query)

    # a whole report (~40 chunks) makes embedding take several seconds; kill the CLI in the middle of it
    csu = REAL_CORPUS / CSU
    (settings.corpus.dir / CSU).write_text(csu.read_text(encoding="utf-8"), encoding="utf-8")
    stderr_path = settings.store.path.parent / "icassist.ingest.stderr"
    with stderr_path.open("w") as stderr:
        proc = subprocess.Popen(
            [str(ICASSIST), "ingest", "--corpus", str(settings.corpus.dir), "--store", str(settings.store.path)],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=cli_env(),
        )
        try:
            assert wait_for(lambda: "embedding:" in stderr_path.read_text(), timeout=120), stderr_path.read_text()
            assert proc.poll() is None, "ingest finished before it could be killed"
            proc.send_signal(signal.SIGKILL)
            out, _ = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode == -signal.SIGKILL and "chunks in store" not in out

    store = Store(settings, embeddings)
    assert store.status() == status
    assert len(_records(settings, embeddings)) == first.chunks
    assert _nearest(store, query) == hits_before

    # a kill after the new collection was created leaves it behind: simulate one, with a partial write
    leftover = store.new_collection()
    leftover.add(ids=["partial"], embeddings=[query], documents=["half-written"], metadatas=[{"doc_id": CSU}])
    assert store.status() == status  # readers never see it
    assert _nearest(store, query) == hits_before

    report = _ingest(settings, embeddings)
    assert report.ingested == [CSU] and report.failed == []
    new_status = store.status()
    assert new_status is not None and new_status.chunks == first.chunks + report.embedded
    assert _collections(store) == _live(new_status.collection)
    assert leftover.name not in _collections(store)
    assert "partial" not in _records(settings, embeddings)
