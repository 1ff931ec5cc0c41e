"""Headings: which lines are section titles and at what level (the section path a citation shows)."""

from __future__ import annotations

from icassist.ingest.headings import assign_levels, is_heading
from icassist.ingest.lines import split_lines, strip_markup
from icassist.ingest.paragraphs import build_units

_PROSE = "Integrated care has been linked with fewer emergency admissions in several evaluations of schemes."


def _headings(raw: str, contents: dict[str, str] | None = None) -> list[tuple[int, str]]:
    units = build_units(strip_markup(split_lines(raw), False), False)
    assign_levels(units, contents or {})
    return [(u.level, u.text) for u in units if u.kind == "heading"]


def test_numbered_headings_and_sentences_are_not_headings() -> None:
    raw = (
        f"{_PROSE}\n\n5 Benefits of integrated care\n\n{_PROSE}\n\n5.2 Pooled budgets\n\n{_PROSE}\n\n"
        "This is a sentence.\n\nShort line\nthat continues the sentence without being a heading at all in the source.\n"
    )
    assert _headings(raw) == [(1, "5 Benefits of integrated care"), (2, "5.2 Pooled budgets")]


def test_a_numbered_list_inside_a_section_sits_below_it() -> None:
    raw = f"3 Methods\n\n{_PROSE}\n\n1 English language\n\n{_PROSE}\n\n4 Results\n\n{_PROSE}\n"
    assert _headings(raw) == [(1, "3 Methods"), (2, "1 English language"), (1, "4 Results")]


def test_contents_entries_are_top_level_and_other_titles_sit_below() -> None:
    raw = f"Macro-level integration\n\n{_PROSE}\n\nTorbay care trust\n\n{_PROSE}\n"
    contents = {"macro level integration": "9"}
    assert _headings(raw, contents) == [(1, "Macro-level integration"), (2, "Torbay care trust")]


def test_a_line_that_wraps_the_previous_sentence_is_not_a_heading() -> None:
    lines = split_lines(f"Opening words of a sentence\nShort title line\n\n{_PROSE}\n")
    assert is_heading(lines[1], None, lines[2:], 90, wraps=False)
    assert not is_heading(lines[1], None, lines[2:], 90, wraps=True)
