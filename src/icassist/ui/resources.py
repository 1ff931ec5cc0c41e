"""Things loaded once per server process and shared by every browser session (models, store, gazetteer)."""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field

import streamlit as st

from icassist.chain import Assistant
from icassist.gazetteer import Programme, load_gazetteer
from icassist.records import Chunk
from icassist.settings import Settings
from icassist.store import Store, StoreMissing, StoreStatus


def settings() -> Settings:
    """Read from ICASSIST_* environment variables at first use, like the CLI."""
    return _settings()


@st.cache_resource(show_spinner=False)
def _settings() -> Settings:
    return Settings()


@st.cache_resource(show_spinner=False)
def store() -> Store:
    """A handle for reading the store's status on every rerun without loading the retriever."""
    return Store(settings())


@st.cache_resource(show_spinner=False, max_entries=2)
def assistant(answerer: str, collection: str) -> Assistant:
    """Loading the embedding model, the store and the keyword index takes seconds, so it is done once.

    Keyed by the active collection, so a re-ingest is picked up by the next question without a restart.
    A failure (e.g. StoreMissing) is not cached: the next rerun tries again.
    """
    chosen = settings().model_copy(deep=True)
    chosen.answer.answerer = "generative" if answerer == "generative" else "extractive"
    return Assistant(chosen)


def generative_name(config: Settings) -> str | None:
    """The configured chat model's description, or None when only the extractive answerer is available.

    Checked from settings alone, so the sidebar never loads a language model just to draw itself.
    """
    answer = config.answer
    if not (answer.gguf_path or answer.openai_base_url):
        return None
    try:
        from icassist.chat_models import describe
    except ImportError:
        return None
    return describe(answer)


@st.cache_resource(show_spinner=False)
def programmes() -> list[Programme]:
    config = settings()
    return load_gazetteer(config.corpus.dir / config.corpus.gazetteer)


def programme_labels() -> dict[str, str]:
    return {p.id: p.label for p in programmes()}


@dataclass
class ReportMentions:
    """Where one report discusses a programme: its sections, each with the pages it spans."""

    doc_id: str
    title: str
    year: int | None
    passages: int = 0
    sections: dict[str, set[str]] = field(default_factory=dict)


@dataclass
class ReportSummary:
    """One report as the corpus status lists it: what a reader checks before trusting its pages."""

    title: str
    year: int | None
    chunks: int = 0
    paged: int = 0


@dataclass(frozen=True)
class CorpusIndex:
    reports: dict[str, str]
    mentions: dict[str, list[ReportMentions]]
    summaries: dict[str, ReportSummary] = field(default_factory=dict)


@st.cache_resource(show_spinner=False, max_entries=2)
def corpus_index(_assistant: Assistant, collection: str) -> CorpusIndex:
    """Report titles and programme mentions from the chunks the retriever already holds in memory."""
    return build_index(_assistant.retriever.corpus.chunks)


def build_index(chunks: list[Chunk]) -> CorpusIndex:
    reports: dict[str, str] = {}
    summaries: dict[str, ReportSummary] = {}
    found: dict[str, dict[str, ReportMentions]] = defaultdict(dict)
    for chunk in chunks:
        reports.setdefault(chunk.doc_id, chunk.title)
        summary = summaries.setdefault(chunk.doc_id, ReportSummary(chunk.title, chunk.year))
        summary.chunks += 1
        summary.paged += chunk.page_start is not None
        for pid in chunk.programmes:
            report = found[pid].setdefault(chunk.doc_id, ReportMentions(chunk.doc_id, chunk.title, chunk.year))
            report.passages += 1
            pages = report.sections.setdefault(chunk.section or "(no section heading)", set())
            if chunk.page_label and chunk.page_source == "printed":  # a contents range is the section's, not its
                pages.add(chunk.page_label)
    return CorpusIndex(
        reports=dict(sorted(reports.items(), key=lambda item: item[1])),
        mentions={pid: sorted(by_doc.values(), key=lambda r: r.title) for pid, by_doc in found.items()},
        summaries=dict(sorted(summaries.items(), key=lambda item: item[1].title)),
    )


def load(answerer: str) -> tuple[Assistant, StoreStatus]:
    """The assistant for the store as it is now; StoreError says which command fixes a missing or stale store."""
    handle = store()
    handle.active()
    status = handle.status()
    if status is None:  # removed between the two reads
        raise StoreMissing(f"No ingested corpus at {handle.location}. Run `icassist ingest` first.")
    loaded = assistant(answerer, status.collection)
    _warm_up(loaded)
    return loaded, status


@st.cache_resource(show_spinner=False)
def _warm_up(_assistant: Assistant) -> threading.Thread:
    """Loading the embedding model takes 5-15 s; doing it in the background lets the page show first."""
    thread = threading.Thread(
        target=_assistant.store.embeddings.embed_query, args=("warm-up",), name="icassist-warm-up", daemon=True
    )
    thread.start()
    return thread


def wait_until_ready(loaded: Assistant) -> None:
    """Called before answering, so the first question never loads the model a second time in parallel."""
    thread = _warm_up(loaded)
    if thread.is_alive():
        with st.spinner("Loading the embedding model (first question only)…"):
            thread.join()
