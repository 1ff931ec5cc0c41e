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


def format_evidence(chosen: list[Candidate], passages: list[Passage]) -> str:
    """One block per passage, numbered as retrieved so the model's [n] is the passage validation checks against."""
    by_passage: dict[int, list[str]] = {}
    for candidate in sorted(chosen, key=lambda c: c.key):
        by_passage.setdefault(candidate.passage, []).append(candidate.text)
    blocks = []
    for p, sentences in sorted(by_passage.items()):
        chunk = passages[p].chunk
        lines = "\n".join(f"- {s}" for s in sentences)
        blocks.append(f"[{p + 1}] {chunk.title}, {chunk.section or 'untitled section'}\n{lines}")
    return "\n\n".join(blocks)


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
            HumanMessage(prompts.ANSWER_USER.format(sources=format_evidence(chosen, passages), question=query)),
        ]
        for chunk in self.model.stream(messages):
            if chunk.content:
                yield str(chunk.content)
