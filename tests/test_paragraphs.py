"""Paragraph reading: wrapped lines join with a space or a mended hyphen, never glued; rows and items stand alone."""

from __future__ import annotations

import pytest

from icassist.ingest.lines import split_lines, strip_markup
from icassist.ingest.paragraphs import build_units


def _units(raw: str) -> list[tuple[str, str]]:
    return [(u.kind, u.text) for u in build_units(strip_markup(split_lines(raw), False), False)]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Partners achieved better integra-\ntion of services. Integration matters.\n", "better integration of"),
        ("Their sense of well-\nbeing improved a great deal over the two years of the study period.\n", "well-being"),
        ("The review of sup-\nport for carers showed that integrated support helps.\n", "review of support"),
    ],
)
def test_hyphenation(raw: str, expected: str) -> None:
    assert expected in _units(raw)[0][1]


def test_line_breaks_become_spaces_never_glue() -> None:
    raw = (
        "The Department of Health commissioned the Health Research Board to undertake two reviews of the\n"
        "international evidence in relation to mechanisms.\n"
    )
    assert _units(raw) == [
        (
            "text",
            "The Department of Health commissioned the Health Research Board to undertake two reviews of the "
            "international evidence in relation to mechanisms.",
        )
    ]


def test_rows_items_and_captions_are_their_own_blocks() -> None:
    raw = (
        "A sentence that is long enough to be a paragraph line and ends with a colon:\n"
        "- first point of the list\n"
        "Programme\tCountry\n"
        "Table 2 Outcomes by site\n"
    )
    assert [kind for kind, _ in _units(raw)] == ["text", "item", "row", "line"]


def test_a_line_starting_lower_case_carries_on_the_sentence() -> None:
    raw = "Integrated teams were set up in five\nlocalities across the county.\n"
    assert _units(raw) == [("text", "Integrated teams were set up in five localities across the county.")]
