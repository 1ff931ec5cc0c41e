"""The Chroma store: versioned chunk collections behind one "active" pointer, local or on a server.

Each ingest that changes anything writes a complete new collection and then flips the pointer, so a
killed ingest leaves the previous collection answering and a half-written one is never read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings as ChromaSettings

from icassist.embeddings import ChromaEmbedder, LocalEmbeddings
from icassist.records import Chunk, Filters
from icassist.settings import Settings, StoreSettings


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


def open_client(settings: StoreSettings) -> ClientAPI:
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if not url.hostname:
            raise StoreError(f"ICASSIST_STORE__CHROMA_URL={settings.chroma_url!r} is not a URL like http://host:8000")
        return chromadb.HttpClient(
            host=url.hostname,
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    settings.path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.path), settings=chroma_settings)


def chunk_metadata(chunk: Chunk, source_hash: str) -> dict[str, Any]:
    """Chroma metadata holds scalars and non-empty lists only, so optional fields are left out when empty."""
    meta: dict[str, Any] = {
        "doc_id": chunk.doc_id,
        "title": chunk.title,
        "section_path": json.dumps(chunk.section_path),
        "char_start": chunk.char_start,
        "char_end": chunk.char_end,
        "content_hash": chunk.content_hash,
        "embed_text": chunk.embed_text,
        "source_hash": source_hash,
    }
    if chunk.authors:
        meta["authors"] = chunk.authors
    if chunk.year is not None:
        meta["year"] = chunk.year
    if chunk.page_start is not None:
        meta["page_start"] = chunk.page_start
    if chunk.page_end is not None:
        meta["page_end"] = chunk.page_end
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
        char_start=meta["char_start"],
        char_end=meta["char_end"],
        text=text,
        embed_text=meta["embed_text"],
        content_hash=meta["content_hash"],
        programmes=list(meta.get("programmes") or []),
    )


def chroma_where(filters: Filters | None) -> dict[str, Any] | None:
    if filters is None:
        return None
    clauses: list[dict[str, Any]] = []
    if filters.doc_ids:
        clauses.append({"doc_id": {"$in": filters.doc_ids}})
    if filters.years:
        clauses.append({"year": {"$in": filters.years}})
    if filters.programmes:
        programme_clauses: list[dict[str, Any]] = [{"programmes": {"$contains": p}} for p in filters.programmes]
        clauses.append(programme_clauses[0] if len(programme_clauses) == 1 else {"$or": programme_clauses})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


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
        """Remove collections left by earlier or interrupted ingests."""
        active = self._pointer().get("active")
        # only `<prefix>-<stamp>` (see new_collection): `icassist-staging-*` belongs to another prefix
        ours = re.compile(rf"{re.escape(self.settings.store.collection_prefix)}-\d{{8}}T\d{{12}}")
        dropped = []
        for name in self._collection_names():
            if ours.fullmatch(name) and name != active:
                self.client.delete_collection(name)
                dropped.append(name)
        return dropped

    def _collection_names(self) -> list[str]:
        return [c if isinstance(c, str) else c.name for c in self.client.list_collections()]

    def records(self, *, with_embeddings: bool) -> Iterator[StoredRecord]:
        """Every stored chunk, paged so a large store is not pulled in one response."""
        if self.status() is None:
            return
        collection = self.active()
        include: list[Any] = ["documents", "metadatas"] + (["embeddings"] if with_embeddings else [])
        offset = 0
        while True:
            page = collection.get(include=include, limit=self.page_size, offset=offset)
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
                )
            offset += len(ids)

    def chunks(self) -> list[Chunk]:
        return [record.chunk for record in self.records(with_embeddings=False)]

    def search(self, query_embedding: list[float], k: int, filters: Filters | None = None) -> list[tuple[Chunk, float]]:
        """Dense nearest neighbours with cosine similarity (1 - cosine distance)."""
        collection = self.active()
        result = collection.query(
            query_embeddings=np.asarray([query_embedding], dtype=np.float32),
            n_results=k,
            where=chroma_where(filters),
            include=["documents", "metadatas", "distances"],
        )
        ids = result["ids"][0]
        documents = (result["documents"] or [[]])[0]
        metadatas = (result["metadatas"] or [[]])[0]
        distances = (result["distances"] or [[]])[0]
        return [
            (chunk_from_record(ids[i], documents[i], dict(metadatas[i])), 1.0 - float(distances[i]))
            for i in range(len(ids))
        ]
