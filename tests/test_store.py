"""Store: the active pointer, model refusal, our own embedder everywhere, and a real Chroma server."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from icassist.embeddings import LocalEmbeddings
from icassist.ingest.pipeline import ingest
from icassist.records import Chunk
from icassist.retrieval import HybridRetriever
from icassist.settings import Settings
from icassist.store import ModelMismatch, Store, StoredRecord, StoreMissing, windows_name
from tests.conftest import (
    CHE,
    CHROMA,
    KINGSFUND,
    MONITOR,
    PDF_NAME,
    Ingested,
    chroma_server,
    make_settings,
    server_answers,
)


def test_missing_store_says_to_ingest(tmp_path: Path, embeddings: LocalEmbeddings) -> None:
    store = Store(make_settings(tmp_path / "corpus", tmp_path / "store"), embeddings)
    assert store.status() is None
    with pytest.raises(StoreMissing, match="icassist ingest"):
        store.active()


def test_telemetry_off(ingested: Ingested, embeddings: LocalEmbeddings) -> None:
    assert Store(ingested.settings, embeddings).client.get_settings().anonymized_telemetry is False


def test_collection_embeds_with_local_model(ingested: Ingested, embeddings: LocalEmbeddings) -> None:
    """query_texts goes through the collection's embedding function: it must give LocalEmbeddings' vectors."""
    store = Store(ingested.settings, embeddings)
    collection = store.active()
    config = collection.configuration_json["embedding_function"]
    assert (config["name"], config["config"]["model_name"]) == ("icassist-local", "all-MiniLM-L6-v2")
    assert collection.configuration_json["hnsw"]["space"] == "cosine"
    question = "Did pooled budgets reduce hospital admissions?"
    by_text = collection.query(query_texts=[question], n_results=5, include=["distances"])
    by_vector = collection.query(
        query_embeddings=embeddings.embed_documents([question]), n_results=5, include=["distances"]
    )
    assert by_text["ids"] == by_vector["ids"]
    assert by_text["distances"][0] == pytest.approx(by_vector["distances"][0], abs=1e-6)
    # and the vector Chroma made for the text is LocalEmbeddings' own
    made = collection._embedding_function([question])  # the function Chroma calls for query_texts / documents
    assert list(made[0]) == pytest.approx(embeddings.embed_documents([question])[0], abs=1e-6)


def test_snapshot_is_the_pointer_and_its_collection(ingested: Ingested, embeddings: LocalEmbeddings) -> None:
    store = Store(ingested.settings, embeddings)
    status, records = store.snapshot()
    assert status == store.status() and len(records) == status.chunks
    assert {r.chunk.chunk_id for r in records} == set(store.active().get(include=[])["ids"])
    assert all(len(r.embedding) == 384 and r.origin for r in records)


def test_model_mismatch_is_refused_until_rebuild(tmp_path: Path, corpus_dir: Path, embeddings: LocalEmbeddings) -> None:
    for name in (MONITOR, KINGSFUND, PDF_NAME):
        (corpus_dir / name).unlink()
    other = make_settings(corpus_dir, tmp_path / "store")
    other.embedding.model_name = "paraphrase-MiniLM-L3-v2"  # recorded in the pointer; the vectors are ours anyway
    ingest(other, embeddings=LocalEmbeddings(other.embedding), progress=False)

    settings = make_settings(corpus_dir, tmp_path / "store")
    store = Store(settings, embeddings)
    with pytest.raises(ModelMismatch) as excinfo:
        store.active()
    message = str(excinfo.value)
    assert "paraphrase-MiniLM-L3-v2" in message and "all-MiniLM-L6-v2" in message
    assert "icassist ingest --rebuild" in message
    with pytest.raises(ModelMismatch):  # an incremental ingest must not mix two models' vectors
        ingest(settings, embeddings=embeddings, progress=False)

    report = ingest(settings, rebuild=True, embeddings=embeddings, progress=False)
    assert report.ingested == [CHE] and report.embedded == report.chunks > 0
    status = store.status()
    assert status is not None and status.embedding_model == "all-MiniLM-L6-v2"
    assert store.active().count() == report.chunks


# ---------------------------------------------------------------- Chroma server mode


@pytest.mark.server
@pytest.mark.skipif(not CHROMA.exists() and shutil.which("chroma") is None, reason="no chroma CLI")
def test_chroma_server_mode(settings: Settings, tmp_path: Path, embeddings: LocalEmbeddings) -> None:
    with chroma_server(tmp_path) as url:
        settings.store.chroma_url = url
        report = ingest(settings, embeddings=embeddings, progress=False)
        assert report.failed == [] and report.embedded == report.chunks > 0
        assert not settings.store.path.exists()  # nothing written locally in server mode

        store = Store(settings, embeddings)
        assert store.location == url
        status = store.status()
        assert status is not None and status.documents == 4 and status.chunks == report.chunks
        hits = HybridRetriever.open(store, settings.retrieval).retrieve("Kaiser Permanente integrated delivery", 3)
        assert len(hits) == 3 and any("kaiser-permanente" in p.chunk.programmes for p in hits)

        again = ingest(settings, embeddings=embeddings, progress=False)
        assert again.embedded == 0 and len(again.unchanged) == 4
        assert store.status() == status
    assert not server_answers(url)


def test_drop_inactive_spares_collections_of_another_prefix(tmp_path: Path, embeddings: LocalEmbeddings) -> None:
    """Two prefixes may share one Chroma (team mode); `icassist` must not treat `icassist-staging-*` as its own."""
    staging_settings = make_settings(tmp_path / "corpus", tmp_path / "store")
    staging_settings.store.collection_prefix = "icassist-staging"
    staging = Store(staging_settings, embeddings)
    staging.activate(staging.new_collection(), documents=0, chunks=0)
    staging_active = staging.status()
    assert staging_active is not None

    main = Store(make_settings(tmp_path / "corpus", tmp_path / "store"), embeddings)
    main.activate(main.new_collection(), documents=0, chunks=0)
    assert staging.status() == staging_active
    names = {c if isinstance(c, str) else c.name for c in main.client.list_collections()}
    assert {staging_active.collection, "icassist-staging-meta"} <= names


def test_tail_windows_are_stored_beside_their_collection_and_read_back_in_order(
    tmp_path: Path, embeddings: LocalEmbeddings
) -> None:
    store = Store(make_settings(tmp_path / "corpus", tmp_path / "store"), embeddings)
    chunk = Chunk(chunk_id="r.txt:0:a", doc_id="r.txt", title="R", char_start=0, char_end=4, text="text")
    short = chunk.model_copy(update={"chunk_id": "r.txt:5:b"})
    windows = ([1.0] + [0.0] * 383, [0.0, 1.0] + [0.0] * 382)
    first = store.write([StoredRecord(chunk, "h", [0.5] * 384, windows=windows), StoredRecord(short, "h", [0.5] * 384)])
    store.activate(first, documents=1, chunks=2)
    _, records = store.snapshot()
    assert {r.chunk.chunk_id: len(r.windows) for r in records} == {"r.txt:0:a": 2, "r.txt:5:b": 0}
    assert next(r for r in records if r.windows).windows == windows

    second = store.write([StoredRecord(chunk, "h", [0.5] * 384, windows=windows[:1])])
    store.activate(second, documents=1, chunks=1)
    names = {c if isinstance(c, str) else c.name for c in store.client.list_collections()}
    assert windows_name(first.name) not in names and windows_name(second.name) in names
    assert [len(r.windows) for r in store.snapshot()[1]] == [1]
