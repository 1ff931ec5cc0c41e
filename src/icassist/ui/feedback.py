"""Answer feedback kept in SQLite, so staff ratings can be reviewed later against the exact answer and sources.

Table ``feedback`` (one row per answer shown; rating again or adding a comment updates the same row):

==============  ========  ===========================================================================
column          type      meaning
==============  ========  ===========================================================================
answer_id       TEXT PK   Random id the app gives each answer it shows.
created_at      TEXT      First save, UTC ISO 8601.
updated_at      TEXT      Last change, UTC ISO 8601.
rating          INTEGER   1 thumbs up, 0 thumbs down, NULL if only a comment was left.
comment         TEXT      Free-text comment, '' if none.
question        TEXT      The question as asked.
answer          TEXT      The answer text as shown, with its [n] markers.
refused         INTEGER   1 if the reports were taken not to answer.
answerer        TEXT      'extractive' or the generative model's description.
citations       TEXT      JSON list of the answer's citations (records.Citation fields).
filters         TEXT      JSON of the filters in force (records.Filters fields).
==============  ========  ===========================================================================

Read it with ``list_feedback(path)`` or ``sqlite3 data/feedback.sqlite 'select * from feedback'``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from icassist.records import Answer, Filters

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    answer_id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    rating INTEGER CHECK (rating IN (0, 1)),
    comment TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    refused INTEGER NOT NULL,
    answerer TEXT NOT NULL,
    citations TEXT NOT NULL,
    filters TEXT NOT NULL
)
"""

_UPSERT = """
INSERT INTO feedback (answer_id, created_at, updated_at, rating, comment, question, answer, refused, answerer,
                      citations, filters)
VALUES (:answer_id, :now, :now, :rating, :comment, :question, :answer, :refused, :answerer, :citations, :filters)
ON CONFLICT (answer_id) DO UPDATE SET updated_at = :now, rating = :rating, comment = :comment
"""


@dataclass(frozen=True)
class FeedbackRow:
    answer_id: str
    created_at: str
    updated_at: str
    rating: int | None
    comment: str
    question: str
    answer: str
    refused: bool
    answerer: str
    citations: list[dict[str, object]]
    filters: dict[str, object]


@contextmanager
def _connect(path: Path) -> Iterator[sqlite3.Connection]:
    """A short-lived connection per call: several browser sessions may write at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path, timeout=10)) as connection, connection:
        connection.execute(_SCHEMA)
        yield connection


def save_feedback(
    path: Path,
    answer_id: str,
    answer: Answer,
    *,
    rating: int | None,
    comment: str = "",
    filters: Filters | None = None,
) -> None:
    """Insert or update the row for this answer; the question, answer and citations are written once."""
    with _connect(path) as connection:
        connection.execute(
            _UPSERT,
            {
                "answer_id": answer_id,
                "now": datetime.now(UTC).isoformat(timespec="seconds"),
                "rating": rating,
                "comment": comment.strip(),
                "question": answer.question,
                "answer": answer.text,
                "refused": int(answer.refused),
                "answerer": answer.answerer,
                "citations": json.dumps([c.model_dump() for c in answer.citations], ensure_ascii=False),
                "filters": (filters or Filters()).model_dump_json(),
            },
        )


def list_feedback(path: Path) -> list[FeedbackRow]:
    """Every feedback row, newest change first; an absent database means no feedback yet."""
    if not Path(path).exists():
        return []
    with _connect(Path(path)) as connection:
        connection.row_factory = sqlite3.Row
        rows = connection.execute("SELECT * FROM feedback ORDER BY updated_at DESC, created_at DESC").fetchall()
    return [
        FeedbackRow(
            answer_id=row["answer_id"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            rating=row["rating"],
            comment=row["comment"],
            question=row["question"],
            answer=row["answer"],
            refused=bool(row["refused"]),
            answerer=row["answerer"],
            citations=json.loads(row["citations"]),
            filters=json.loads(row["filters"]),
        )
        for row in rows
    ]
