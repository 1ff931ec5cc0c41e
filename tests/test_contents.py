"""Contents lists: taken out of the text, kept as title → first page."""

from __future__ import annotations

from icassist.ingest.contents import drop_contents
from icassist.ingest.lines import split_lines


def test_contents_block_is_removed_and_its_entries_kept() -> None:
    lines, contents = drop_contents(
        split_lines("Contents\nSummary ..... 1\n6 Barriers to integrated care 29\nForeword iii\n\nBody text starts.\n")
    )
    assert [ln.text for ln in lines] == ["Body text starts."]
    assert contents == {"summary": "1", "barriers to integrated care": "29", "foreword": "iii"}


def test_stray_dotted_leader_lines_are_contents_entries_not_text() -> None:
    lines, contents = drop_contents(split_lines("Some prose here.\nAnnex A ........ 41\nMore prose.\n"))
    assert [ln.text for ln in lines] == ["Some prose here.", "More prose."]
    assert contents == {"annex a": "41"}


def test_a_line_called_contents_without_entries_stays() -> None:
    lines, contents = drop_contents(split_lines("Contents\nof the pooled budget were agreed in advance by all.\n"))
    assert len(lines) == 2 and contents == {}
