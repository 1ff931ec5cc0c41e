"""Refusal: before answering (weak passages, names no report mentions) and after checking (nothing cited)."""

from icassist.answering.refusal import accepts, assess, unknown_names
from icassist.retrieval import Lexicon
from tests.passages import passage

VOCABULARY = Lexicon.of(
    [
        "Torbay Care Trust pooled budgets in England for the NHS in 2010.",
        "PACE and the Better Care Fund integrate care. Transformation Plan.",
    ]
)


def test_unknown_names_are_capitalised_words_or_years_missing_from_the_reports() -> None:
    assert unknown_names("What did Japan's integrated care system achieve?", VOCABULARY) == ["Japan"]
    assert unknown_names("What did Buurtzorg do in 2019?", VOCABULARY) == ["Buurtzorg", "2019"]
    assert unknown_names("What did Torbay achieve for the NHS in 2010?", VOCABULARY) == []


def test_multi_word_name_must_occur_as_a_phrase() -> None:
    assert unknown_names("What did the Better Care Fund save?", VOCABULARY) == []
    assert unknown_names("What did Torbay Care Trust's budget hold?", VOCABULARY) == []
    assert unknown_names("What did the Care Trust Fund save?", VOCABULARY) == ["Care Trust Fund"]
    assert unknown_names("How many Torbay Transformation Plan areas?", VOCABULARY) == ["Torbay Transformation Plan"]
    assert unknown_names("How do Torbay and PACE compare in England?", VOCABULARY) == []
    assert unknown_names("Who joined the US Transformation Plan?", VOCABULARY) == []


def test_first_word_of_the_question_is_not_taken_for_a_name() -> None:
    assert unknown_names("Summarise pooled budgets", VOCABULARY) == []
    assert unknown_names("NICE guidance on pooled budgets", VOCABULARY) == ["NICE"]


def test_weak_evidence_is_refused_and_strong_evidence_answered() -> None:
    assert assess("What about pooled budgets?", [passage("x", similarity=0.2)], VOCABULARY, 0.35).answerable is False
    assert assess("What about pooled budgets?", [passage("x", similarity=0.5)], VOCABULARY, 0.35).answerable is True
    assert assess("What about pooled budgets?", [], VOCABULARY, 0.35).answerable is False


def test_unknown_programme_is_refused_even_with_strong_evidence() -> None:
    verdict = assess("How did Buurtzorg integrate care?", [passage("x", similarity=0.9)], VOCABULARY, 0.35)
    assert not verdict.answerable
    assert verdict.reason is not None and "Buurtzorg" in verdict.reason


def test_an_unknown_place_beside_a_programme_the_reports_discuss_is_said_not_refused() -> None:
    """mp-07 in evals/multipart.jsonl: 'Did SIPA in Montreal reduce emergency room visits…' was refused."""
    question, strong = "Did PACE in Montreal cut admissions?", [passage("x", similarity=0.9)]
    verdict = assess(question, strong, VOCABULARY, 0.35, programmes=("PACE",))
    assert verdict.answerable
    assert verdict.reason == "The reports never mention 'Montreal'; this answer is what they say about PACE."
    assert not assess(question, strong, VOCABULARY, 0.35).answerable, "no programme the reports discuss: refused"
    weak = [passage("x", similarity=0.2)]
    assert not assess(question, weak, VOCABULARY, 0.35, programmes=("PACE",)).answerable


def test_draft_is_accepted_only_with_a_citation_and_no_refusal_phrase() -> None:
    assert accepts("Bed days fell [1].", 1)
    assert not accepts("Bed days fell.", 0)
    assert not accepts("The reports do not\nanswer this question [1].", 1)
