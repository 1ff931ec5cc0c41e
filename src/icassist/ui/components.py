"""Streamlit pieces shared by the pages: navigation, answers with their source cards, feedback."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import streamlit as st

from icassist.chain import Assistant
from icassist.records import Answer, Chunk
from icassist.references import reference
from icassist.store import StoreError, StoreStatus
from icassist.ui import resources
from icassist.ui.context import encode_spans
from icassist.ui.feedback import save_feedback
from icassist.ui.render import answer_markdown, badges, escape_markdown, highlighted, shortened
from icassist.ui.state import Exchange

log = logging.getLogger(__name__)
QUESTION_ECHO_CHARS = 600  # a question pasted from a document is echoed this far, not pages long


def navigation() -> None:
    """Explicit links instead of Streamlit's automatic list, which would call the chat page 'app'."""
    with st.sidebar:
        st.page_link("app.py", label="Ask the reports", icon="💬")
        st.page_link("pages/programmes.py", label="Programmes", icon="🔎")
        st.page_link("pages/add_report.py", label="Add a report", icon="➕")


def load_reports() -> tuple[Assistant, StoreStatus]:
    """The extractive assistant for a page that reads the reports; the page stops with the fix if the store is
    missing or stale."""
    try:
        with st.spinner("Loading the reports…"):
            return resources.load("extractive")
    except StoreError as error:
        st.error(str(error), icon="🗄️")
        st.stop()
        raise AssertionError("st.stop() returned") from error


def source_card(heading: str, chunk: Chunk, labels: dict[str, str], spans: Sequence[tuple[int, int]] = ()) -> None:
    """Collapsed by default so the answer stays short; the passage is escaped, every sentence it supports marked."""
    with st.expander(escape_markdown(f"{heading} {chunk.title} ({chunk.year or 'n.d.'})"), expanded=False):
        st.code(reference(chunk), language=None, wrap_lines=True)  # shown literally, with a copy button
        if chunk.programmes:
            st.markdown(badges(chunk.programmes, labels))
        st.markdown(highlighted(chunk.text, spans))
        st.page_link(
            "pages/passage.py",
            label="Read in context",
            icon="📖",
            query_params={"chunk": chunk.chunk_id, "spans": encode_spans(spans)},
        )


def question_bubble(question: str) -> None:
    with st.chat_message("user"):
        shown, note = shortened(question, QUESTION_ECHO_CHARS)
        st.markdown(escape_markdown(shown).strip())
        if note:
            st.caption(note)


def answer_details(answer: Answer, labels: dict[str, str], closest: int, searched: str | None = None) -> None:
    """What was searched (when filtered), notices, then the numbered sources or, for a refusal, the closest ones."""
    if searched:
        st.caption(escape_markdown(searched))
    for notice in answer.notices:
        st.info(escape_markdown(notice), icon="ℹ️")
    if answer.refused:
        if answer.retrieved:
            st.markdown("##### Closest evidence")
            st.caption("The passages nearest your question. They are evidence to check, not an answer.")
            for rank, passage in enumerate(answer.retrieved[:closest], 1):
                source_card(f"{rank}.", passage.chunk, labels)
    else:
        st.markdown("##### Sources")
        for c in answer.citations:
            source_card(f"[{c.n}]", c.chunk, labels, c.spans or [(c.quote_start, c.quote_end)])
    seconds = answer.timings.get("total_s")
    st.caption(escape_markdown(f"{answer.answerer}" + (f" · {seconds:.1f} s" if seconds is not None else "")))


def _save(exchange: Exchange, path: Path) -> None:
    """Widget callback: one row per answer, updated whenever the rating or the comment changes."""
    if exchange.answer is None:
        return
    exchange.rating = st.session_state.get(f"feedback-{exchange.id}")
    exchange.comment = st.session_state.get(f"comment-{exchange.id}", "")
    try:
        save_feedback(
            path,
            exchange.id,
            exchange.answer,
            rating=exchange.rating,
            comment=exchange.comment,
            filters=exchange.filters,
        )
    except (sqlite3.Error, OSError):
        log.exception("saving feedback to %s failed", path)
        st.toast("Your feedback could not be saved. Please try again later.", icon="❗")
        return
    st.toast("Thank you, your feedback was saved.", icon="✅")


def feedback(exchange: Exchange, path: Path) -> None:
    """Thumbs and an optional comment; restored from the exchange after a page switch drops widget state."""
    rating_key, comment_key = f"feedback-{exchange.id}", f"comment-{exchange.id}"
    if rating_key not in st.session_state and exchange.rating is not None:
        st.session_state[rating_key] = exchange.rating
    if comment_key not in st.session_state:
        st.session_state[comment_key] = exchange.comment
    rating, comment = st.columns([1, 5], vertical_alignment="center")
    with rating:
        st.feedback("thumbs", key=rating_key, on_change=_save, args=(exchange, path))
    with comment:
        st.text_input(
            "Comment on this answer (optional)",
            key=comment_key,
            on_change=_save,
            args=(exchange, path),
            placeholder="Comment on this answer (optional), then press Enter",
            label_visibility="collapsed",
        )


def exchange_view(
    exchange: Exchange, labels: dict[str, str], feedback_path: Path, closest: int, searched: str | None
) -> None:
    """An earlier exchange as it was first shown."""
    question_bubble(exchange.question)
    with st.chat_message("assistant"):
        if exchange.answer is None:
            st.error(exchange.error or "No answer.")
            return
        st.markdown(answer_markdown(exchange.answer))
        answer_details(exchange.answer, labels, closest, searched)
        feedback(exchange, feedback_path)
