"""Hybrid retrieval: dense and BM25 keyword search over one in-memory store version, fused by rank, diversified.

Dense candidates are exact cosine scores over every chunk held in memory (the same vectors Chroma stores):
at this corpus's size that costs well under a millisecond, needs no round trip to a Chroma server, and a
question is always answered from the one store version the retriever loaded, whatever another ingest does.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np

from icassist import records, startup_cache, text
from icassist.embeddings import LocalEmbeddings
from icassist.records import Chunk, Filters, Passage
from icassist.settings import RetrievalSettings
from icassist.startup_cache import Cached
from icassist.store import Store
from icassist.text import fold, tokens

_BUILDERS = (*(Path(str(m.__file__)) for m in (text, records)), Path(__file__))  # the code a cache depends on
_GLOSSARY_LINE = re.compile(r"^([A-Z][A-Za-z0-9&/+\-]{1,9})\s+([A-Z][^\n]{8,120})$", re.MULTILINE)


@dataclass(frozen=True)
class Lexicon:
    """What the reports contain: stemmed words, and the folded full text for multi-word names."""

    vocabulary: frozenset[str]
    text: str

    @classmethod
    def of(cls, texts: Iterable[str], token_lists: Iterable[list[str]] | None = None) -> Lexicon:
        """`token_lists`: the texts' tokens when the caller already has them (tokenising is most of start-up)."""
        texts = list(texts)
        token_lists = token_lists if token_lists is not None else (tokens(text) for text in texts)
        return cls(frozenset(t for listed in token_lists for t in listed), " ".join(fold(text) for text in texts))


@dataclass
class Corpus:
    """One store version held in memory: every chunk with its vector, for exact dense and keyword search."""

    version: str
    chunks: list[Chunk]
    vectors: np.ndarray
    index: dict[str, int]
    windows: np.ndarray  # tail-window vectors of long chunks, one row each
    owners: np.ndarray  # the chunk (row of `vectors`) each window belongs to

    @classmethod
    def load(cls, store: Store) -> Corpus:
        status, records = store.snapshot()
        chunks = [r.chunk for r in records]
        width = len(records[0].embedding) if records else 0
        vectors = np.asarray([r.embedding for r in records], dtype=np.float32).reshape(len(records), width)
        windows = np.asarray([w for r in records for w in r.windows], dtype=np.float32).reshape(-1, width)
        owners = np.asarray([i for i, r in enumerate(records) for _ in r.windows], dtype=np.int64)
        return cls.of(status.collection, chunks, vectors, windows, owners)

    @classmethod
    def of(
        cls, version: str, chunks: list[Chunk], vectors: np.ndarray, windows: np.ndarray, owners: np.ndarray
    ) -> Corpus:
        return cls(version, chunks, vectors, {c.chunk_id: i for i, c in enumerate(chunks)}, windows, owners)

    def similarities(self, query_vector: np.ndarray) -> np.ndarray:
        """Cosine similarity of every chunk to the query, reading past the embedder's ~200-word horizon.

        A chunk scores its head's similarity, or the mean of head and a later window if that is higher: a
        passage whose answer sits in its tail still rises, but a tail alone never outranks a matching head
        (max over windows alone was measured: MRR up, recall@5 down).
        """
        similarities = self.vectors @ query_vector
        if len(self.owners):
            np.maximum.at(similarities, self.owners, (self.windows @ query_vector + similarities[self.owners]) / 2)
        return similarities


def _keyword_index(token_lists: list[list[str]], method: str) -> bm25s.BM25:
    """bm25s scores each (term, chunk) pair once at build time, so a query costs one sparse column sum per term
    (rank-bm25 walked every chunk's term dictionary for every query term: 84 ms a query at 64x this corpus)."""
    index = bm25s.BM25(method=method)
    index.index(token_lists, show_progress=False)
    return index


def okapi_idf(token_lists: list[list[str]]) -> dict[str, float]:
    """Okapi idf of every term, a term in more than half the chunks floored at a quarter of the mean idf (as
    rank-bm25 had it): the extractive answerer's word weights."""
    frequency = Counter(t for listed in token_lists for t in set(listed))
    n = len(token_lists)
    idf = {t: math.log(n - f + 0.5) - math.log(f + 0.5) for t, f in frequency.items()}
    floor = 0.25 * sum(idf.values()) / len(idf) if idf else 0.0
    return {t: v if v >= 0 else floor for t, v in idf.items()}


def glossary(chunks: list[Chunk]) -> dict[str, str]:
    """Acronym expansions from the reports' own glossaries, so 'IRM' also finds 'integrated resource mechanism'."""
    found: dict[str, str] = {}
    for chunk in chunks:
        if not any(part.lower().startswith(("glossary", "abbreviation", "acronym")) for part in chunk.section_path):
            continue
        for acronym, expansion in _GLOSSARY_LINE.findall(chunk.text):
            if acronym.isupper() or sum(ch.isupper() for ch in acronym) >= 2:
                found.setdefault(acronym, re.sub(r"\s*\[[^\]]*\]", "", expansion).split(";")[0].strip())
    return found


class HybridRetriever:
    def __init__(
        self, corpus: Corpus, embeddings: LocalEmbeddings, settings: RetrievalSettings, cached: Cached | None = None
    ) -> None:
        """`corpus` is usually `Corpus.load(store)` (see `open`); the growth benchmark builds a synthetic one.
        `cached`: the keyword index and lexicon of this corpus as a start-up cache kept them."""
        self.embeddings = embeddings
        self.settings = settings
        self.corpus = corpus
        if cached is not None:
            self.bm25, self.idf, self.glossary = cached.bm25, cached.idf, cached.glossary
            self.lexicon = Lexicon(cached.vocabulary, cached.text)
            return
        texts = [c.embed_text for c in self.corpus.chunks]
        token_lists = [tokens(text) for text in texts]
        self.bm25 = _keyword_index(token_lists, self.settings.bm25_method) if token_lists else None
        self.idf = okapi_idf(token_lists)
        self.lexicon = Lexicon.of(texts, token_lists)
        self.glossary = glossary(self.corpus.chunks)

    @classmethod
    def open(cls, store: Store, settings: RetrievalSettings) -> HybridRetriever:
        """From the start-up cache of the store's active version when there is one, else from the store (and the
        cache is written for the next start)."""
        status = store.status()
        if status is None or not store.settings.store.startup_cache:
            return cls(Corpus.load(store), store.embeddings, settings)
        folder = startup_cache.cache_dir(store.settings.store.path, status.collection, _BUILDERS, settings.bm25_method)
        cached = startup_cache.load(folder)
        if cached is not None:
            store.active()  # a store built by another embedding model is still refused
            corpus = Corpus.of(status.collection, cached.chunks, cached.vectors, cached.windows, cached.owners)
            return cls(corpus, store.embeddings, settings, cached)
        retriever = cls(Corpus.load(store), store.embeddings, settings)
        if retriever.corpus.version == status.collection:  # not flipped while it was read
            startup_cache.save(folder, retriever.cached())
        return retriever

    def cached(self) -> Cached:
        corpus = self.corpus
        return Cached(
            corpus.chunks,
            corpus.vectors,
            corpus.windows,
            corpus.owners,
            self.bm25,
            self.idf,
            self.lexicon.vocabulary,
            self.lexicon.text,
            self.glossary,
        )

    def expand(self, query: str) -> str:
        """Append glossary expansions of acronyms in the query."""
        extra = [
            self.glossary[w]
            for w in dict.fromkeys(re.findall(r"\b[A-Z][A-Za-z0-9&/+\-]{1,9}\b", query))
            if w in self.glossary and self.glossary[w].lower() not in query.lower()
        ]
        return f"{query} ({'; '.join(extra)})" if extra else query

    def retrieve(
        self,
        query: str,
        k: int | None = None,
        filters: Filters | None = None,
        prefer: frozenset[str] = frozenset(),
        parts: tuple[str, ...] = (),
    ) -> list[Passage]:
        """The best k passages for the query, at most `max_per_section` from one section.

        `prefer`: reports the question names, whose passages get `named_report_bonus`. `parts`: the question's
        sub-questions ("…, and what happened to bed days?"); each is searched too, with the query around it, and
        the rankings fused, so the evidence for a part the whole query ranks low still reaches the answer.
        """
        k = k or self.settings.k
        if not self.corpus.chunks or not query.strip():
            return []
        ranked = self._ranked(query, filters, prefer)
        if parts:
            ranked = self._fuse([ranked, *(self._ranked(f"{part}. {query}", filters, prefer) for part in parts)])
        return self._diversify(ranked, k)

    def _ranked(self, query: str, filters: Filters | None, prefer: frozenset[str]) -> list[Passage]:
        """Dense and BM25 candidates, fused by their ranks over the whole corpus, best first.

        Ranking every candidate on both lists (not only the lists it came from) keeps a passage that one
        retriever found first from being outranked by passages that merely appear on both short lists.
        """
        query = self.expand(query)
        query_vector = np.asarray(self.embeddings.embed_query(query), dtype=np.float32)
        similarities = self.corpus.similarities(query_vector)
        terms = tokens(query)
        keyword = self.bm25.get_scores(terms) if self.bm25 is not None and terms else np.zeros(len(similarities))
        dense_ranks = _ranks(similarities)
        keyword_ranks = _ranks(keyword)
        admitted = self._admitted(filters)
        candidates = dict.fromkeys(self._top(similarities, admitted) + self._top(keyword, admitted, matches_only=True))
        passages = []
        for chunk_id in candidates:
            i = self.corpus.index[chunk_id]
            keyword_rank = int(keyword_ranks[i]) if keyword[i] > 0 else None
            score = self.settings.dense_weight / (self.settings.rrf_k + dense_ranks[i])
            if keyword_rank is not None:
                score += self.settings.keyword_weight / (self.settings.rrf_k + keyword_rank)
            if self.corpus.chunks[i].doc_id in prefer:
                score += self.settings.named_report_bonus
            passages.append(
                Passage(
                    chunk=self.corpus.chunks[i],
                    score=score,
                    dense_similarity=float(similarities[i]),
                    dense_rank=int(dense_ranks[i]),
                    keyword_rank=keyword_rank,
                )
            )
        passages.sort(key=lambda p: p.score, reverse=True)
        return passages

    def _fuse(self, rankings: list[list[Passage]]) -> list[Passage]:
        """Reciprocal-rank fusion of the whole query's ranking (weight 1) with the parts' (`part_weight` each)."""
        fused: dict[str, float] = {}
        first: dict[str, Passage] = {}
        for n, ranking in enumerate(rankings):
            weight = 1.0 if n == 0 else self.settings.part_weight
            for rank, passage in enumerate(ranking, start=1):
                chunk_id = passage.chunk.chunk_id
                fused[chunk_id] = fused.get(chunk_id, 0.0) + weight / (self.settings.rrf_k + rank)
                first.setdefault(chunk_id, passage)
        passages = [p.model_copy(update={"score": fused[i]}) for i, p in first.items()]
        return sorted(passages, key=lambda p: p.score, reverse=True)

    def _admitted(self, filters: Filters | None) -> np.ndarray:
        if filters is None:
            return np.ones(len(self.corpus.chunks), dtype=bool)
        return np.fromiter((filters.admits(c) for c in self.corpus.chunks), dtype=bool, count=len(self.corpus.chunks))

    def _top(self, scores: np.ndarray, admitted: np.ndarray, *, matches_only: bool = False) -> list[str]:
        """The best `candidates` chunks the filters admit; `matches_only` skips keyword scores of 0 (no match)."""
        hits: list[str] = []
        for i in np.argsort(-scores, kind="stable"):
            if len(hits) >= self.settings.candidates or (matches_only and scores[i] <= 0):
                break
            if admitted[i]:
                hits.append(self.corpus.chunks[int(i)].chunk_id)
        return hits

    def _diversify(self, passages: list[Passage], k: int) -> list[Passage]:
        """Cap passages per section so the top k are not all neighbours of one paragraph."""
        chosen: list[Passage] = []
        per_section: dict[tuple[str, str], int] = {}
        overflow: list[Passage] = []
        for passage in passages:
            key = (passage.chunk.doc_id, passage.chunk.section)
            if per_section.get(key, 0) >= self.settings.max_per_section:
                overflow.append(passage)
                continue
            per_section[key] = per_section.get(key, 0) + 1
            chosen.append(passage)
            if len(chosen) == k:
                return chosen
        return (chosen + overflow)[:k]


def _ranks(scores: np.ndarray) -> np.ndarray:
    """1-based rank of every entry, highest score first."""
    ranks = np.empty(len(scores), dtype=np.int64)
    ranks[np.argsort(-scores, kind="stable")] = np.arange(1, len(scores) + 1)
    return ranks
