"""The retrieval chain behind every interface: conversation → query → hybrid retrieval → gate → answer → validation.

Built from LangChain runnables so the steps compose and stream; `Assistant` is the Python API the CLI,
the Streamlit app and the evaluation share.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any, Protocol

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import Runnable, RunnableGenerator, RunnableLambda, RunnablePassthrough

from icassist import prompts
from icassist.answering.extractive import ExtractiveAnswerer
from icassist.answering.gate import assess
from icassist.answering.generative import GenerativeAnswerer, is_refusal
from icassist.answering.validation import check
from icassist.conversation import condensed_query, heuristic_query
from icassist.records import Answer, Filters, Passage, Turn
from icassist.retrieval import HybridRetriever
from icassist.settings import Settings, get_settings
from icassist.store import Store


class EmptyQuestion(ValueError):
    def __init__(self) -> None:
        super().__init__(prompts.EMPTY_QUESTION)


class Answerer(Protocol):
    name: str

    def stream(self, question: str, query: str, passages: list[Passage]) -> Iterator[str]: ...


def prepare_question(question: str, limit: int) -> tuple[str, list[str]]:
    """Empty questions are refused with a hint; very long ones are cut, with a notice, and still answered."""
    question = question.strip()
    if not question:
        raise EmptyQuestion()
    if len(question) > limit:
        return question[:limit], [prompts.TRUNCATED.format(length=len(question), limit=limit)]
    return question, []


class Assistant:
    def __init__(self, settings: Settings | None = None, *, chat_model: BaseChatModel | None = None) -> None:
        self.settings = settings or get_settings()
        self.store = Store(self.settings)
        self.store.active()  # a missing or stale store fails here, with the command that fixes it
        self.retriever = HybridRetriever(self.store, self.settings.retrieval)
        self.chat_model = chat_model or self._configured_chat_model()
        self.answerer = self._answerer()
        self.retrieval_chain: Runnable[dict[str, Any], dict[str, Any]] = RunnablePassthrough.assign(
            query=RunnableLambda(self._query)
        ) | RunnablePassthrough.assign(passages=RunnableLambda(self._retrieve))
        self.chain: Runnable[dict[str, Any], str | Answer] = self.retrieval_chain | RunnableGenerator(self._answer)

    def _configured_chat_model(self) -> BaseChatModel | None:
        if self.settings.answer.answerer != "generative":
            return None
        from icassist.chat_models import chat_model_from_settings

        return chat_model_from_settings(self.settings.answer)

    def _answerer(self) -> Answerer:
        if self.settings.answer.answerer == "generative" and self.chat_model is not None:
            from icassist.chat_models import ChatXLlama, describe

            model = self.chat_model  # a model handed in is not in the settings: name it from the model itself
            name = f"{model.name_for_display} (local GGUF)" if isinstance(model, ChatXLlama) else None
            return GenerativeAnswerer(model, name or describe(self.settings.answer))
        return ExtractiveAnswerer(self.store.embeddings, self.settings.answer, self.retriever.idf)

    def _query(self, inputs: dict[str, Any]) -> str:
        history: list[Turn] = inputs["history"]
        if history and self.chat_model is not None:
            return condensed_query(inputs["question"], history, self.chat_model)
        return heuristic_query(inputs["question"], history, self.settings.retrieval.history_turns)

    def _retrieve(self, inputs: dict[str, Any]) -> list[Passage]:
        return self.retriever.retrieve(inputs["query"], self.settings.retrieval.k, inputs["filters"])

    def _answer(self, stream: Iterator[dict[str, Any]]) -> Iterator[str | Answer]:
        """Streaming hands the assigned keys over in pieces; answer once they have all arrived."""
        inputs: dict[str, Any] = {}
        for part in stream:
            inputs.update(part)
        yield from self._write(inputs["question"], inputs["passages"], inputs["query"], inputs["notices"])

    def _write(self, question: str, passages: list[Passage], query: str, notices: list[str]) -> Iterator[str | Answer]:
        started = time.perf_counter()
        verdict = assess(question, passages, self.retriever.lexicon, self.settings.retrieval.refusal_threshold)
        base = {"question": question, "retrieved": passages, "answerer": self.answerer.name, "retrieval_query": query}
        if verdict.answerable:
            pieces: list[str] = []
            for piece in self.answerer.stream(question, query, passages):
                pieces.append(piece)
                yield piece
            checked = check("".join(pieces), passages)
            if checked.citations and not is_refusal(checked.text):
                yield Answer(
                    text=checked.text,
                    sentences=checked.sentences,
                    citations=checked.citations,
                    notices=notices + checked.notices,
                    timings={"answer_s": time.perf_counter() - started},
                    **base,
                )
                return
        refusal = " ".join(filter(None, [prompts.REFUSAL, verdict.reason, prompts.REFUSAL_DETAIL]))
        yield ("\n\n" if verdict.answerable else "") + refusal  # after a rejected draft, start a new paragraph
        yield Answer(
            text=refusal, refused=True, notices=notices, timings={"answer_s": time.perf_counter() - started}, **base
        )

    def stream(
        self, question: str, history: list[Turn] | None = None, filters: Filters | None = None
    ) -> Iterator[str | Answer]:
        """Text pieces as they are written, then the validated Answer as the last item."""
        started = time.perf_counter()
        question, notices = prepare_question(question, self.settings.answer.max_question_chars)
        inputs = {"question": question, "history": history or [], "filters": filters, "notices": notices}
        for item in self.chain.stream(inputs):
            if isinstance(item, Answer):
                item.timings["total_s"] = time.perf_counter() - started
            yield item

    def ask(self, question: str, history: list[Turn] | None = None, filters: Filters | None = None) -> Answer:
        final = [item for item in self.stream(question, history, filters) if isinstance(item, Answer)]
        return final[-1]

    def answer_with(self, question: str, passages: list[Passage]) -> Answer:
        """Answer over passages retrieved elsewhere (the evaluation's baseline), with the same gate and checks."""
        final = [item for item in self._write(question, passages, question, []) if isinstance(item, Answer)]
        return final[-1]
