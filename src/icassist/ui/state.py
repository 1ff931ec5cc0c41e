"""The conversation of one browser session, kept in st.session_state so reruns and page switches keep it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import streamlit as st

from icassist.records import Answer, Filters, Turn

CONVERSATION = "conversation"
PENDING_QUESTION = "pending_question"


@dataclass
class Exchange:
    """One question and what came back: an Answer, or a short error message if answering failed."""

    question: str
    answer: Answer | None = None
    error: str | None = None
    filters: Filters = field(default_factory=Filters)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    rating: int | None = None
    comment: str = ""


def conversation() -> list[Exchange]:
    return st.session_state.setdefault(CONVERSATION, [])


def new_conversation() -> None:
    st.session_state[CONVERSATION] = []


def history(exchanges: list[Exchange]) -> list[Turn]:
    """Answered exchanges as chain turns; failed ones are left out since nothing was said."""
    turns: list[Turn] = []
    for exchange in exchanges:
        if exchange.answer is not None:
            turns.append(Turn(role="user", content=exchange.question))
            turns.append(Turn(role="assistant", content=exchange.answer.text))
    return turns


def ask_later(question: str) -> None:
    """Queue a question for the chat page, e.g. from the programme browser."""
    st.session_state[PENDING_QUESTION] = question


def pending_question() -> str | None:
    return st.session_state.pop(PENDING_QUESTION, None)
