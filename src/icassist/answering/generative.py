"""Opt-in answerer: any LangChain chat model, prompted to cite [n] after every claim and to refuse in a fixed phrase.

Its output is never trusted as is: validation removes impossible markers and flags unsupported sentences.
"""

from __future__ import annotations

from collections.abc import Iterator

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from icassist import prompts
from icassist.records import Passage
from icassist.text import strip_markers


def format_sources(passages: list[Passage]) -> str:
    """The report's own [n] markers are removed so the model cannot copy one that looks like a source number."""
    return "\n\n".join(
        f"[{i}] {p.chunk.title}, {p.chunk.section or 'untitled section'}\n{strip_markers(p.chunk.text)}"
        for i, p in enumerate(passages, 1)
    )


class GenerativeAnswerer:
    def __init__(self, model: BaseChatModel, name: str) -> None:
        self.model = model
        self.name = name

    def stream(self, question: str, query: str, passages: list[Passage]) -> Iterator[str]:
        """With a chat model configured, `query` is the model's standalone rewrite of a follow-up: answer that."""
        messages = [
            SystemMessage(prompts.ANSWER_SYSTEM.format(refusal=prompts.REFUSAL)),
            HumanMessage(prompts.ANSWER_USER.format(sources=format_sources(passages), question=query)),
        ]
        for chunk in self.model.stream(messages):
            if chunk.content:
                yield str(chunk.content)
