"""Corpus folder → Chroma, incrementally and atomically.

Unchanged reports are recognised by a source hash (file bytes, manifest entry, chunk settings, gazetteer)
and copied over with their stored vectors; changed chunks whose embedded text was seen before reuse that
vector too. The new collection only becomes visible when complete (see icassist.store).
"""

from __future__ import annotations

import hashlib
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from tqdm import tqdm

from icassist.embeddings import LocalEmbeddings
from icassist.gazetteer import ProgrammeTagger, load_gazetteer
from icassist.ingest.chunking import chunk_document
from icassist.ingest.readers import UnreadableDocument, read_bytes, read_document
from icassist.ingest_lease import IngestLease
from icassist.manifest import corpus_files, infer_meta, load_manifest
from icassist.records import Chunk, SourceMeta
from icassist.settings import Settings
from icassist.store import Store, StoredRecord

# 2: page ranges from contents lists; 3: list items and wrapped titles in headings; 4: lists restarting in a section;
# 5: a summary's own Introduction, IMRaD sections beside the body's Introduction; 6: an annex's pages from 'Annexes';
# 7: a contents range runs to the next entry at its level; 8: tags where a chunk discusses a programme
PIPELINE_VERSION = "8"


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


def corpus_origin(settings: Settings) -> str:
    """Which corpus folder added a report: a shared store removes a report only when that folder drops it."""
    return f"{socket.gethostname()}:{settings.corpus.dir.resolve()}"


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
    prune: bool = False,
    embeddings: LocalEmbeddings | None = None,
    progress: bool = True,
    on_embedded: Callable[[int, int], None] | None = None,
) -> IngestReport:
    """Bring the store in line with the corpus folder; raises IngestBusy if another ingest holds the store.

    Reports another corpus folder added are kept unless `prune`: one shared store, many contributing folders.
    `progress` draws bars on the terminal; `on_embedded(done, total)` follows the embedding for an app's own bar.
    """
    store = Store(settings, embeddings)
    lease = IngestLease(store, corpus_origin(settings), settings.store.lease_ttl_s)
    lease.acquire(settings.store.lock_timeout_s)
    with lease:
        return _ingest_leased(store, lease, settings, rebuild, prune, progress, on_embedded)


def _ingest_leased(
    store: Store,
    lease: IngestLease,
    settings: Settings,
    rebuild: bool,
    prune: bool,
    progress: bool,
    on_embedded: Callable[[int, int], None] | None,
) -> IngestReport:
    started = time.perf_counter()
    report = IngestReport()
    origin = corpus_origin(settings)
    store.drop_inactive()  # under the lease, a collection that is not active is a dead run's leftover
    sources = discover(settings, report)
    existing: dict[str, list[StoredRecord]] = {}
    status = store.status()
    # --rebuild still reads a same-model store: a report that is unreadable now keeps its last good chunks
    if status is not None and (not rebuild or status.embedding_model == store.embeddings.model_name):
        _, records = store.snapshot()  # refuses a store built by another model before anything is copied
        for record in records:
            existing.setdefault(record.chunk.doc_id, []).append(record)

    kept: list[StoredRecord] = []
    fresh: list[StoredRecord] = []
    tagger = ProgrammeTagger(load_gazetteer(settings.corpus.dir / settings.corpus.gazetteer))
    for source in tqdm(sources, desc="documents", unit="doc", disable=not progress):
        lease.renew()
        name = source.path.name
        previous = existing.get(name, [])
        if not rebuild and previous and previous[0].source_hash == source.source_hash:
            report.unchanged.append(name)
            kept.extend(previous)
            continue
        failure: str | None = None
        try:
            document = read_document(source.path, source.meta, settings.corpus.max_file_bytes)
            chunks = chunk_document(document, settings.chunking, tagger.discussed)
            if not chunks:
                failure = f"{source.path}: no text left after cleaning; check the file's content"
        except UnreadableDocument as error:
            failure = str(error)
        except Exception as error:  # whatever goes wrong inside one file is that file's failure, never the run's
            failure = f"{name}: could not be read ({type(error).__name__}: {error}); check the file"
        if failure is not None:
            report.failed.append((name, failure))
            kept.extend(previous)  # a report that turned unreadable keeps its last good version
            continue
        fresh.extend(StoredRecord(chunk, source.source_hash, [], origin) for chunk in chunks)
        report.ingested.append(name)

    for name in report.unreadable:
        kept.extend(existing.get(name, []))
    present = {source.path.name for source in sources} | set(report.unreadable)
    for name in sorted(set(existing) - present):
        added_by = existing[name][0].origin
        if prune or added_by in ("", origin):
            report.removed.append(name)
        else:
            kept.extend(existing[name])
            report.warnings.append(
                f"kept {name}: another corpus folder added it ({added_by}); remove it there, or pass --prune"
            )
    missing_windows = any(not _complete(r, _windows(r.chunk, store)) for r in kept)  # a store from before windows
    if report.changed or missing_windows or (rebuild and (kept or fresh)):
        _write_collection(store, lease, kept, fresh, {} if rebuild else existing, report, progress, on_embedded)
    status = store.status()
    report.chunks = status.chunks if status else 0
    store.embeddings.prepare_queries()
    report.seconds = time.perf_counter() - started
    return report


def _write_collection(
    store: Store,
    lease: IngestLease,
    kept: list[StoredRecord],
    fresh: list[StoredRecord],
    existing: dict[str, list[StoredRecord]],
    report: IngestReport,
    progress: bool,
    on_embedded: Callable[[int, int], None] | None,
) -> None:
    """Embed only what no stored vector covers (a chunk's head or any of its tail windows), then flip to it."""
    expected = {r.chunk.content_hash: _windows(r.chunk, store) for r in kept + fresh}
    known = {
        r.chunk.content_hash: (r.embedding, r.windows)
        for records in existing.values()
        for r in records
        if _complete(r, expected.get(r.chunk.content_hash, []))
    }
    to_embed = list({r.chunk.content_hash: r.chunk for r in kept + fresh if r.chunk.content_hash not in known}.values())
    texts = [(c.content_hash, text) for c in to_embed for text in [c.embed_text, *expected[c.content_hash]]]
    vectors: dict[str, list[list[float]]] = {}
    batch = store.embeddings.settings.batch_size
    with tqdm(total=len(texts), desc="embedding", unit="passage", disable=not progress or not texts) as bar:
        for start in range(0, len(texts), batch):
            lease.renew()
            pending = texts[start : start + batch]
            embedded = store.embeddings.embed_documents([text for _, text in pending])
            for (content, _), vector in zip(pending, embedded, strict=True):
                vectors.setdefault(content, []).append(vector)
            bar.update(len(pending))
            if on_embedded is not None:
                on_embedded(start + len(pending), len(texts))
    known.update({content: (head, tuple(tail)) for content, (head, *tail) in vectors.items()})
    report.embedded = len(to_embed)
    report.reused_embeddings = sum(r.chunk.content_hash not in vectors for r in fresh)

    records = [
        replace(r, embedding=known[r.chunk.content_hash][0], windows=known[r.chunk.content_hash][1])
        for r in kept + fresh
    ]
    collection = store.write(records)
    lease.renew(force=True)  # the last check before the flip: a run that lost its lease never makes its work live
    store.activate(collection, documents=len({r.chunk.doc_id for r in records}), chunks=len(records))


def _windows(chunk: Chunk, store: Store) -> list[str]:
    settings = store.embeddings.settings
    return chunk.tail_windows(settings.window_words, settings.window_stride)


def _complete(record: StoredRecord, windows: list[str]) -> bool:
    """Whether a stored record has every vector the current settings want (head, and one per tail window)."""
    return bool(record.embedding) and len(record.windows) == len(windows)
