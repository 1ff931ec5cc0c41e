"""Opt-in answerer: any LangChain chat model, prompted to cite [n] after every claim and to refuse in a fixed phrase.

It writes from the sentences the extractive answerer chose (a few hundred words, not five whole passages), so a
small local model reads a short prompt and every claim it can make is one a report sentence already supports.
Its output is never trusted as is: validation removes impossible markers and flags unsupported sentences.
"""

from __future__ import annotations

from collections.abc import Iterator

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from icassist import prompts
from icassist.answering.extractive import Candidate, ExtractiveAnswerer
from icassist.records import Passage


def format_evidence(chosen: list[Candidate]) -> str:
    """One line per sentence in reading order, numbered as its passage was retrieved, so the model's [n] is the
    passage validation checks against (a 1.5B model cited more sentences from this than from per-passage blocks)."""
    return "\n".join(f"[{c.passage + 1}] {c.text}" for c in sorted(chosen, key=lambda c: c.key))


class GenerativeAnswerer:
    def __init__(self, model: BaseChatModel, name: str, evidence: ExtractiveAnswerer) -> None:
        self.model = model
        self.name = name
        self.evidence = evidence

    def stream(self, question: str, query: str, passages: list[Passage]) -> Iterator[str]:
        """With a chat model configured, `query` is the model's standalone rewrite of a follow-up: answer that.

        No evidence sentence chosen means no model call: an empty draft, which the chain refuses."""
        chosen = self.evidence.evidence(question, query, passages)
        if not chosen:
            return
        messages = [
            SystemMessage(prompts.ANSWER_SYSTEM.format(refusal=prompts.REFUSAL)),
            HumanMessage(prompts.ANSWER_USER.format(sources=format_evidence(chosen), question=query)),
        ]
        for chunk in self.model.stream(messages):
            if chunk.content:
                yield str(chunk.content)
