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
from icassist.text import addresses_a_model, split_sentences, strip_markers, tokens

_MIN_WORDS, _MAX_WORDS = 6, 90
_REFERENCE_LIKE = re.compile(r"(\(\d{4}[a-z]?\)|\d{4}[a-z]?\.)\s*[A-Z\"“].*(Journal|Press|Report|Review|pp\.)")
_CAPTION = re.compile(r"^(Table|Figure|Fig\.|Box|Chart|Exhibit|Case study|Annex|Appendix)\s*\d", re.IGNORECASE)
_ENDS_SENTENCE = re.compile(r"[.!;][\"'”’)\]]*$")
_CLEAN_LEAD = re.compile(r"^[•\-–*·▪]+\s*")


@dataclass
class Candidate:
    passage: int
    start: int
    text: str
    lexical: float
    passage_similarity: float
    semantic: float = 0.0

    @property
    def score(self) -> float:
        """Weights chosen on the evaluation set (evals/quality-log.md)."""
        return 0.4 * self.semantic + 0.4 * self.lexical + 0.2 * self.passage_similarity - 0.02 * self.passage


class ExtractiveAnswerer:
    name = "extractive"

    def __init__(self, embeddings: LocalEmbeddings, settings: AnswerSettings, idf: Mapping[str, float]) -> None:
        self.embeddings = embeddings
        self.settings = settings
        self.idf = idf

    def stream(self, question: str, query: str, passages: list[Passage]) -> Iterator[str]:
        for i, sentence in enumerate(self.sentences(question, query, passages)):
            yield (" " if i else "") + sentence

    def sentences(self, question: str, query: str, passages: list[Passage]) -> list[str]:
        """`query` adds a follow-up's subject to keyword scoring; meaning is judged on the question itself."""
        candidates = self._candidates(question, query, passages)
        if not candidates:
            return []
        self._add_semantic(question, candidates)
        chosen = self._select(candidates)
        chosen.sort(key=lambda c: (c.passage, c.start))
        return [self._cite(c) for c in chosen]

    def _candidates(self, question: str, query: str, passages: list[Passage]) -> list[Candidate]:
        weights = {t: 0.5 * self.idf.get(t, 1.0) for t in tokens(query)}
        weights.update({t: self.idf.get(t, 1.0) for t in tokens(question)})
        total = sum(weights.values()) or 1.0
        found = []
        for p, passage in enumerate(passages):
            text = passage.chunk.text
            for start, end in split_sentences(text):
                sentence = " ".join(_CLEAN_LEAD.sub("", strip_markers(text[start:end])).split())
                if not _is_prose(sentence):
                    continue
                lexical = sum(weights.get(t, 0.0) for t in set(tokens(sentence))) / total
                found.append(Candidate(p, start, sentence, lexical, passage.dense_similarity or 0.0))
        found.sort(key=lambda c: c.lexical - 0.02 * c.passage, reverse=True)
        return found[: self.settings.semantic_candidates]

    def _add_semantic(self, question: str, candidates: list[Candidate]) -> None:
        vectors = np.asarray(self.embeddings.embed_documents([question] + [c.text for c in candidates]))
        for candidate, similarity in zip(candidates, vectors[1:] @ vectors[0], strict=True):
            candidate.semantic = float(similarity)

    def _select(self, candidates: list[Candidate]) -> list[Candidate]:
        """The best-scoring sentences, skipping near-repeats of one already chosen."""
        chosen: list[Candidate] = []
        for candidate in sorted(candidates, key=lambda c: c.score, reverse=True):
            if len(chosen) >= self.settings.max_sentences:
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


def _is_prose(sentence: str) -> bool:
    """Whole sentences only: no headings, captions, reference-list entries or fragments cut mid-sentence."""
    n_words = len(sentence.split())
    if not _MIN_WORDS <= n_words <= _MAX_WORDS or _REFERENCE_LIKE.search(sentence) or _CAPTION.match(sentence):
        return False
    if addresses_a_model(sentence):
        return False
    if sentence[0].islower() or sentence.rstrip("\"'”’) ").endswith(("?", ":")):
        return False  # fragments, questions put to survey respondents, and list lead-ins answer nothing
    return bool(_ENDS_SENTENCE.search(sentence)) or n_words >= 15
