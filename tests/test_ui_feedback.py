"""Feedback rows: one per answer, updated in place, readable with the question, answer and citations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from icassist.records import Answer, Chunk, Citation, Filters
from icassist.ui.feedback import list_feedback, save_feedback


def _answer() -> Answer:
    chunk = Chunk(
        chunk_id="kf:1",
        doc_id="kingsfund.txt",
        title="Clinical and service integration",
        authors=["Natasha Curry", "Chris Ham"],
        year=2010,
        section_path=["Torbay", "Impact"],
        char_start=0,
        char_end=61,
        text="Torbay had the lowest use of hospital bed days in the region.",
    )
    citation = Citation(
        n=1,
        chunk=chunk,
        quote="Torbay had the lowest use of hospital bed days in the region.",
        quote_end=61,
    )
    return Answer(question="Bed use in Torbay?", text="Torbay had the lowest use [1].", citations=[citation])


def test_missing_database_means_no_feedback(tmp_path: Path) -> None:
    assert list_feedback(tmp_path / "none.sqlite") == []


def test_rating_then_comment_update_one_row(tmp_path: Path) -> None:
    path = tmp_path / "data" / "feedback.sqlite"
    answer = _answer()
    save_feedback(path, "a1", answer, rating=0, filters=Filters(doc_ids=["kingsfund.txt"]))
    save_feedback(path, "a1", answer, rating=1, comment="  useful  ")
    [row] = list_feedback(path)
    assert (row.answer_id, row.rating, row.comment) == ("a1", 1, "useful")
    assert (row.question, row.answer, row.refused, row.answerer) == (answer.question, answer.text, False, "extractive")
    assert row.citations[0]["chunk"]["title"] == "Clinical and service integration"
    assert row.citations[0]["quote"].startswith("Torbay had")
    assert row.filters["doc_ids"] == ["kingsfund.txt"]
    assert row.created_at <= row.updated_at


def test_comment_without_rating_and_several_answers(tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite"
    save_feedback(path, "a1", _answer(), rating=None, comment="which page?")
    save_feedback(path, "a2", Answer(question="Japan?", text="The reports do not answer.", refused=True), rating=0)
    rows = {row.answer_id: row for row in list_feedback(path)}
    assert rows["a1"].rating is None and rows["a1"].comment == "which page?"
    assert rows["a2"].refused and rows["a2"].citations == []


def test_table_is_plain_sqlite(tmp_path: Path) -> None:
    """Staff can read it with any SQLite tool, so the documented columns are the real ones."""
    path = tmp_path / "feedback.sqlite"
    save_feedback(path, "a1", _answer(), rating=1)
    with sqlite3.connect(path) as connection:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(feedback)")]
    assert columns == [
        "answer_id",
        "created_at",
        "updated_at",
        "rating",
        "comment",
        "question",
        "answer",
        "refused",
        "answerer",
        "citations",
        "filters",
    ]
