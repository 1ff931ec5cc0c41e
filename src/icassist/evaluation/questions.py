"""Gold question files (JSON lines): loading with line-numbered errors, and checking quotes against the corpus.

Every problem in a file is collected before raising, so a colleague fixing a file sees all of them at once.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from icassist.records import Turn
from icassist.text import fold

QuestionType = Literal[
    "fact", "number", "case_study", "definition", "comparison", "synthesis", "unanswerable", "followup"
]
QUOTE_MIN_CHARS = 40
QUOTE_MAX_CHARS = 200


class QuestionFileError(ValueError):
    """A question file that cannot be used; the message lists every problem as `path:line: what`."""


class Question(BaseModel):
    """One gold question: what is asked, what a good answer says, and where the reports say it."""

    model_config = ConfigDict(extra="forbid")

    id: str
    question: str
    type: QuestionType
    answer: str
    key_facts: list[str] = []
    caveats: list[str] = Field(
        default=[],
        description="What qualifies the answer (a missing cost analysis, no rigorous evaluation): must be kept.",
    )
    sources: list[str] = []
    quotes: list[str] = []
    history: list[Turn] = []

    @property
    def answerable(self) -> bool:
        return self.type != "unanswerable"

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        if not self.id.strip() or not self.question.strip():
            raise ValueError("id and question must not be empty")
        if self.answerable and not (self.quotes and self.sources):
            raise ValueError(f"a {self.type} question needs at least one quote and one source")
        if not self.answerable and (self.quotes or self.sources or self.key_facts or self.caveats):
            raise ValueError("an unanswerable question must have no quotes, sources, key_facts or caveats")
        if self.type == "followup" and not self.history:
            raise ValueError("a followup question needs a non-empty history")
        if self.type != "followup" and self.history:
            raise ValueError("history is only for followup questions")
        return self


def parse_questions(text: str, origin: str = "<questions>") -> list[Question]:
    """Parse JSON lines; blank lines are skipped; raises QuestionFileError naming every bad line."""
    questions: list[Question] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{origin}:{line_no}: not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(data, dict):
            problems.append(f"{origin}:{line_no}: expected a JSON object, got {type(data).__name__}")
            continue
        try:
            question = Question.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                where = ".".join(str(part) for part in error["loc"])
                problems.append(f"{origin}:{line_no}: {where + ': ' if where else ''}{error['msg']}")
            continue
        if question.id in seen:
            problems.append(f"{origin}:{line_no}: duplicate id {question.id!r} (first on line {seen[question.id]})")
            continue
        seen[question.id] = line_no
        questions.append(question)
    if problems:
        raise QuestionFileError("\n".join(problems))
    if not questions:
        raise QuestionFileError(f"{origin}: no questions")
    return questions


def load_questions(path: Path) -> list[Question]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionFileError(f"{path}: cannot read ({exc})") from exc
    return parse_questions(text, str(path))


def check_quotes(questions: list[Question], corpus_dir: Path) -> list[str]:
    """Problems with gold quotes and caveats: wrong length, unknown source, or not in a source (folded)."""
    texts: dict[str, str] = {}
    problems: list[str] = []
    for question in questions:
        for source in question.sources:
            if source not in texts:
                path = corpus_dir / source
                if not path.is_file():
                    problems.append(f"{question.id}: source {source!r} is not a file in {corpus_dir}")
                    texts[source] = ""
                    continue
                texts[source] = fold(path.read_text(encoding="utf-8"))
        for quote in question.quotes:
            if not QUOTE_MIN_CHARS <= len(quote) <= QUOTE_MAX_CHARS:
                problems.append(
                    f"{question.id}: quote has {len(quote)} chars, outside {QUOTE_MIN_CHARS}–{QUOTE_MAX_CHARS}: "
                    f"{quote[:60]!r}"
                )
            if not any(fold(quote) in texts.get(source, "") for source in question.sources):
                problems.append(f"{question.id}: quote not found in {question.sources}: {quote[:80]!r}")
        for caveat in question.caveats:
            if not any(fold(caveat) in texts.get(source, "") for source in question.sources):
                problems.append(f"{question.id}: caveat not found in {question.sources}: {caveat[:80]!r}")
    return problems
