"""The extractive answerer on real retrieved passages: the reports' own sentences, each cited, nothing changed."""

from __future__ import annotations

import re

import pytest

from icassist.answering.extractive import ExtractiveAnswerer
from icassist.chain import Assistant
from icassist.records import Passage
from icassist.text import numbers

QUESTIONS = [
    "What happened to hospital bed use in Torbay?",
    "What did PACE achieve for hospital use and nursing home admissions?",
    "What are integrated resource mechanisms?",
]
MARKER = re.compile(r" \[(\d+)\](?=[.!?:;]$)")


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def answerer(qa_assistant: Assistant) -> ExtractiveAnswerer:
    assert isinstance(qa_assistant.answerer, ExtractiveAnswerer)
    return qa_assistant.answerer


@pytest.mark.parametrize("question", QUESTIONS)
def test_sentences_are_verbatim_cited_and_distinct(
    qa_assistant: Assistant, answerer: ExtractiveAnswerer, question: str
) -> None:
    passages: list[Passage] = qa_assistant.retriever.retrieve(question, 5)
    sentences = answerer.sentences(question, question, passages)
    assert 2 <= len(sentences) <= 6
    assert len(set(sentences)) == len(sentences)
    for sentence in sentences:
        marker = MARKER.search(sentence)
        assert marker, f"no [n] before the final punctuation: {sentence!r}"
        n = int(marker.group(1))
        assert 1 <= n <= len(passages)
        source = _flat(passages[n - 1].chunk.text)
        quoted = MARKER.sub("", sentence)
        assert quoted in source or quoted.rstrip(".") in source, f"not verbatim from passage {n}: {quoted!r}"
        assert set(numbers(quoted)) <= set(numbers(source))
    assert answerer.sentences(question, question, passages) == sentences, "the same passages give the same answer"


def test_ask_is_deterministic_and_every_citation_resolves(qa_assistant: Assistant) -> None:
    first, second = (qa_assistant.ask(QUESTIONS[0]) for _ in range(2))
    assert first.text == second.text and not first.refused
    assert 2 <= len(first.sentences) <= 6
    by_n = {c.n: c for c in first.citations}
    for sentence in first.sentences:
        assert sentence.citations and all(n in by_n for n in sentence.citations)
        assert sentence.supported and not sentence.unsupported_numbers
        body = re.sub(r" \[\d+\]", "", sentence.text).rstrip(".;:")
        assert body in _flat(by_n[sentence.citations[0]].text)
