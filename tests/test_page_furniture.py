"""Page furniture: running headers and page-number lines become page labels and leave the text."""

from __future__ import annotations

from icassist.ingest.lines import Line, split_lines
from icassist.ingest.page_furniture import assign_pages, mark_furniture, repeated_edge_lines


def _paged(raw: str, contents: dict[str, str] | None = None) -> list[Line]:
    lines = split_lines(raw)
    mark_furniture(lines)
    return assign_pages(lines, contents or {})


def test_running_headers_label_the_lines_of_their_pages_and_are_removed() -> None:
    raw = "\n\n".join(f"Integrating funds {n}\n\nText of page {n} that runs on.\nMore of page {n}." for n in (3, 4, 5))
    lines = _paged(raw)
    expected = [(text, str(n)) for n in (3, 4, 5) for text in (f"Text of page {n} that runs on.", f"More of page {n}.")]
    assert [(ln.text, ln.page) for ln in lines] == expected


def test_bare_numbers_are_footers_only_when_isolated_and_increasing() -> None:
    raw = "Body one.\n\n\n7\n\n\nBody two.\n\n\n8\n\n\nBody three with 12 in it.\n\n\n5\n\n\nEnd."
    lines = _paged(raw)
    assert "7" not in [ln.text for ln in lines] and "8" not in [ln.text for ln in lines]
    assert "5" in [ln.text for ln in lines]  # breaks the increasing chain: a table cell, not a page
    assert [ln.page for ln in lines if ln.text == "Body two."] == ["8"]


def test_the_contents_list_orients_markers_as_headers() -> None:
    raw = "Annual report 2\n\nMethods\n\nWe searched.\n\nAnnual report 3\n\nResults\n\nWe found."
    lines = _paged(raw, {"results": "3"})
    assert [(ln.text, ln.page) for ln in lines if ln.text in ("Results", "We found.")] == [
        ("Results", "3"),
        ("We found.", "3"),
    ]


def test_roman_front_matter_keeps_roman_labels() -> None:
    lines = _paged("Report ii\n\nForeword text.\n\nReport iii\n\nMore foreword.")
    assert [ln.page for ln in lines] == ["ii", "iii"]


def test_repeated_edge_lines_need_three_pages() -> None:
    pages = [split_lines(f"Integrated care report\nBody {n}.\nPage {n} of 3") for n in (1, 2, 3)]
    assert repeated_edge_lines(pages) >= {"integrated care report", "page # of #"}
    assert repeated_edge_lines(pages[:2]) == set()
