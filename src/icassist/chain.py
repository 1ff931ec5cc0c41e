"""The path behind every interface: conversation → query → hybrid retrieval → refusal check → answer → validation.

Plain calls, in the order the data flows; `Assistant` is the Python API the CLI, the Streamlit app and the
evaluation share. Each question is answered from one store version: the retriever it starts with. When
another process flips the store, the next question loads the new version; questions in flight finish on theirs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

from icassist import prompts
from icassist.answering.extractive import ExtractiveAnswerer
from icassist.answering.refusal import accepts, assess, refusal_text
from icassist.answering.validation import check
from icassist.conversation import condensed_query, heuristic_query
from icassist.gazetteer import ProgrammeTagger, load_gazetteer
from icassist.manifest import load_manifest
from icassist.question_parts import analyse
from icassist.records import Answer, Filters, Passage, Turn
from icassist.report_names import ReportNames
from icassist.retrieval import HybridRetriever
from icassist.settings import Settings, get_settings
from icassist.store import Store

if TYPE_CHECKING:  # langchain's model classes cost ~0.4 s to import; the extractive default never needs them
    from langchain_core.language_models import BaseChatModel


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
        # the query embedder loads in native code while the keyword index is built here (~0.4 s off a cold start)
        warming = threading.Thread(target=self.store.embeddings.prepare_queries, name="icassist-embedder", daemon=True)
        warming.start()
        self.retriever = HybridRetriever.open(self.store, self.settings.retrieval)
        self.report_names = self._report_names()
        warming.join()
        self._reloading = threading.Lock()
        self.chat_model = chat_model or self._configured_chat_model()
        corpus = self.settings.corpus
        tagger = ProgrammeTagger(load_gazetteer(corpus.dir / corpus.gazetteer))
        self.extractive = ExtractiveAnswerer(self.store.embeddings, self.settings.answer, self.retriever.idf, tagger)
        self.answerer = self._answerer()

    def _configured_chat_model(self) -> BaseChatModel | None:
        if self.settings.answer.answerer != "generative":
            return None
        from icassist.chat_models import chat_model_from_settings

        return chat_model_from_settings(self.settings.answer)

    def _answerer(self) -> Answerer:
        """The extractive answerer, or a chat model writing from the sentences it chooses."""
        if self.settings.answer.answerer == "generative" and self.chat_model is not None:
            from icassist.answering.generative import GenerativeAnswerer
            from icassist.chat_models import LocalChatModel, describe

            model = self.chat_model  # a model handed in is not in the settings: name it from the model itself
            name = f"{model.model_name} (local GGUF)" if isinstance(model, LocalChatModel) else None
            return GenerativeAnswerer(model, name or describe(self.settings.answer), self.extractive)
        return self.extractive

    def current_retriever(self) -> HybridRetriever:
        """The retriever for the store version now active, loaded once per flip however many threads ask."""
        status = self.store.status()
        if status is not None and status.collection != self.retriever.corpus.version:
            with self._reloading:
                if status.collection != self.retriever.corpus.version:
                    retriever = HybridRetriever.open(self.store, self.settings.retrieval)
                    self.extractive.idf = retriever.idf
                    self.report_names = self._report_names()  # a re-ingest may follow a manifest edit
                    self.retriever = retriever
        return self.retriever

    def _report_names(self) -> ReportNames:
        corpus = self.settings.corpus
        return ReportNames.of(load_manifest(corpus.dir, corpus.manifest).values())

    def query(self, question: str, history: list[Turn]) -> str:
        if history and self.chat_model is not None:
            return condensed_query(question, history, self.chat_model, self.settings.retrieval.history_turns)
        return heuristic_query(question, history, self.settings.retrieval.history_turns)

    def _discussed(self, question: str, passages: list[Passage]) -> tuple[str, ...]:
        """Programmes the question names that the retrieved passages discuss, by name."""
        tagger = self.extractive.tagger
        if tagger is None:
            return ()
        found = {pid for p in passages for pid in p.chunk.programmes}
        return tuple(tagger.programmes[pid].name for pid in tagger.tag(question) if pid in found)

    def _write(
        self, retriever: HybridRetriever, question: str, passages: list[Passage], query: str, notices: list[str]
    ) -> Iterator[str | Answer]:
        started = time.perf_counter()
        answer = self.settings.answer
        verdict = assess(
            question, passages, retriever.lexicon, answer.refusal_threshold, self._discussed(question, passages)
        )
        base = {"question": question, "retrieved": passages, "answerer": self.answerer.name, "retrieval_query": query}
        drafted = verdict.answerable
        if verdict.answerable:
            pieces: list[str] = []
            for piece in self.answerer.stream(question, query, passages):
                pieces.append(piece)
                yield piece
            checked = check("".join(pieces), passages)
            if accepts(checked.text, len(checked.citations)):
                yield Answer(
                    text=checked.text,
                    sentences=checked.sentences,
                    citations=checked.citations,
                    notices=notices + ([verdict.reason] if verdict.reason else []) + checked.notices,
                    timings={"answer_s": time.perf_counter() - started},
                    **base,
                )
                return
        refusal = refusal_text(verdict)
        yield ("\n\n" if drafted else "") + refusal  # after a rejected draft, start a new paragraph
        yield Answer(
            text=refusal, refused=True, notices=notices, timings={"answer_s": time.perf_counter() - started}, **base
        )

    def stream(
        self, question: str, history: list[Turn] | None = None, filters: Filters | None = None
    ) -> Iterator[str | Answer]:
        """Text pieces as they are written, then the validated Answer as the last item."""
        started = time.perf_counter()
        question, notices = prepare_question(question, self.settings.answer.max_question_chars)
        retriever = self.current_retriever()
        query = self.query(question, history or [])
        named = self.report_names.named(query)
        passages = retriever.retrieve(query, self.settings.retrieval.k, filters, named, analyse(question).parts)
        retrieved_s = time.perf_counter() - started
        for item in self._write(retriever, question, passages, query, notices):
            if isinstance(item, Answer):
                item.timings["retrieve_s"] = retrieved_s
                item.timings["total_s"] = time.perf_counter() - started
            yield item

    def ask(self, question: str, history: list[Turn] | None = None, filters: Filters | None = None) -> Answer:
        final = [item for item in self.stream(question, history, filters) if isinstance(item, Answer)]
        return final[-1]

    def answer_with(self, question: str, passages: list[Passage]) -> Answer:
        """Answer over passages retrieved elsewhere (the evaluation's baseline), with the same refusal and checks."""
        retriever = self.current_retriever()
        final = [i for i in self._write(retriever, question, passages, question, []) if isinstance(i, Answer)]
        return final[-1]
