"""Hand-made cases for every metric, including ones that must fail: a metric that cannot fail is a defect."""

from __future__ import annotations

from dataclasses import replace

import pytest

from icassist.evaluation.metrics import (
    CitedSentence,
    Evidence,
    Outcome,
    aggregate,
    by_type,
    canonical_numbers,
    fact_in_text,
    misattributed,
    percentile,
    quote_matches,
    quote_rank,
    reachable,
    score_question,
    split_covers,
)
from icassist.evaluation.questions import Question
from icassist.text import fold

QUOTE = "Pooled budgets were used by thirty-one of the thirty-eight schemes reviewed."
SOURCE = "che.txt"


def question(qtype: str = "fact", **fields: object) -> Question:
    data: dict[str, object] = {
        "id": "q1",
        "question": "How many schemes pooled budgets?",
        "type": qtype,
        "answer": "31 of 38.",
        "key_facts": ["31 of the 38 schemes"],
        "sources": [SOURCE],
        "quotes": [QUOTE],
    }
    if qtype == "unanswerable":
        data.update(key_facts=[], sources=[], quotes=[])
    if qtype == "followup":
        data["history"] = [{"role": "user", "content": "Tell me about pooled budgets."}]
    data.update(fields)
    return Question.model_validate(data)


def outcome(
    retrieved: list[Evidence] | None = None,
    citations: list[Evidence] | None = None,
    answer: str = "",
    refused: bool = False,
    latency_s: float = 1.0,
    error: str | None = None,
) -> Outcome:
    return Outcome(answer, refused, retrieved or [], citations or [], latency_s, error)


def ev(text: str, source: str = SOURCE, start: int | None = None, end: int | None = None) -> Evidence:
    return Evidence(source, text, start, end)


GOLD = ev(f"Some context first. {QUOTE} And more after.")
OTHER = ev("Nothing relevant: workforce planning and governance.")


# quote matching, including split quotes


def test_quote_found_in_single_passage_despite_hyphenation() -> None:
    hyphenated = ev("Pooled budgets were used by thirty-one of the thirty- eight sche- mes reviewed.")
    assert quote_rank(QUOTE, [OTHER, hyphenated]) == 2


def test_quote_missing_when_not_retrieved() -> None:
    assert quote_rank(QUOTE, [OTHER, ev(QUOTE[:40])]) is None


def test_split_quote_across_adjacent_chunks_counts_once_both_are_retrieved() -> None:
    first = ev("Earlier text. Pooled budgets were used by thirty-one", start=0, end=52)
    second = ev("of the thirty-eight schemes reviewed. Later text.", start=53, end=102)
    assert split_covers(fold(QUOTE), first, second)
    assert quote_rank(QUOTE, [first, OTHER, second]) == 3
    assert quote_rank(QUOTE, [first, OTHER]) is None
    assert quote_matches(QUOTE, [second, first]) == [(1, 0)]


def test_split_quote_with_overlapping_chunks() -> None:
    first = ev("Intro. Pooled budgets were used by thirty-one of the", start=0, end=52)
    second = ev("thirty-one of the thirty-eight schemes reviewed.", start=35, end=84)
    assert quote_rank(QUOTE, [first, second]) == 2


def test_split_quote_broken_inside_a_hyphenated_word() -> None:
    first = ev("Intro. Pooled budgets were used by thirty-one of the thirty-ei-", start=0, end=63)
    second = ev("ght schemes reviewed. More.", start=64, end=91)
    assert quote_rank(QUOTE, [first, second]) == 2


def test_split_quote_rejected_when_not_adjacent_or_other_report() -> None:
    first = ev("Earlier text. Pooled budgets were used by thirty-one", start=0, end=52)
    far = ev("of the thirty-eight schemes reviewed. Later text.", start=5000, end=5049)
    other_report = ev("of the thirty-eight schemes reviewed. Later text.", source="hrb.txt")
    before = ev("of the thirty-eight schemes reviewed. Later text.", start=0, end=49)
    late = ev("Earlier text. Pooled budgets were used by thirty-one", start=100, end=152)
    assert quote_rank(QUOTE, [first, far]) is None
    assert quote_rank(QUOTE, [first, other_report]) is None
    assert quote_rank(QUOTE, [late, before]) is None


def test_split_quote_needs_pieces_at_the_chunk_edges() -> None:
    first = ev("Pooled budgets were used by thirty-one. Then something else entirely.")
    second = ev("of the thirty-eight schemes reviewed.")
    assert quote_rank(QUOTE, [first, second]) is None


# per-question scores


def test_perfect_retrieval_and_answer() -> None:
    score = score_question(
        question(),
        outcome([GOLD, OTHER], [GOLD], answer="Pooled budgets: 31 of the 38 schemes [1]."),
        k=5,
    )
    assert (score.recall, score.reciprocal_rank, score.quote_coverage) == (1.0, 1.0, 1.0)
    assert score.citation_supported is True
    assert (score.citations, score.supporting_citations, score.on_source_citations) == (1, 1, 1)
    assert score.key_fact_recall == 1.0


def test_gold_below_k_is_a_miss() -> None:
    score = score_question(question(), outcome([OTHER, OTHER, GOLD]), k=2)
    assert (score.recall, score.reciprocal_rank, score.quote_coverage) == (0.0, 0.0, 0.0)
    assert score_question(question(), outcome([OTHER, OTHER, GOLD]), k=3).reciprocal_rank == pytest.approx(1 / 3)


def test_quote_coverage_is_partial() -> None:
    second_quote = "Aligned budgets were used by three schemes, which is eight per cent."
    q = question(quotes=[QUOTE, second_quote])
    assert score_question(q, outcome([GOLD]), k=5).quote_coverage == 0.5


def test_citations_to_wrong_passage_and_report_are_unsupported() -> None:
    wrong = ev("Unrelated passage about workforce.", source="hrb.txt")
    score = score_question(question(), outcome([GOLD, wrong], [wrong], answer="Something [1]."), k=5)
    assert score.recall == 1.0
    assert score.citation_supported is False
    assert (score.supporting_citations, score.on_source_citations) == (0, 0)
    assert score.key_fact_recall == 0.0


def test_refused_answerable_question_scores_zero_facts_and_no_citation_support() -> None:
    score = score_question(question(), outcome([GOLD], refused=True, answer="Not in the reports."), k=5)
    assert score.refused and score.citation_supported is None and score.key_fact_recall == 0.0


def test_unanswerable_question_has_no_retrieval_scores() -> None:
    score = score_question(question("unanswerable"), outcome([OTHER], refused=True), k=5)
    assert not score.answerable and score.recall is None


# key facts and numbers


@pytest.mark.parametrize(
    ("fact", "answer"),
    [
        ("£4.2m", "savings of £4.2 million [2]"),
        ("£4.2 million", "savings of £4.2m"),
        ("£4.2m", "savings of £4.2mn"),
        ("£250,000", "about £250000 was saved"),
        ("70%", "a 70 per cent difference"),
        ("5%", "only 5% [1] need case management"),
        ("65–80%", "the majority (65-80%)"),
        ("relative performance", "by Relative Performance against peers"),
        ("micro-incentives", "financial microincentives"),
        ("£1bn", "£1 billion"),
    ],
)
def test_fact_found_with_formatting_folded(fact: str, answer: str) -> None:
    assert fact_in_text(fact, answer)


@pytest.mark.parametrize(
    ("fact", "answer"),
    [
        ("5%", "between 20–35% of people"),
        ("5%", "a 0.5% rise"),
        ("70%", "a 70.5% difference"),
        ("£250,000", "£1,250,000 saved"),
        ("£250,000", "£0.25m saved"),
        ("1", "as shown in [1]"),
        ("relative performance", "correlative performance"),
        ("US$2.50", "US$2.505 per month"),
    ],
)
def test_fact_not_found(fact: str, answer: str) -> None:
    assert not fact_in_text(fact, answer)


def test_canonical_numbers_only_changes_formatting() -> None:
    assert canonical_numbers("£1,200 and 3 per cent and £2 million") == "£1200 and 3% and £2m"
    assert canonical_numbers("£0.25m") != canonical_numbers("£250000")


# aggregation


def test_aggregate_separates_answerable_and_unanswerable() -> None:
    scores = [
        score_question(question(id="a"), outcome([GOLD], [GOLD], answer="31 of the 38 schemes [1]", latency_s=1), 5),
        score_question(question(id="b"), outcome([OTHER], refused=True, latency_s=2), 5),
        score_question(question("unanswerable", id="c"), outcome([OTHER], refused=True, latency_s=3), 5),
        score_question(question("unanswerable", id="d"), outcome([OTHER], [OTHER], answer="x [1]", latency_s=4), 5),
        score_question(question("followup", id="e"), outcome([OTHER], [OTHER], answer="x [1]", latency_s=5), 5),
    ]
    m = aggregate(scores)
    assert (m["n_questions"], m["n_answerable"], m["n_unanswerable"]) == (5, 3, 2)
    assert m["recall_at_k"] == pytest.approx(1 / 3)
    assert m["mrr"] == pytest.approx(1 / 3)
    assert m["refusal_rate_unanswerable"] == 0.5
    assert m["false_refusal_rate"] == pytest.approx(1 / 3)
    assert m["citation_support"] == 0.5  # answered answerable: a (supported), e (not)
    assert m["citation_support_per_citation"] == 0.5
    assert m["citation_source_precision"] == 1.0
    assert m["key_fact_recall"] == pytest.approx(1 / 3)
    assert m["followup_recall_at_k"] == 0.0
    assert m["latency_p50_s"] == 3 and m["latency_p95_s"] == pytest.approx(4.8)
    assert m["errors"] == 0
    assert set(by_type(scores)) == {"fact", "unanswerable", "followup"}
    assert by_type(scores)["unanswerable"]["recall_at_k"] is None


def test_errors_are_counted_and_excluded_from_latency() -> None:
    scores = [
        score_question(question(id="a"), outcome(error="RuntimeError: boom", latency_s=99), 5),
        score_question(question(id="b"), outcome([GOLD], latency_s=1), 5),
    ]
    m = aggregate(scores)
    assert m["errors"] == 1 and m["recall_at_k"] == 0.5 and m["latency_p95_s"] == 1


def test_empty_sets_give_none_not_zero() -> None:
    m = aggregate([score_question(question("unanswerable"), outcome(refused=True), 5)])
    assert m["recall_at_k"] is None and m["citation_support"] is None and m["refusal_rate_unanswerable"] == 1.0


def test_percentile() -> None:
    assert percentile([], 50) is None
    assert percentile([3, 1, 2], 50) == 2
    assert percentile([1, 2, 3, 4], 95) == pytest.approx(3.85)


def test_reachable_in_index_alone_or_across_consecutive_chunks() -> None:
    first = ev("Earlier text. Pooled budgets were used by thirty-one", start=0, end=52)
    second = ev("of the thirty-eight schemes reviewed. Later text.", start=53, end=102)
    between = ev("A heading", start=52, end=53)
    assert reachable(QUOTE, [OTHER, GOLD])
    assert reachable(QUOTE, [second, OTHER, first])
    assert not reachable(QUOTE, [second, between, first])
    assert not reachable(QUOTE, [OTHER, first])


def test_key_facts_reachable_shows_where_facts_are_lost() -> None:
    q = question(key_facts=["thirty-one", "£4.2m"])
    found = score_question(q, outcome([ev(QUOTE)], [ev(QUOTE)], answer="Schemes pooled budgets [1]."), k=5)
    assert found.key_facts_reachable == 0.5 and found.key_fact_recall == 0.0
    beyond_k = score_question(q, outcome([ev("x")] * 5 + [ev(QUOTE)], answer="x"), k=5)
    assert beyond_k.key_facts_reachable == 0.0


def test_fragment_rate_counts_table_debris_in_answers() -> None:
    answer = (
        "Pooled budgets were used by thirty-one of the thirty-eight schemes reviewed [1].\n\n"
        "- Knowsley PCT x Clinical care is main focus (includes social care assessment) [1].\n"
        "- General description | Demonstration project run by three local authorities | [1]."
    )
    scores = [score_question(question(), outcome([ev(QUOTE)], [ev(QUOTE)], answer=answer), k=5)]
    assert (scores[0].answer_sentences, scores[0].fragments) == (3, 2)
    metrics = aggregate(scores)
    assert metrics["fragment_rate"] == pytest.approx(2 / 3)
    assert metrics["answer_words_p50"] == len(answer.replace(" [1]", "").split())  # a mark is not a word


def test_page_coverage_counts_citations_showing_a_page_or_range() -> None:
    paged = Evidence(SOURCE, GOLD.text, page="12")
    unpaged = Evidence(SOURCE, OTHER.text)
    scores = [
        score_question(question(id="a"), outcome([GOLD], [paged, unpaged], answer="31 of the 38 schemes [1][2]"), 5),
        score_question(question(id="b"), outcome([GOLD], [paged], answer="31 of the 38 schemes [1]"), 5),
        score_question(question(id="c"), outcome([GOLD], [unpaged], refused=True), 5),  # refused: not counted
    ]
    assert aggregate(scores)["citation_page_coverage"] == pytest.approx(2 / 3)


# attribution


def _tag(text: str) -> frozenset[str]:
    """A stand-in for the gazetteer's tagger: pure logic under test, so two names suffice."""
    return frozenset(name.lower() for name in ("Torbay", "Jönköping") if name in text)


def test_a_sentence_citing_only_another_programmes_passage_is_misattributed_unless_labelled() -> None:
    sentences = [
        CitedSentence("Bed days fell from 750 to 528.", (frozenset({"torbay"}),)),  # the asked programme's passage
        CitedSentence("Admissions fell by 20%.", (frozenset({"jönköping"}),)),  # another programme's, unlabelled
        CitedSentence("In Jönköping, admissions fell by 20%.", (frozenset({"jönköping"}),)),  # labelled
        CitedSentence("Integration takes years.", (frozenset(),)),  # an untagged passage says nothing either way
        CitedSentence("Costs fell.", (frozenset({"jönköping"}), frozenset({"torbay"}))),  # one source is Torbay's
    ]
    assert misattributed("What happened in Torbay?", sentences, _tag) == (5, 1)
    assert misattributed("What does integration achieve?", sentences, _tag) == (0, 0)


def test_misattribution_rate_counts_sentences_of_questions_naming_a_programme() -> None:
    rows = outcome([GOLD], [GOLD], answer="Admissions fell by 20% [1].")
    wrong = replace(rows, sentences=(CitedSentence("Admissions fell by 20%.", (frozenset({"jönköping"}),)),))
    score = score_question(question(question="What happened to admissions in Torbay?"), wrong, k=5, tag=_tag)
    assert (score.attribution_sentences, score.misattributed_sentences) == (1, 1)
    assert aggregate([score])["misattribution_rate"] == 1.0
    assert aggregate([score_question(question(), wrong, k=5)])["misattribution_rate"] is None


def test_caveat_recall_counts_the_qualifications_an_answer_keeps() -> None:
    asked = question(caveats=["no data available for cost-effectiveness", "not rigorous"])
    kept = outcome(
        [GOLD], [GOLD], answer="31 of the 38 schemes [1]. There are no data available for cost-effectiveness [1]."
    )
    assert score_question(asked, kept, k=5).caveats_kept == 0.5
    assert score_question(asked, outcome([GOLD], refused=True), k=5).caveats_kept == 0.0
    assert score_question(question(), kept, k=5).caveats_kept is None
    assert aggregate([score_question(asked, kept, k=5), score_question(question(), kept, k=5)])["caveat_recall"] == 0.5
