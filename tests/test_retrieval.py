"""Hybrid retrieval against a real store: fusion, filters on both sides, diversification, glossary, follow-ups."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from icassist.chain import Assistant
from icassist.conversation import heuristic_query
from icassist.question_parts import analyse
from icassist.records import Filters, Passage, Turn
from icassist.retrieval import HybridRetriever, okapi_idf
from tests.conftest import CHE, KINGSFUND

TORBAY = "What happened to hospital bed use in Torbay?"
PACE_HISTORY = [
    Turn(role="user", content="What is PACE and who does it serve?"),
    Turn(role="assistant", content="PACE serves frail older people in the US [1]."),
]


@pytest.fixture(scope="module")
def retriever(qa_assistant: Assistant) -> HybridRetriever:
    return qa_assistant.retriever


def test_hybrid_passages_carry_dense_and_keyword_ranks(retriever: HybridRetriever) -> None:
    passages = retriever.retrieve(TORBAY, 5)
    assert len(passages) == 5
    assert any(p.dense_rank and p.keyword_rank for p in passages), "fusion should find passages both sides rank"
    assert all(p.dense_similarity is not None and -1 <= p.dense_similarity <= 1 for p in passages)
    assert "torbay" in passages[0].chunk.programmes


@pytest.mark.parametrize(
    ("filters", "admitted"),
    [
        (Filters(doc_ids=[CHE]), lambda p: p.chunk.doc_id == CHE),
        (Filters(years=[2010]), lambda p: p.chunk.doc_id == KINGSFUND),  # the King's Fund report is the 2010 one
        (Filters(programmes=["pace"]), lambda p: "pace" in p.chunk.programmes),
    ],
    ids=["report", "year", "programme"],
)
def test_filters_restrict_dense_and_keyword_sides(retriever: HybridRetriever, filters: Filters, admitted) -> None:  # type: ignore[no-untyped-def]
    """Torbay is all over both reports; asking for more passages than both candidate lists hold returns every
    candidate, so a side that ignored the filter would leak passages the filter excludes."""
    passages = retriever.retrieve(TORBAY, 2 * retriever.settings.candidates, filters)
    assert passages and all(admitted(p) for p in passages)
    assert any(p.keyword_rank for p in passages)
    assert any(p.keyword_rank is None for p in passages)  # candidates the dense side alone found


def test_filter_admitting_nothing_returns_nothing(retriever: HybridRetriever) -> None:
    assert retriever.retrieve(TORBAY, 5, Filters(years=[1901])) == []


def _per_section(passages: list[Passage]) -> Counter[tuple[str, str]]:
    return Counter((p.chunk.doc_id, p.chunk.section) for p in passages)


def test_diversification_caps_passages_per_section(retriever: HybridRetriever) -> None:
    query = "Torbay integrated care teams zones bed days"
    uncapped = HybridRetriever(
        retriever.corpus, retriever.embeddings, retriever.settings.model_copy(update={"max_per_section": 8})
    )
    capped = HybridRetriever(
        retriever.corpus, retriever.embeddings, retriever.settings.model_copy(update={"max_per_section": 1})
    )
    assert max(_per_section(uncapped.retrieve(query, 8)).values()) > 1, "the query should crowd one section"
    assert max(_per_section(capped.retrieve(query, 8)).values()) == 1


def test_glossary_expands_acronyms_from_the_reports_own_glossary(retriever: HybridRetriever) -> None:
    assert retriever.glossary["IRM"] == "Integrated resource mechanism"
    assert retriever.glossary["PACE"] == "Program of All-Inclusive Care for the elderly"  # "[US]" dropped
    assert retriever.expand("Did IRM schemes work?") == "Did IRM schemes work? (Integrated resource mechanism)"
    assert retriever.expand("What is an integrated resource mechanism (IRM)?").endswith("(IRM)?"), "no repeat"
    passages = retriever.retrieve("What are IRM categories?", 5)
    assert any("integrated resource mechanism" in p.chunk.text.lower() for p in passages)


def test_follow_up_query_retrieves_the_subject_of_earlier_turns(retriever: HybridRetriever) -> None:
    question = "And what did it cost?"
    alone = retriever.retrieve(question, 5)
    assert not any("pace" in p.chunk.programmes for p in alone), "without history the subject is unknown"
    query = heuristic_query(question, PACE_HISTORY, 2)
    followed = retriever.retrieve(query, 5)
    assert sum("pace" in p.chunk.programmes for p in followed) >= 3


def test_dense_candidates_are_the_exact_nearest_chunks(qa_assistant: Assistant, retriever: HybridRetriever) -> None:
    """One dense path: the in-memory scores equal Chroma's own cosine similarity for the same vectors."""
    query = retriever.embeddings.embed_query(TORBAY)
    result = qa_assistant.store.active().query(query_embeddings=[query], n_results=5, include=["distances"])
    chroma = dict(zip(result["ids"][0], (1 - d for d in (result["distances"] or [[]])[0]), strict=True))
    similarities = retriever.corpus.vectors @ np.asarray(query, dtype=np.float32)
    for chunk_id, similarity in chroma.items():
        assert abs(similarities[retriever.corpus.index[chunk_id]] - similarity) < 1e-4
    top = {retriever.corpus.chunks[i].chunk_id for i in np.argsort(-similarities)[:5]}
    assert top == set(chroma)


def test_sentences_in_long_chunks_tails_lift_them_and_chunks_without_windows_keep_their_score(
    retriever: HybridRetriever,
) -> None:
    """MiniLM reads ~200 words: the tail windows let a question about a chunk's last sentences find that chunk."""
    corpus = retriever.corpus
    rows = sorted(set(corpus.owners.tolist()))
    tails = [" ".join(corpus.chunks[row].text.split()[-25:]) for row in rows]  # words past the embedder's horizon
    queries = np.asarray(retriever.embeddings.embed_documents(tails), dtype=np.float32)
    without = np.setdiff1d(np.arange(len(corpus.chunks)), corpus.owners)
    assert len(rows) >= 3 and len(without)
    rank_head = rank_whole = lifted = 0
    for row, query in zip(rows, queries, strict=True):
        head_only, read_whole = corpus.vectors @ query, corpus.similarities(query)
        assert (read_whole >= head_only).all()
        lifted += bool(read_whole[row] > head_only[row])
        assert np.allclose(read_whole[without], head_only[without])
        rank_head += int((head_only > head_only[row]).sum())
        rank_whole += int((read_whole > read_whole[row]).sum())
    assert rank_whole < rank_head and lifted > len(rows) / 2


def test_a_named_report_is_preferred_but_not_the_only_one_read(retriever: HybridRetriever) -> None:
    question = "What are the barriers to integrated care?"
    plain = retriever.retrieve(question, 10)
    docs = [p.chunk.doc_id for p in plain]
    other = next(d for d in reversed(docs) if d != docs[0])  # a report that does not lead the plain ranking
    preferred = retriever.retrieve(question, 10, prefer=frozenset({other}))
    first = next(i for i, p in enumerate(preferred) if p.chunk.doc_id == other)
    assert first < docs.index(other)
    assert {p.chunk.doc_id for p in preferred} != {other} or len(set(docs)) == 1  # a bonus, not a filter
    bonus = retriever.settings.named_report_bonus
    scores = {p.chunk.chunk_id: p.score for p in plain}
    for p in preferred:
        if p.chunk.chunk_id in scores:
            assert p.score == pytest.approx(scores[p.chunk.chunk_id] + (bonus if p.chunk.doc_id == other else 0))


def test_okapi_idf_weighs_rare_words_up_and_floors_common_ones_above_zero() -> None:
    """The extractive answerer's word weights: a word in most chunks still counts a little, never negatively."""
    chunks = [["care", "torbay"], ["care", "pace"], ["care", "pace"], ["care", "kaiser"], ["care", "va"], ["sweden"]]
    idf = okapi_idf(chunks)
    assert idf["torbay"] == pytest.approx(math.log(5.5) - math.log(1.5))
    assert idf["torbay"] > idf["pace"] > 0
    assert 0 < idf["care"] < idf["pace"]


def test_each_part_of_a_question_is_searched_so_its_evidence_reaches_the_top(retriever: HybridRetriever) -> None:
    """che-11 of the gate set: the whole question finds the King's Fund figures; its second part (how the York
    review treats the evidence) brings the York review's own verdict into the top 5."""
    question = (
        "How much confidence should we place in Torbay's reported fall in hospital use? Compare how the King's Fund "
        "paper and the York funding review treat the evidence."
    )
    verdict = "none of the evaluations was methodologically rigorous"
    parts = analyse(question).parts
    assert len(parts) >= 2
    alone = retriever.retrieve(question, 5)
    with_parts = retriever.retrieve(question, 5, parts=parts)
    assert not any(verdict in " ".join(p.chunk.text.split()) for p in alone)
    assert any(verdict in " ".join(p.chunk.text.split()) for p in with_parts)
