"""Headings: which lines are section titles and at what level (the section path a citation shows)."""

from __future__ import annotations

from icassist.ingest.headings import assign_levels, is_heading, join_wrapped_titles
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


def test_items_of_a_numbered_list_are_not_headings() -> None:
    """The CHE paper's inclusion criteria (corpus text): '4. English language' filed 111 chunks under itself."""
    criteria = (
        "INCLUSION CRITERIA\n\n1. Integrated resource mechanisms between health care and social care\n\n"
        "2. Mechanisms for allowing resources to follow patients between health and social care\n\n"
        "3. Published in or after 1999\n\n4. English language\n\n \n\nEXCLUSION CRITERIA\n\n"
        "1. Reports of systems from developing countries\n\n2. Clinician/dentists/patient payment reimbursement "
        "mechanisms\n\n3. Personalised budgets\n\n4. Integrated systems for children’s services\n\n"
    )
    annex = "2 mainstream trials were RCTs.\n1. Team Care Health II (TCHII) (p69)\n2. Coordinated Health Care (CHC)\n"
    raw = f"Methods\n\n{_PROSE}\n\n{criteria}{_PROSE}\n\n{annex}{_PROSE}\n\n1. Systems and policies\n\n{_PROSE}\n"
    titles = [text for _, text in _headings(raw)]
    assert not any(t[0].isdigit() for t in titles[:-1]), titles
    assert titles[-1] == "1. Systems and policies", "a numbered heading with text around it is still one"


def test_a_title_wrapped_over_lines_is_one_heading_when_the_contents_list_names_it() -> None:
    """The Monitor annex text: section titles printed over two or three short lines, each alone no heading."""
    contents = {"what is meant by integrated care": "15", "recommendations for monitor s roles": "55"}
    raw = (
        f"{_PROSE}\n\n 4. What is meant by \n\n‘integrated care’? \n\n{_PROSE}\n\n"
        f" 8. Recommendations for \n\nMonitor’s role \n\n{_PROSE}\n\n"
        " Annexe – examples of \n\nintegrated care from \n\nliterature \n\n Specialist care (1): Geisenger \n\n"
        f"{_PROSE}\n\n 5. Benefits of \n\n{_PROSE}\n"
    )
    lines = join_wrapped_titles(strip_markup(split_lines(raw), False), contents)
    units = build_units(lines, False)
    assign_levels(units, contents)
    headings = [(u.level, u.text) for u in units if u.kind == "heading"]
    assert headings[:3] == [
        (1, "4. What is meant by ‘integrated care’?"),
        (1, "8. Recommendations for Monitor’s role"),
        (1, "Annexe – examples of integrated care from literature"),
    ]
    assert not any("Benefits of" in text for _, text in headings), "no listed title: the lines stay as they are"


def test_a_numbered_list_restarting_inside_a_section_is_not_the_report_numbering() -> None:
    """The HRB review's ICT barriers (corpus headings): '3. Clinicians and end users' inside section 2 had been
    taken for section 3, which pushed the real '3. Question 3' and '4. Question 4' below it."""
    titles = [
        "2. Question 2",
        "1. Systems and policies",
        "2. Organisation and management",
        "3. Clinicians and end users",
        "4. Patients and the public",
        "3. Question 3",
        "4. Question 4",
    ]
    raw = "".join(f"{title}\n\n{_PROSE}\n\n" for title in titles)
    assert _headings(raw) == [(1, titles[0]), *((2, t) for t in titles[1:5]), (1, titles[5]), (1, titles[6])]


def test_an_executive_summary_keeps_its_own_introduction_and_the_body_its_imrad_sections() -> None:
    """The CHE paper (corpus headings, no contents list): its summary has Introduction/Methods/Results, its body
    Introduction/Methods/Results/Discussion as plain lines; the body's were filed under its Introduction."""
    titles = ["Executive summary", "Introduction", "Methods", "Results", "Introduction", "Methods", "Discussion"]
    raw = "".join(f"{title}\n\n" + ("" if i == 0 else f"{_PROSE}\n\n") for i, title in enumerate(titles))
    assert [level for level, _ in _headings(raw)] == [1, 2, 2, 2, 1, 1, 1]
