"""Corpus folder → Chroma, incrementally and atomically.

Unchanged reports are recognised by a source hash (file bytes, manifest entry, chunk settings, gazetteer)
and copied over with their stored vectors; changed chunks whose embedded text was seen before reuse that
vector too. The new collection only becomes visible when complete (see icassist.store).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout
from tqdm import tqdm

from icassist.embeddings import LocalEmbeddings
from icassist.gazetteer import ProgrammeTagger, load_gazetteer
from icassist.records import Chunk, SourceMeta
from icassist.settings import Settings
from icassist.store import Store, StoredRecord, chunk_metadata
from ingest.chunking import chunk_document
from ingest.manifest import corpus_files, infer_meta, load_manifest
from ingest.readers import UnreadableDocument, read_bytes, read_document

PIPELINE_VERSION = "1"


class IngestBusy(Exception):
    """Another ingest holds the lock on this store."""


@dataclass
class IngestReport:
    ingested: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    inferred_metadata: list[str] = field(default_factory=list)
    chunks: int = 0
    embedded: int = 0
    reused_embeddings: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.ingested or self.removed)

    def summary(self) -> str:
        lines = [
            f"documents: {len(self.ingested)} ingested, {len(self.unchanged)} unchanged, "
            f"{len(self.removed)} removed, {len(self.failed)} failed",
            f"chunks in store: {self.chunks} ({self.embedded} embedded, {self.reused_embeddings} reused)",
            f"seconds: {self.seconds:.1f}",
        ]
        lines += [f"metadata inferred (no manifest entry): {name}" for name in self.inferred_metadata]
        lines += [f"WARNING {warning}" for warning in self.warnings]
        lines += [f"FAILED {name}: {reason}" for name, reason in self.failed]
        return "\n".join(lines)


@dataclass
class Source:
    path: Path
    meta: SourceMeta
    source_hash: str


def lock_path(settings: Settings) -> Path:
    if settings.store.chroma_url:
        digest = hashlib.sha256(settings.store.chroma_url.encode()).hexdigest()[:12]
        return settings.store.path.parent / f"ingest-{digest}.lock"
    return settings.store.path.parent / f"{settings.store.path.name}.ingest.lock"


def _fingerprint(settings: Settings) -> str:
    """What besides the file decides its chunks: changing any of it re-chunks every report."""
    gazetteer = settings.corpus.dir / settings.corpus.gazetteer
    parts = [
        PIPELINE_VERSION,
        settings.chunking.model_dump_json(),
        settings.embedding.model_name,
        gazetteer.read_text(encoding="utf-8") if gazetteer.exists() else "",
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def discover(settings: Settings, report: IngestReport) -> list[Source]:
    """The corpus files with their metadata and hashes; a file that cannot be read is that file's FAILED line."""
    manifest = load_manifest(settings.corpus.dir, settings.corpus.manifest)
    fingerprint = _fingerprint(settings)
    files, report.warnings = corpus_files(settings.corpus.dir)
    names = {path.name for path in files}
    report.warnings += [
        f"{settings.corpus.manifest} lists {name!r}, but there is no such file in {settings.corpus.dir}"
        for name in manifest
        if name not in names
    ]
    sources = []
    for path in files:
        try:
            data = read_bytes(path, settings.corpus.max_file_bytes)
        except UnreadableDocument as error:
            report.failed.append((path.name, str(error)))
            report.unreadable.append(path.name)
            continue
        meta = manifest.get(path.name)
        if meta is None:
            meta = infer_meta(path)
            report.inferred_metadata.append(path.name)
        digest = hashlib.sha256()
        digest.update(data)
        digest.update(meta.model_dump_json().encode())
        digest.update(fingerprint.encode())
        sources.append(Source(path=path, meta=meta, source_hash=digest.hexdigest()))
    return sources


def ingest(
    settings: Settings,
    *,
    rebuild: bool = False,
    embeddings: LocalEmbeddings | None = None,
    progress: bool = True,
    log: Callable[[str], None] = print,
) -> IngestReport:
    """Bring the store in line with the corpus folder; raises IngestBusy if another ingest runs."""
    lock = FileLock(str(lock_path(settings)))
    lock_path(settings).parent.mkdir(parents=True, exist_ok=True)
    try:
        lock.acquire(timeout=settings.store.lock_timeout_s)
    except Timeout:
        raise IngestBusy(
            f"Another ingest is already running on {settings.store.chroma_url or settings.store.path} "
            f"(lock {lock_path(settings)}). Wait for it to finish, or pass --wait SECONDS."
        ) from None
    try:
        return _ingest_locked(settings, rebuild, embeddings, progress, log)
    finally:
        lock.release()


def _ingest_locked(
    settings: Settings,
    rebuild: bool,
    embeddings: LocalEmbeddings | None,
    progress: bool,
    log: Callable[[str], None],
) -> IngestReport:
    started = time.perf_counter()
    report = IngestReport()
    store = Store(settings, embeddings)
    store.drop_inactive()
    sources = discover(settings, report)
    existing: dict[str, list[StoredRecord]] = {}
    status = store.status()
    # --rebuild still reads a same-model store: a report that is unreadable now keeps its last good chunks
    if status is not None and (not rebuild or status.embedding_model == store.embeddings.model_name):
        store.active()  # refuses a store built by another model before anything is copied into it
        for record in store.records(with_embeddings=True):
            existing.setdefault(record.chunk.doc_id, []).append(record)

    kept: list[StoredRecord] = []
    fresh: list[tuple[Chunk, str]] = []
    tagger = ProgrammeTagger(load_gazetteer(settings.corpus.dir / settings.corpus.gazetteer))
    for source in tqdm(sources, desc="documents", unit="doc", disable=not progress):
        name = source.path.name
        previous = existing.get(name, [])
        if not rebuild and previous and previous[0].source_hash == source.source_hash:
            report.unchanged.append(name)
            kept.extend(previous)
            continue
        try:
            document = read_document(source.path, source.meta, settings.corpus.max_file_bytes)
            chunks = chunk_document(document, settings.chunking, tagger.tag)
        except UnreadableDocument as error:
            report.failed.append((name, str(error)))
            kept.extend(previous)  # a report that turned unreadable keeps its last good version
            continue
        except Exception as error:  # whatever goes wrong inside one file is that file's failure, never the run's
            report.failed.append((name, f"{name}: could not be read ({type(error).__name__}: {error}); check the file"))
            kept.extend(previous)
            continue
        if not chunks:
            report.failed.append((name, f"{source.path}: no text left after cleaning; check the file's content"))
            kept.extend(previous)
            continue
        fresh.extend((chunk, source.source_hash) for chunk in chunks)
        report.ingested.append(name)

    for name in report.unreadable:
        kept.extend(existing.get(name, []))
    present = {source.path.name for source in sources} | set(report.unreadable)
    report.removed = sorted(set(existing) - present)
    if report.changed or (rebuild and (kept or fresh)):
        _write_collection(store, kept, fresh, {} if rebuild else existing, report, progress)
    status = store.status()
    report.chunks = status.chunks if status else 0
    report.seconds = time.perf_counter() - started
    return report


def _write_collection(
    store: Store,
    kept: list[StoredRecord],
    fresh: list[tuple[Chunk, str]],
    existing: dict[str, list[StoredRecord]],
    report: IngestReport,
    progress: bool,
) -> None:
    known = {r.chunk.content_hash: r.embedding for records in existing.values() for r in records}
    to_embed = [chunk for chunk, _ in fresh if chunk.content_hash not in known]
    batch = store.embeddings.settings.batch_size
    with tqdm(total=len(to_embed), desc="embedding", unit="chunk", disable=not progress or not to_embed) as bar:
        for start in range(0, len(to_embed), batch):
            pending = to_embed[start : start + batch]
            vectors = store.embeddings.embed_documents([c.embed_text for c in pending])
            for chunk, vector in zip(pending, vectors, strict=True):
                known[chunk.content_hash] = vector
            bar.update(len(pending))
    report.embedded = len(to_embed)
    report.reused_embeddings = len(fresh) - len(to_embed)

    records = kept + [StoredRecord(chunk=c, source_hash=h, embedding=known[c.content_hash]) for c, h in fresh]
    collection = store.new_collection()
    for start in range(0, len(records), store.page_size):
        part = records[start : start + store.page_size]
        collection.add(
            ids=[r.chunk.chunk_id for r in part],
            embeddings=np.asarray([r.embedding for r in part], dtype=np.float32),
            documents=[r.chunk.text for r in part],
            metadatas=[chunk_metadata(r.chunk, r.source_hash) for r in part],
        )
    store.activate(collection, documents=len({r.chunk.doc_id for r in records}), chunks=len(records))
