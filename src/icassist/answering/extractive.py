"""The default answerer: the report's own sentences that best answer the question, each with its citation.

Nothing is paraphrased, so numbers, names and units are exactly the report's. Sentences are scored by
idf-weighted overlap with the question and by embedding similarity, then kept in reading order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from icassist.embeddings import LocalEmbeddings
from icassist.records import Passage
from icassist.settings import AnswerSettings
from icassist.text import split_sentences, tokens

_MIN_WORDS, _MAX_WORDS = 6, 90
_REFERENCE_LIKE = re.compile(r"(\(\d{4}[a-z]?\)|\d{4}[a-z]?\.)\s*[A-Z\"“].*(Journal|Press|Report|Review|pp\.)")
_CLEAN_LEAD = re.compile(r"^[•\-–*·▪]+\s*")
_SEMANTIC_CANDIDATES = 24


@dataclass
class Candidate:
    passage: int
    start: int
    text: str
    lexical: float
    semantic: float = 0.0

    @property
    def score(self) -> float:
        return 0.55 * self.semantic + 0.45 * self.lexical - 0.02 * self.passage


class ExtractiveAnswerer:
    name = "extractive"

    def __init__(self, embeddings: LocalEmbeddings, settings: AnswerSettings, idf: Mapping[str, float]) -> None:
        self.embeddings = embeddings
        self.settings = settings
        self.idf = idf

    def stream(self, question: str, passages: list[Passage]) -> Iterator[str]:
        for i, sentence in enumerate(self.sentences(question, passages)):
            yield (" " if i else "") + sentence

    def sentences(self, question: str, passages: list[Passage]) -> list[str]:
        candidates = self._candidates(question, passages)
        if not candidates:
            return []
        self._add_semantic(question, candidates)
        chosen = self._select(candidates)
        chosen.sort(key=lambda c: (c.passage, c.start))
        return [self._cite(c) for c in chosen]

    def _candidates(self, question: str, passages: list[Passage]) -> list[Candidate]:
        query = set(tokens(question))
        weight = sum(self.idf.get(t, 1.0) for t in query) or 1.0
        found = []
        for p, passage in enumerate(passages):
            text = passage.chunk.text
            for start, end in split_sentences(text):
                sentence = " ".join(_CLEAN_LEAD.sub("", text[start:end]).split())
                n_words = len(sentence.split())
                if not _MIN_WORDS <= n_words <= _MAX_WORDS or _REFERENCE_LIKE.search(sentence):
                    continue
                overlap = query & set(tokens(sentence))
                found.append(Candidate(p, start, sentence, sum(self.idf.get(t, 1.0) for t in overlap) / weight))
        found.sort(key=lambda c: c.lexical - 0.02 * c.passage, reverse=True)
        return found[:_SEMANTIC_CANDIDATES]

    def _add_semantic(self, question: str, candidates: list[Candidate]) -> None:
        vectors = np.asarray(self.embeddings.embed_documents([question] + [c.text for c in candidates]))
        for candidate, similarity in zip(candidates, vectors[1:] @ vectors[0], strict=True):
            candidate.semantic = float(similarity)

    def _select(self, candidates: list[Candidate]) -> list[Candidate]:
        ranked = sorted(candidates, key=lambda c: c.score, reverse=True)
        best = ranked[0].score
        chosen: list[Candidate] = []
        for candidate in ranked:
            if len(chosen) >= self.settings.max_sentences:
                break
            if len(chosen) >= 2 and candidate.score < 0.75 * best:
                break
            words = set(tokens(candidate.text))
            if any(len(words & set(tokens(c.text))) / (len(words | set(tokens(c.text))) or 1) > 0.6 for c in chosen):
                continue
            chosen.append(candidate)
        return chosen

    @staticmethod
    def _cite(candidate: Candidate) -> str:
        """Put the marker before the closing punctuation so the sentence and its source stay one unit."""
        text = candidate.text.rstrip()
        marker = f" [{candidate.passage + 1}]"
        if text and text[-1] in ".!?:;":
            return text[:-1] + marker + text[-1]
        return text + marker + "."
