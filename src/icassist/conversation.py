"""Conversation memory for retrieval: a follow-up like "and what did it cost?" is searched with its subject.

Without a language model the retrieval query is the question plus the subject of the earlier user turns;
with one configured, the model condenses the conversation into a standalone question.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from icassist import prompts
from icassist.records import Turn

if TYPE_CHECKING:  # langchain's model classes cost ~0.4 s to import; only a configured model needs them
    from langchain_core.language_models import BaseChatModel
from icassist.text import MARKER, STOPWORDS

_NAME = re.compile(r"\b[A-Z][A-Za-z'’\-]{2,}")


def recent_user_turns(history: list[Turn], turns: int) -> list[str]:
    return [t.content for t in history if t.role == "user"][-turns:]


def names_in_last_answer(history: list[Turn], limit: int = 6) -> list[str]:
    """Capitalised names from the last assistant turn: the user's "it" often points at what the answer named."""
    answers = [t.content for t in history if t.role == "assistant"]
    if not answers:
        return []
    found = _NAME.findall(MARKER.sub("", answers[-1]))
    return [w for w in dict.fromkeys(found) if w.lower() not in STOPWORDS and w not in ("Yes", "No")][:limit]


def heuristic_query(question: str, history: list[Turn], turns: int) -> str:
    """Earlier user turns and names from the last answer carry the subject; the question itself comes last."""
    earlier = recent_user_turns(history, turns) + names_in_last_answer(history)
    return " ".join([*earlier, question]) if earlier else question


def condensed_query(question: str, history: list[Turn], model: BaseChatModel, turns: int) -> str:
    """The model's standalone rewrite, from the last `turns` exchanges; the heuristic query if it gives nothing."""
    from langchain_core.messages import HumanMessage, SystemMessage

    if not history:
        return question
    transcript = "\n".join(f"{t.role}: {t.content}" for t in history[-2 * turns :])
    reply = model.invoke(
        [
            SystemMessage(prompts.CONDENSE_SYSTEM),
            HumanMessage(prompts.CONDENSE_USER.format(history=transcript, question=question)),
        ]
    )
    text = str(reply.content).strip().splitlines()
    return text[0].strip() if text and text[0].strip() else heuristic_query(question, history, turns)
