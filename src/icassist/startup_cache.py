"""What the retriever builds at start (the store version's chunks and vectors, the keyword index, the lexicon),
kept on disk beside the store so the next start reads it back instead of re-reading Chroma and re-tokenising
every chunk.

A store version never changes once written (each ingest writes a new collection and flips a pointer), so the
collection name is the key; a fingerprint of the code that builds the index is the other half, so a change to
tokenising or to the index format is never read from an old cache. Anything unreadable is ignored and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np
from pydantic import TypeAdapter

from icassist.records import Chunk

log = logging.getLogger(__name__)
_CHUNKS = TypeAdapter(list[Chunk])
_ARRAYS = ("vectors", "windows", "owners")


@dataclass
class Cached:
    chunks: list[Chunk]
    vectors: np.ndarray
    windows: np.ndarray
    owners: np.ndarray
    bm25: bm25s.BM25 | None
    idf: dict[str, float]
    vocabulary: frozenset[str]
    text: str  # the lexicon's folded full text
    glossary: dict[str, str]


def cache_dir(store_path: Path, collection: str, builders: Sequence[Path], setting: str) -> Path:
    """`builders`: the source files of the code that builds what is cached; `setting`: the index variant."""
    digest = hashlib.sha256(setting.encode())
    for source in builders:
        digest.update(source.read_bytes())
    return store_path.with_name(f"{store_path.name}-startup") / f"{collection}-{digest.hexdigest()[:16]}"


def load(folder: Path) -> Cached | None:
    """The cached start-up state, or None (no cache, or one that cannot be read: the caller rebuilds)."""
    if not folder.is_dir():
        return None
    try:
        chunks = _CHUNKS.validate_json((folder / "chunks.json").read_bytes())
        arrays = {name: np.load(folder / f"{name}.npy") for name in _ARRAYS}
        derived = json.loads((folder / "derived.json").read_text(encoding="utf-8"))
        bm25 = bm25s.BM25.load(str(folder / "bm25"), show_progress=False) if derived["bm25"] else None
        return Cached(
            chunks,
            arrays["vectors"],
            arrays["windows"],
            arrays["owners"],
            bm25,
            derived["idf"],
            frozenset(derived["vocabulary"]),
            derived["text"],
            derived["glossary"],
        )
    except (OSError, ValueError, KeyError) as error:
        log.warning("start-up cache %s unreadable (%s); rebuilding", folder, error)
        shutil.rmtree(folder, ignore_errors=True)  # so the rebuilt one can take its place
        return None


def save(folder: Path, cached: Cached) -> None:
    """Written to a scratch folder and renamed into place; other versions' caches are removed. It never fails a
    start: a cache that cannot be written only means the next start builds again."""
    scratch: Path | None = None
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".writing-"))
        (scratch / "chunks.json").write_bytes(_CHUNKS.dump_json(cached.chunks))
        for name in _ARRAYS:
            np.save(scratch / f"{name}.npy", getattr(cached, name))
        if cached.bm25 is not None:
            cached.bm25.save(str(scratch / "bm25"), show_progress=False)
        derived = {
            "bm25": cached.bm25 is not None,
            "idf": cached.idf,
            "vocabulary": sorted(cached.vocabulary),
            "text": cached.text,
            "glossary": cached.glossary,
        }
        (scratch / "derived.json").write_text(json.dumps(derived), encoding="utf-8")
        os.replace(scratch, folder)
    except OSError as error:  # no room, no permission, or another process wrote it first
        log.warning("start-up cache %s not written (%s)", folder, error)
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
        return
    for other in folder.parent.iterdir():
        if other != folder and not other.name.startswith(".writing-"):
            shutil.rmtree(other, ignore_errors=True)
