"""Question-file loading errors, and the committed gold set itself (size, balance, quotes verbatim in the reports)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from icassist.evaluation.questions import Question, QuestionFileError, check_quotes, load_questions, parse_questions

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "evals" / "questions.jsonl"
CORPUS = ROOT / "corpus"

VALID = {
    "id": "x-1",
    "question": "What share of schemes pooled budgets?",
    "type": "number",
    "answer": "31 of 38.",
    "key_facts": ["31"],
    "sources": ["a.txt"],
    "quotes": ["Pooled budgets were used by thirty-one of the thirty-eight schemes."],
}


def line(**changes: object) -> str:
    data = {**VALID, **changes}
    return json.dumps({k: v for k, v in data.items() if v is not None})


def test_valid_file_with_blank_lines() -> None:
    questions = parse_questions(line() + "\n\n" + line(id="x-2") + "\n")
    assert [q.id for q in questions] == ["x-1", "x-2"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (line() + "\n{not json", ":2: not valid JSON"),
        ("[1, 2]", ":1: expected a JSON object"),
        (line(question=None), ":1: question: Field required"),
        (line(type="opinion"), ":1: type: Input should be"),
        (line(extra_field=1), ":1: extra_field: Extra inputs are not permitted"),
        (line() + "\n" + line(), ":2: duplicate id 'x-1' (first on line 1)"),
        (line(quotes=[]), "needs at least one quote and one source"),
        (line(type="unanswerable"), "unanswerable question must have no quotes"),
        (line(type="unanswerable", quotes=[], sources=[], key_facts=[], caveats=["x"]), "key_facts or caveats"),
        (line(type="followup"), "followup question needs a non-empty history"),
        (line(history=[{"role": "user", "content": "hi"}]), "history is only for followup"),
        (line(type="followup", history=[{"role": "bot", "content": "hi"}]), "history.0.role"),
        ("", "no questions"),
    ],
)
def test_errors_name_the_line_and_the_problem(text: str, message: str) -> None:
    with pytest.raises(QuestionFileError) as caught:
        parse_questions(text, "q.jsonl")
    assert message in str(caught.value)


def test_all_problems_reported_together() -> None:
    with pytest.raises(QuestionFileError) as caught:
        parse_questions(line(type="opinion") + "\n" + line(id="x-2", quotes=[]) + "\n{")
    assert [m.split(":")[1] for m in str(caught.value).splitlines()] == ["1", "2", "3"]


def test_check_quotes_flags_length_missing_file_and_absent_quote(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Pooled budgets were used by\n thirty-one of the thirty-eight schemes.", "utf-8")
    ok, short, absent, missing = parse_questions(
        "\n".join(
            [
                line(),
                line(id="s", quotes=["Pooled budgets were used"]),
                line(id="n", quotes=["Aligned budgets were used by three of the thirty-eight schemes."]),
                line(id="m", sources=["nowhere.txt"]),
            ]
        )
    )
    assert check_quotes([ok], tmp_path) == []
    assert "outside 40–200" in check_quotes([short], tmp_path)[0]
    assert "quote not found" in check_quotes([absent], tmp_path)[0]
    assert any("not a file" in p for p in check_quotes([missing], tmp_path))
    (kept,) = parse_questions(line(caveats=["thirty-one of the thirty- eight"]))
    (invented,) = parse_questions(line(caveats=["no rigorous evaluation"]))
    assert check_quotes([kept], tmp_path) == []
    assert "caveat not found" in check_quotes([invented], tmp_path)[0]


# the committed gold set


@pytest.fixture(scope="module")
def gold() -> list[Question]:
    if not QUESTIONS.exists():
        pytest.fail(f"{QUESTIONS} is missing: merge the partial question files into it")
    return load_questions(QUESTIONS)


def test_gold_set_quotes_are_verbatim_in_their_sources(gold: list[Question]) -> None:
    assert check_quotes(gold, CORPUS) == []


def test_gold_set_size_and_balance(gold: list[Question]) -> None:
    types = Counter(q.type for q in gold)
    assert len(gold) >= 80
    assert len({q.id for q in gold}) == len(gold)
    assert types["unanswerable"] >= 10
    assert sum(1 for q in gold if q.type == "followup" and q.history) >= 10


def test_every_report_has_at_least_eight_questions(gold: list[Question]) -> None:
    per_report = Counter(source for q in gold for source in set(q.sources))
    reports = sorted(p.name for p in CORPUS.glob("*.txt"))
    assert {r: per_report[r] for r in reports if per_report[r] < 8} == {}


def test_multi_part_set_is_valid_and_every_question_asks_more_than_one_thing() -> None:
    """evals/multipart.jsonl: quotes verbatim in their sources, two or more key facts (one per ask) each."""
    questions = load_questions(ROOT / "evals" / "multipart.jsonl")
    assert len(questions) >= 15 and check_quotes(questions, CORPUS) == []
    assert all(len(q.key_facts) >= 2 and q.answerable for q in questions)
