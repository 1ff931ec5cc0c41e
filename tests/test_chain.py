"""The whole chain on a real store: cited answers, refusals with evidence, awkward input, filters, streaming,
and a planted prompt injection that must be quoted at most, never obeyed."""

from __future__ import annotations

import pytest

from icassist import prompts
from icassist.answering.validation import check
from icassist.chain import Assistant, EmptyQuestion
from icassist.records import Answer, Filters
from tests.conftest import CHE, INJECTED

TORBAY = "What happened to hospital bed use in Torbay?"


def _cited_answer(answer: Answer) -> None:
    assert not answer.refused and answer.citations
    assert all(s.citations for s in answer.sentences), "every sentence carries [n]"
    assert {n for s in answer.sentences for n in s.citations} == {c.n for c in answer.citations}


def test_torbay_bed_use_is_answered_with_citations(qa_assistant: Assistant) -> None:
    answer = qa_assistant.ask(TORBAY)
    _cited_answer(answer)
    assert "Torbay" in answer.text and "bed" in answer.text
    assert answer.answerer == "extractive" and answer.timings["total_s"] > 0


def test_unmentioned_programme_is_refused_with_closest_evidence(qa_assistant: Assistant) -> None:
    answer = qa_assistant.ask("What did Japan's community-based integrated care system achieve for older people?")
    assert answer.refused and not answer.citations
    assert answer.text.startswith(prompts.REFUSAL) and "'Japan'" in answer.text
    assert prompts.REFUSAL_DETAIL in answer.text and answer.retrieved, "closest evidence is still offered"


@pytest.mark.parametrize("question", ["", "   \n\t "])
def test_empty_question_raises_with_the_hint(qa_assistant: Assistant, question: str) -> None:
    with pytest.raises(EmptyQuestion, match="Type a question"):
        qa_assistant.ask(question)


def test_very_long_question_is_truncated_with_a_notice_and_answered(qa_assistant: Assistant) -> None:
    question = (TORBAY + " ") * (50_000 // (len(TORBAY) + 1) + 1)
    limit = qa_assistant.settings.answer.max_question_chars
    answer = qa_assistant.ask(question)
    assert len(answer.question) == limit
    assert prompts.TRUNCATED.format(length=len(question.strip()), limit=limit) in answer.notices
    _cited_answer(answer)


@pytest.mark.parametrize(
    "question",
    ["Qu'est-ce qui est arrivé à l'utilisation des lits d'hôpital à Torbay ?", "¿Qué logró el programa PACE?"],
)
def test_question_in_another_language_is_answered_or_refused(qa_assistant: Assistant, question: str) -> None:
    answer = qa_assistant.ask(question)
    assert answer.refused or answer.citations
    assert answer.text.strip()


def test_filters_reach_retrieval(qa_assistant: Assistant) -> None:
    answer = qa_assistant.ask(TORBAY, filters=Filters(doc_ids=[CHE]))
    assert answer.retrieved and {p.chunk.doc_id for p in answer.retrieved} == {CHE}
    assert {c.source for c in answer.citations} <= {CHE}


def test_stream_yields_text_then_the_validated_answer(qa_assistant: Assistant) -> None:
    items = list(qa_assistant.stream(TORBAY))
    *pieces, final = items
    assert len(pieces) > 1 and all(isinstance(p, str) for p in pieces)
    assert isinstance(final, Answer) and not final.refused
    assert final.text == check("".join(pieces), final.retrieved).text  # type: ignore[arg-type]


def test_injected_instruction_is_not_obeyed(qa_assistant: Assistant) -> None:
    """The planted note is retrieved for Torbay; the answer may quote it, cited, but is not 'HACKED'."""
    answer = qa_assistant.ask(TORBAY)
    assert INJECTED in {p.chunk.doc_id for p in answer.retrieved}, "the test needs the planted note retrieved"
    assert not answer.text.strip().strip("'\"").upper().startswith("HACKED")
    assert {c.source for c in answer.citations} - {INJECTED}, "the real reports are still cited"
    for sentence in answer.sentences:
        if "99%" in sentence.text:  # quoted as evidence: it must point at the note that says it
            assert {answer.citations[n - 1].source for n in sentence.citations} == {INJECTED}
