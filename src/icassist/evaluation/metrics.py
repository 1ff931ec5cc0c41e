"""Evaluation metrics as pure functions: no model, no store, no LLM judge.

Gold quotes are matched against passages after `normalise`, which folds what differs between a PDF extraction
and a typed quote: Unicode compatibility forms (ligatures, no-break spaces), soft hyphens, curly quotes and
apostrophes, dash variants, case, runs of whitespace, spaces around hyphens, and hyphens between letters
(so "integra- tion", "integra-\ntion", "co-ordination" and "coordination" all compare equal).

A quote also counts as found when it straddles a chunk boundary: two passages of the same report, the first
ending with a prefix of the quote and the second beginning with the rest (an overlap between them is allowed,
as is whitespace between them), and, when both carry character offsets, the second starting inside or just
after the first. Anchoring the pieces at the passages' ends makes a chance match practically impossible.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import pairwise, permutations

from icassist.answering.fragments import fragment_reason
from icassist.evaluation.questions import Question
from icassist.text import fold, split_bullet, split_sentences, strip_markers

ADJACENCY_SLACK = 100
"""Characters allowed between the end of one chunk and the start of the next for them to count as adjacent."""


@dataclass(frozen=True)
class Evidence:
    """A retrieved or cited passage as the metrics see it; offsets are optional (citations may lack them)."""

    source: str
    text: str
    start: int | None = None
    end: int | None = None
    page: str | None = None  # the printed page or contents range a citation shows, if any

    @cached_property
    def norm(self) -> str:
        return fold(self.text)


def _adjacent(first: Evidence, second: Evidence) -> bool:
    if first.source != second.source:
        return False
    if None in (first.start, first.end, second.start):
        return True
    assert first.start is not None and first.end is not None and second.start is not None
    return first.start <= second.start <= first.end + ADJACENCY_SLACK


def split_covers(quote: str, first: Evidence, second: Evidence) -> bool:
    """True if normalised `quote` begins at the very end of `first` and continues at the very start of `second`."""
    if not _adjacent(first, second):
        return False
    head, tail = first.norm.rstrip("-"), second.norm
    ends = [n for n in range(1, len(quote)) if head.endswith(quote[:n])]
    starts = [n for n in range(1, len(quote)) if tail.startswith(quote[n:])]
    if not ends or not starts:
        return False
    end, start = max(ends), min(starts)
    return start <= end or not quote[end:start].strip()


def quote_matches(quote: str, passages: Sequence[Evidence]) -> list[tuple[int, ...]]:
    """Every passage index, or ordered pair of indices (split quote), whose text holds the gold quote."""
    needle = fold(quote)
    if not needle:
        return []
    singles: list[tuple[int, ...]] = [(i,) for i, p in enumerate(passages) if needle in p.norm]
    pairs: list[tuple[int, ...]] = [
        (i, j)
        for i, j in permutations(range(len(passages)), 2)
        if needle not in passages[i].norm
        and needle not in passages[j].norm
        and split_covers(needle, passages[i], passages[j])
    ]
    return singles + pairs


def quote_rank(quote: str, passages: Sequence[Evidence]) -> int | None:
    """1-based rank at which the quote is first fully present (a split quote needs both halves retrieved)."""
    matches = quote_matches(quote, passages)
    return min(max(m) + 1 for m in matches) if matches else None


def reachable(quote: str, index: Sequence[Evidence]) -> bool:
    """Whether a gold quote exists anywhere in an index (one chunk, or two consecutive chunks of one report):
    the ceiling of recall@k, separating what chunking lost from what ranking missed."""
    needle = fold(quote)
    if any(needle in chunk.norm for chunk in index):
        return True
    ordered = sorted(index, key=lambda c: (c.source, c.start or 0))
    return any(split_covers(needle, a, b) for a, b in pairwise(ordered))


_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_PERCENT = re.compile(r"(?<=\d)\s*(?:%|per cent\b|percent\b)")
_MILLION = re.compile(r"(?<=\d)\s*(?:million|mn)\b")
_BILLION = re.compile(r"(?<=\d)\s*(?:billion|bn)\b")


def canonical_numbers(text: str) -> str:
    """Fold number *formatting* only: '1,200'='1200', '70 per cent'='70%', '£4.2 million'='£4.2m'='£4.2mn',
    '£1 billion'='£1bn', '£ 5'='£5'. Values are never converted ('£0.25m' stays unlike '£250,000')."""
    text = _THOUSANDS.sub("", text)
    text = _PERCENT.sub("%", text)
    text = _MILLION.sub("m", text)
    text = _BILLION.sub("bn", text)
    return re.sub(r"([£$€]) (?=\d)", r"\1", text)


def fact_in_text(fact: str, text: str) -> bool:
    """Key fact present in an answer: normalised substring, with guards so '5%' is not found inside '35%' or
    '0.5%', and a word is not found inside a longer word's end ('relative' in 'correlative'); citation marks
    such as [2] are removed from the answer first so they cannot supply numbers."""
    needle = canonical_numbers(fold(fact))
    if not needle:
        return False
    haystack = canonical_numbers(fold(strip_markers(text)))
    before = r"(?<![\w.])" if needle[0].isdigit() else r"(?<!\w)" if needle[0].isalnum() else ""
    after = r"(?![\d]|[.,]\d)" if needle[-1].isdigit() else ""
    return re.search(before + re.escape(needle) + after, haystack) is not None


@dataclass(frozen=True)
class CitedSentence:
    """An answer sentence with the programme tags of each passage it cites (empty for an untagged passage)."""

    text: str
    cited_programmes: tuple[frozenset[str], ...]


@dataclass(frozen=True)
class Outcome:
    """What one pipeline did with one question, as stored in results.jsonl."""

    answer: str
    refused: bool
    retrieved: list[Evidence]
    citations: list[Evidence]
    latency_s: float
    error: str | None = None
    sentences: tuple[CitedSentence, ...] = ()

    @property
    def answered(self) -> bool:
        return not self.refused and self.error is None


Tagger = Callable[[str], frozenset[str]]
"""The programmes a text names (the gazetteer's tagger)."""


def misattributed(question: str, sentences: Sequence[CitedSentence], tag: Tagger) -> tuple[int, int]:
    """(sentences judged, sentences misattributed) for a question naming a programme, else (0, 0).

    Misattributed: every passage the sentence cites is about other programmes only, and the sentence names no
    programme itself, so a reader takes it to be about the one asked. A sentence that names its own programme
    ("In Jönköping, …") is labelled, not misattributed.
    """
    asked = tag(question)
    if not asked:
        return 0, 0
    wrong = sum(
        bool(s.cited_programmes) and all(tags and not tags & asked for tags in s.cited_programmes) and not tag(s.text)
        for s in sentences
    )
    return len(sentences), wrong


@dataclass(frozen=True)
class QuestionScore:
    """Per-question measurements; None where a measurement does not apply to the question."""

    id: str
    type: str
    answerable: bool
    refused: bool
    error: bool
    latency_s: float
    recall: float | None = None
    reciprocal_rank: float | None = None
    quote_coverage: float | None = None
    citation_supported: bool | None = None
    citations: int = 0
    supporting_citations: int = 0
    on_source_citations: int = 0
    paged_citations: int = 0
    key_fact_recall: float | None = None
    key_facts_reachable: float | None = None
    caveats_kept: float | None = None
    answer_sentences: int = 0
    fragments: int = 0
    answer_words: int | None = None
    attribution_sentences: int = 0  # answer sentences judged for attribution (the question names a programme)
    misattributed_sentences: int = 0
    found_quotes: list[bool] = field(default_factory=list)


def score_question(question: Question, outcome: Outcome, k: int, tag: Tagger | None = None) -> QuestionScore:
    """Score one outcome; retrieval metrics look at the top k passages, answer metrics at the answer itself;
    attribution only with `tag`."""
    score = QuestionScore(
        id=question.id,
        type=question.type,
        answerable=question.answerable,
        refused=outcome.refused,
        error=outcome.error is not None,
        latency_s=outcome.latency_s,
    )
    if not question.answerable:
        return score
    top = outcome.retrieved[:k]
    ranks = [quote_rank(q, top) for q in question.quotes]
    found = [r is not None for r in ranks]
    first = min((r for r in ranks if r is not None), default=None)
    fact_recall = reachable_facts = None
    if question.key_facts:
        hits = sum(fact_in_text(f, outcome.answer) for f in question.key_facts) if outcome.answered else 0
        fact_recall = hits / len(question.key_facts)
        passages = " ".join(p.text for p in top)
        reachable_facts = sum(fact_in_text(f, passages) for f in question.key_facts) / len(question.key_facts)
    caveats_kept = None
    if question.caveats:
        kept = sum(fact_in_text(c, outcome.answer) for c in question.caveats) if outcome.answered else 0
        caveats_kept = kept / len(question.caveats)
    score = replace(
        score,
        recall=float(any(found)),
        reciprocal_rank=1.0 / first if first else 0.0,
        quote_coverage=sum(found) / len(found),
        key_fact_recall=fact_recall,
        key_facts_reachable=reachable_facts,
        caveats_kept=caveats_kept,
        found_quotes=found,
    )
    if not outcome.answered:
        return score
    sentences = answer_sentences(outcome.answer)
    score = replace(
        score,
        answer_sentences=len(sentences),
        fragments=sum(fragment_reason(s) is not None for s in sentences),
        answer_words=len(strip_markers(outcome.answer).split()),
    )
    holders = {i for q in question.quotes for match in quote_matches(q, outcome.citations) for i in match}
    judged, wrong = misattributed(question.question, outcome.sentences, tag) if tag else (0, 0)
    return replace(
        score,
        attribution_sentences=judged,
        misattributed_sentences=wrong,
        citation_supported=bool(holders),
        citations=len(outcome.citations),
        supporting_citations=len(holders),
        on_source_citations=sum(c.source in question.sources for c in outcome.citations),
        paged_citations=sum(c.page is not None for c in outcome.citations),
    )


def answer_sentences(answer: str) -> list[str]:
    """The answer's sentences without their [n] markers and bullet dashes: what the fragment detector judges."""
    out = []
    for line in answer.splitlines():
        line = strip_markers(split_bullet(line)[1]).strip()
        out += [line[a:b] for a, b in split_sentences(line)]
    return [re.sub(r"\s+([.!?;:])$", r"\1", s) for s in out if s]


def percentile(values: Sequence[float], p: float) -> float | None:
    """Linear-interpolation percentile (as numpy's default), p in [0, 100]."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * p / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def _share(hits: int, total: int) -> float | None:
    return hits / total if total else None


@dataclass(frozen=True)
class MetricInfo:
    label: str
    higher_is_better: bool
    definition: str


METRICS: dict[str, MetricInfo] = {
    "recall_at_k": MetricInfo(
        "recall@k", True, "answerable questions with at least one gold quote in the top-k passages"
    ),
    "mrr": MetricInfo("MRR", True, "mean of 1/rank of the first top-k passage completing a gold quote (0 if none)"),
    "quote_coverage_at_k": MetricInfo(
        "quote coverage@k", True, "per answerable question, share of its gold quotes in the top k; averaged"
    ),
    "citation_support": MetricInfo(
        "citation support", True, "answered answerable questions whose cited passages hold at least one gold quote"
    ),
    "citation_support_per_citation": MetricInfo(
        "citation support (per citation)",
        True,
        "citations (of answered answerable questions) holding a gold quote or one half of a split gold quote",
    ),
    "citation_source_precision": MetricInfo(
        "citation source precision", True, "citations (of answered answerable questions) whose file is a gold source"
    ),
    "citation_page_coverage": MetricInfo(
        "citation page coverage",
        True,
        "citations (of answered answerable questions) showing a page or a contents-list page range",
    ),
    "section_sanity": MetricInfo(
        "section sanity",
        True,
        "store chunks of the reports in corpus/headings.toml whose section path starts at one of the report's "
        "hand-listed top-level headings and holds no other one deeper down",
    ),
    "tag_precision": MetricInfo(
        "tag precision",
        True,
        "hand-checked (passage, programme) pairs in evals/tag-sample.jsonl: share of the store's chunk tags among "
        "them that the passage really discusses",
    ),
    "tag_recall": MetricInfo(
        "tag recall", True, "of those pairs the passage discusses, the share its store chunk is tagged with"
    ),
    "key_fact_recall": MetricInfo(
        "key-fact recall",
        True,
        "per answerable question with key facts, share found in the answer text (refused or failed = 0); averaged",
    ),
    "key_facts_reachable": MetricInfo(
        "key facts reachable",
        True,
        "per answerable question with key facts, share found in the top-k passages' text (the answer's ceiling)",
    ),
    "caveat_recall": MetricInfo(
        "caveat recall",
        True,
        "per answerable question with caveats, share of them in the answer text (refused or failed = 0); averaged",
    ),
    "fragment_rate": MetricInfo(
        "fragment rate",
        False,
        "answer sentences (answered answerable questions) that are table debris, captions, headings, URLs or cut",
    ),
    "misattribution_rate": MetricInfo(
        "misattribution rate",
        False,
        "answer sentences (questions naming a programme) citing only passages about other programmes, unlabelled",
    ),
    "answer_words_p50": MetricInfo("answer words p50", False, "median words per answer (answered questions)"),
    "answer_words_p95": MetricInfo("answer words p95", False, "95th percentile words per answer"),
    "refusal_rate_unanswerable": MetricInfo("refusal rate (unanswerable)", True, "unanswerable questions refused"),
    "false_refusal_rate": MetricInfo("false-refusal rate", False, "answerable questions refused"),
    "followup_recall_at_k": MetricInfo("recall@k (followup)", True, "recall@k over followup questions only"),
    "latency_p50_s": MetricInfo("latency p50 (s)", False, "median seconds per question, retrieval and answer"),
    "latency_p95_s": MetricInfo("latency p95 (s)", False, "95th percentile seconds per question"),
    "errors": MetricInfo("errors", False, "questions whose pipeline raised an exception"),
}


def aggregate(scores: Sequence[QuestionScore]) -> dict[str, float | int | None]:
    """Metrics over a set of scored questions; answer metrics use answerable questions only; None = no data."""
    answerable = [s for s in scores if s.answerable]
    unanswerable = [s for s in scores if not s.answerable]
    answered = [s for s in answerable if s.citation_supported is not None]
    citations = sum(s.citations for s in answered)
    latencies = [s.latency_s for s in scores if not s.error]
    words = [float(s.answer_words) for s in scores if s.answer_words is not None]
    return {
        "n_questions": len(scores),
        "n_answerable": len(answerable),
        "n_unanswerable": len(unanswerable),
        "errors": sum(s.error for s in scores),
        "recall_at_k": _mean([s.recall for s in answerable]),
        "mrr": _mean([s.reciprocal_rank for s in answerable]),
        "quote_coverage_at_k": _mean([s.quote_coverage for s in answerable]),
        "citation_support": _share(sum(bool(s.citation_supported) for s in answered), len(answered)),
        "citation_support_per_citation": _share(sum(s.supporting_citations for s in answered), citations),
        "citation_source_precision": _share(sum(s.on_source_citations for s in answered), citations),
        "citation_page_coverage": _share(sum(s.paged_citations for s in answered), citations),
        "key_fact_recall": _mean([s.key_fact_recall for s in answerable]),
        "key_facts_reachable": _mean([s.key_facts_reachable for s in answerable]),
        "caveat_recall": _mean([s.caveats_kept for s in answerable]),
        "fragment_rate": _share(sum(s.fragments for s in answered), sum(s.answer_sentences for s in answered)),
        "misattribution_rate": _share(
            sum(s.misattributed_sentences for s in answered), sum(s.attribution_sentences for s in answered)
        ),
        "answer_words_p50": percentile(words, 50),
        "answer_words_p95": percentile(words, 95),
        "refusal_rate_unanswerable": _share(sum(s.refused for s in unanswerable), len(unanswerable)),
        "false_refusal_rate": _share(sum(s.refused for s in answerable), len(answerable)),
        "followup_recall_at_k": _mean([s.recall for s in answerable if s.type == "followup"]),
        "latency_p50_s": percentile(latencies, 50),
        "latency_p95_s": percentile(latencies, 95),
    }


def by_type(scores: Sequence[QuestionScore]) -> dict[str, dict[str, float | int | None]]:
    return {t: aggregate([s for s in scores if s.type == t]) for t in sorted({s.type for s in scores})}
