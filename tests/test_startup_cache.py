"""The retriever's start-up cache: read back instead of rebuilt, identical retrieval, never stale, never fatal."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from icassist import startup_cache
from icassist.embeddings import LocalEmbeddings
from icassist.ingest.pipeline import ingest
from icassist.retrieval import HybridRetriever
from icassist.settings import Settings
from icassist.store import Store
from tests.conftest import Ingested, make_settings

QUESTIONS = ["What happened to hospital bed use in Torbay?", "How are pooled budgets governed?", "What is PACE?"]


def _results(retriever: HybridRetriever) -> list[list[tuple[str, float]]]:
    return [[(p.chunk.chunk_id, round(p.score, 9)) for p in retriever.retrieve(q)] for q in QUESTIONS]


def _cache_root(settings: Settings) -> Path:
    return settings.store.path.with_name(f"{settings.store.path.name}-startup")


@pytest.fixture
def own_store(tmp_path: Path, ingested: Ingested) -> Settings:
    """A copy of the ingested store, so caches written beside it are this test's own."""
    settings = make_settings(ingested.settings.corpus.dir, tmp_path / "store")
    shutil.copytree(ingested.settings.store.path, settings.store.path)
    return settings


def test_the_second_start_reads_the_cache_and_retrieves_the_same(own_store: Settings) -> None:
    store = Store(own_store)
    built = HybridRetriever.open(store, own_store.retrieval)
    (folder,) = _cache_root(own_store).iterdir()
    assert folder.name.startswith(built.corpus.version + "-")
    cached = HybridRetriever.open(store, own_store.retrieval)
    assert (cached.idf, cached.lexicon, cached.glossary) == (built.idf, built.lexicon, built.glossary)
    assert [c.chunk_id for c in cached.corpus.chunks] == [c.chunk_id for c in built.corpus.chunks]
    assert _results(cached) == _results(built)


def test_a_new_store_version_gets_its_own_cache_and_the_old_one_goes(
    own_store: Settings, embeddings: LocalEmbeddings
) -> None:
    store = Store(own_store, embeddings)
    first = HybridRetriever.open(store, own_store.retrieval)
    ingest(own_store, rebuild=True, embeddings=embeddings, progress=False)  # a new collection
    second = HybridRetriever.open(store, own_store.retrieval)
    assert second.corpus.version != first.corpus.version
    (folder,) = _cache_root(own_store).iterdir()
    assert folder.name.startswith(second.corpus.version + "-")


def test_an_unreadable_cache_is_rebuilt_with_a_warning(own_store: Settings, caplog: pytest.LogCaptureFixture) -> None:
    store = Store(own_store)
    built = HybridRetriever.open(store, own_store.retrieval)
    (folder,) = _cache_root(own_store).iterdir()
    (folder / "chunks.json").write_text("[{truncated", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="icassist.startup_cache"):
        again = HybridRetriever.open(store, own_store.retrieval)
    assert "unreadable" in caplog.text and _results(again) == _results(built)
    assert startup_cache.load(folder) is not None, "the rebuilt cache took its place"
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".writing-")]


def test_the_cache_can_be_turned_off(own_store: Settings) -> None:
    own_store.store.startup_cache = False
    HybridRetriever.open(Store(own_store), own_store.retrieval)
    assert not _cache_root(own_store).exists()
