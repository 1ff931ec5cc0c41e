"""The Chroma store: versioned chunk collections behind one "active" pointer, local or on a server.

Each ingest that changes anything writes a complete new collection and then flips the pointer, so a
killed ingest leaves the previous collection answering and a half-written one is never read.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import NotFoundError

from icassist.embeddings import ChromaEmbedder, LocalEmbeddings
from icassist.records import Chunk
from icassist.settings import Settings, StoreSettings

_SEGMENT_DIR = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class StoreError(Exception):
    """A store problem the user can fix; the message says how."""


class StoreMissing(StoreError):
    pass


class ModelMismatch(StoreError):
    pass


@dataclass(frozen=True)
class StoreStatus:
    collection: str
    embedding_model: str
    ingested_at: str
    documents: int
    chunks: int


@dataclass(frozen=True)
class StoredRecord:
    """A chunk as stored, with its vector, so an unchanged chunk is copied rather than re-embedded."""

    chunk: Chunk
    source_hash: str
    embedding: list[float]
    origin: str = ""  # the corpus folder that added the report (host:path); '' in stores written before origins
    windows: tuple[list[float], ...] = ()  # vectors of `Chunk.tail_windows`, in order; () for a chunk that fits


def open_client(settings: StoreSettings) -> ClientAPI:
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if not url.hostname:
            raise StoreError(f"ICASSIST_STORE__CHROMA_URL={settings.chroma_url!r} is not a URL like http://host:8000")
        try:
            return chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as exc:  # chromadb reports an unreachable server as a bare ValueError
            raise StoreError(
                f"Cannot reach the Chroma server at {settings.chroma_url} ({exc}). Start it (`chroma run --path "
                "FOLDER --port PORT`), check ICASSIST_STORE__CHROMA_URL, or unset it to use the local store folder."
            ) from exc
    settings.path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.path), settings=chroma_settings)


def chunk_metadata(record: StoredRecord) -> dict[str, Any]:
    """Chroma metadata holds scalars and non-empty lists only, so optional fields are left out when empty.

    The text itself is the Chroma document; what is derived from it (embedded text, hash) is not stored.
    """
    chunk = record.chunk
    meta: dict[str, Any] = {
        "doc_id": chunk.doc_id,
        "title": chunk.title,
        "section_path": json.dumps(chunk.section_path),
        "char_start": chunk.char_start,
        "char_end": chunk.char_end,
        "source_hash": record.source_hash,
    }
    if record.origin:
        meta["origin"] = record.origin
    if chunk.authors:
        meta["authors"] = chunk.authors
    if chunk.year is not None:
        meta["year"] = chunk.year
    if chunk.page_start is not None:
        meta["page_start"] = chunk.page_start
    if chunk.page_end is not None:
        meta["page_end"] = chunk.page_end
    if chunk.page_source is not None:
        meta["page_source"] = chunk.page_source
    if chunk.programmes:
        meta["programmes"] = chunk.programmes
    return meta


def chunk_from_record(chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
    return Chunk(
        chunk_id=chunk_id,
        doc_id=meta["doc_id"],
        title=meta["title"],
        authors=list(meta.get("authors") or []),
        year=meta.get("year"),
        section_path=json.loads(meta["section_path"]),
        page_start=meta.get("page_start"),
        page_end=meta.get("page_end"),
        page_source=meta.get("page_source", "printed" if meta.get("page_start") is not None else None),
        char_start=meta["char_start"],
        char_end=meta["char_end"],
        text=text,
        programmes=list(meta.get("programmes") or []),
    )


def windows_name(collection: str) -> str:
    """The collection beside a chunk collection holding its chunks' tail-window vectors (absent in older stores)."""
    return f"{collection}-windows"


class Store:
    """Owns the collections named `<prefix>-*`; `<prefix>-meta` points at the active one."""

    page_size = 500

    def __init__(self, settings: Settings, embeddings: LocalEmbeddings | None = None) -> None:
        self.settings = settings
        self.embeddings = embeddings or LocalEmbeddings(settings.embedding)
        self.client = open_client(settings.store)
        self._embedder: Any = ChromaEmbedder(self.embeddings)  # chroma's generic protocol type is narrower

    @property
    def location(self) -> str:
        return self.settings.store.chroma_url or str(self.settings.store.path)

    @property
    def _meta_name(self) -> str:
        return f"{self.settings.store.collection_prefix}-meta"

    def _meta(self) -> Collection:
        return self.client.get_or_create_collection(self._meta_name, embedding_function=None)

    def _pointer(self) -> dict[str, Any]:
        return dict(self._meta().metadata or {})

    def status(self) -> StoreStatus | None:
        pointer = self._pointer()
        if "active" not in pointer:
            return None
        return StoreStatus(
            collection=pointer["active"],
            embedding_model=pointer.get("embedding_model", "unknown"),
            ingested_at=pointer.get("ingested_at", "unknown"),
            documents=int(pointer.get("documents", 0)),
            chunks=int(pointer.get("chunks", 0)),
        )

    def active(self, *, check_model: bool = True) -> Collection:
        """The collection queries read; refuses a store built by another embedding model."""
        status = self.status()
        if status is None:
            raise StoreMissing(f"No ingested corpus at {self.location}. Run `icassist ingest` first.")
        if check_model and status.embedding_model != self.embeddings.model_name:
            raise ModelMismatch(
                f"The store at {self.location} was built with embedding model {status.embedding_model!r}, "
                f"but {self.embeddings.model_name!r} is configured. Run `icassist ingest --rebuild`."
            )
        return self.client.get_collection(status.collection, embedding_function=self._embedder)

    def new_collection(self) -> Collection:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        return self.client.create_collection(
            f"{self.settings.store.collection_prefix}-{stamp}",
            embedding_function=self._embedder,
            metadata={"hnsw:space": "cosine", "embedding_model": self.embeddings.model_name},
        )

    def activate(self, collection: Collection, *, documents: int, chunks: int) -> None:
        """One metadata write flips readers to the new collection; then older ones are dropped."""
        self._meta().modify(
            metadata={
                "active": collection.name,
                "embedding_model": self.embeddings.model_name,
                "ingested_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "documents": documents,
                "chunks": chunks,
            }
        )
        self.drop_inactive()

    def drop_inactive(self) -> list[str]:
        """Remove collections left by earlier or interrupted ingests; only ever called under the ingest lease."""
        active = self._pointer().get("active")
        # only `<prefix>-<stamp>` (see new_collection): `icassist-staging-*` belongs to another prefix
        ours = re.compile(rf"{re.escape(self.settings.store.collection_prefix)}-\d{{8}}T\d{{12}}(-windows)?")
        dropped = []
        for name in self._collection_names():
            if ours.fullmatch(name) and name not in (active, active and windows_name(active)):
                self.client.delete_collection(name)
                dropped.append(name)
        self.remove_orphan_segments()
        return dropped

    def _collection_names(self) -> list[str]:
        return [c if isinstance(c, str) else c.name for c in self.client.list_collections()]

    def snapshot(self) -> tuple[StoreStatus, list[StoredRecord]]:
        """One whole store version: the pointer and every record of the collection it named.

        If another process flips the pointer and drops that collection while it is being read, read again.
        """
        for _ in range(5):
            status = self.status()
            if status is None:
                raise StoreMissing(f"No ingested corpus at {self.location}. Run `icassist ingest` first.")
            self.active()  # refuses another embedding model
            try:
                return status, list(self.records(with_embeddings=True, collection=status.collection))
            except (NotFoundError, ValueError):  # the collection was dropped under us: the pointer has moved on
                continue
        raise StoreError(f"The store at {self.location} kept changing while it was read; try again.")

    def records(self, *, with_embeddings: bool, collection: str | None = None) -> Iterator[StoredRecord]:
        """Every stored chunk (of the active or the named collection), paged so a large store is not pulled at once."""
        if collection is None:
            if self.status() is None:
                return
            source = self.active()
        else:
            source = self.client.get_collection(collection, embedding_function=None)
        windows = self._windows(source.name) if with_embeddings else {}
        include: list[Any] = ["documents", "metadatas"] + (["embeddings"] if with_embeddings else [])
        offset = 0
        while True:
            page = source.get(include=include, limit=self.page_size, offset=offset)
            ids = page["ids"]
            if not ids:
                return
            documents = page["documents"] or []
            metadatas = page["metadatas"] or []
            embeddings = page["embeddings"] if with_embeddings else None
            for i, chunk_id in enumerate(ids):
                meta = dict(metadatas[i])
                yield StoredRecord(
                    chunk=chunk_from_record(chunk_id, documents[i], meta),
                    source_hash=str(meta["source_hash"]),
                    embedding=[float(x) for x in embeddings[i]] if embeddings is not None else [],
                    origin=str(meta.get("origin", "")),
                    windows=tuple(windows.get(chunk_id, ())),
                )
            offset += len(ids)

    def _windows(self, collection: str) -> dict[str, list[list[float]]]:
        """Tail-window vectors by chunk id, in window order; empty for a store written before windows."""
        if windows_name(collection) not in self._collection_names():
            return {}
        source = self.client.get_collection(windows_name(collection), embedding_function=None)
        found: dict[str, list[tuple[int, list[float]]]] = {}
        offset = 0
        while True:
            page = source.get(include=["metadatas", "embeddings"], limit=self.page_size, offset=offset)
            if not page["ids"]:
                break
            vectors: Any = page["embeddings"]
            for meta, vector in zip(page["metadatas"] or [], vectors, strict=True):
                found.setdefault(str(meta["chunk_id"]), []).append((int(str(meta["n"])), [float(x) for x in vector]))
            offset += len(page["ids"])
        return {chunk_id: [v for _, v in sorted(vectors)] for chunk_id, vectors in found.items()}

    def chunks(self) -> list[Chunk]:
        return [record.chunk for record in self.records(with_embeddings=False)]

    def write(self, records: list[StoredRecord]) -> Collection:
        """A new, not yet active collection holding `records`."""
        collection = self.new_collection()
        for start in range(0, len(records), self.page_size):
            part = records[start : start + self.page_size]
            collection.add(
                ids=[r.chunk.chunk_id for r in part],
                embeddings=np.asarray([r.embedding for r in part], dtype=np.float32),
                documents=[r.chunk.text for r in part],
                metadatas=[chunk_metadata(r) for r in part],
            )
        windows = [(r.chunk.chunk_id, n, vector) for r in records for n, vector in enumerate(r.windows)]
        if windows:
            side = self.client.create_collection(
                windows_name(collection.name), embedding_function=None, metadata={"hnsw:space": "cosine"}
            )
            for start in range(0, len(windows), self.page_size):
                part_w = windows[start : start + self.page_size]
                side.add(
                    ids=[f"{chunk_id}~{n}" for chunk_id, n, _ in part_w],
                    embeddings=np.asarray([vector for _, _, vector in part_w], dtype=np.float32),
                    metadatas=[{"chunk_id": chunk_id, "n": n} for chunk_id, n, _ in part_w],
                )
        return collection

    def remove_orphan_segments(self) -> list[str]:
        """Local mode: delete the index folders Chroma leaves behind when a collection is dropped.

        Chroma keeps each vector segment in a folder named by its id; a dropped collection's folder stays on
        disk, so a store changed N times would hold N copies. A folder no segment row names is garbage.
        """
        if self.settings.store.chroma_url:
            return []
        root = self.settings.store.path
        database = root / "chroma.sqlite3"
        if not database.exists():
            return []
        with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
            live = {row[0] for row in db.execute("SELECT id FROM segments")}
        removed = []
        for folder in root.iterdir():
            if folder.is_dir() and _SEGMENT_DIR.fullmatch(folder.name) and folder.name not in live:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder.name)
        return removed
