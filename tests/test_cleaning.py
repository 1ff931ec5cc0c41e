"""Cleaning against real excerpts of each corpus file kind (tests/fixtures/cleaning_*.txt are copied corpus lines)."""

from __future__ import annotations

from pathlib import Path

from icassist.ingest.cleaning import Cleaned, clean, clean_pages

FIXTURES = Path(__file__).parent / "fixtures"


def _clean(name: str) -> Cleaned:
    return clean((FIXTURES / f"cleaning_{name}.txt").read_text(encoding="utf-8"))


def page_of(cleaned: Cleaned, phrase: str) -> str | None:
    at = cleaned.text.index(phrase)
    return next((p.page for p in cleaned.pages if p.start <= at < p.end), None)


def titles(cleaned: Cleaned) -> list[str]:
    return [h.title for h in cleaned.headings]


def test_che_running_headers_give_pages_and_are_stripped() -> None:
    c = _clean("che")
    assert "CHE Research Paper 97" not in c.text
    assert "an evidence review 9" not in c.text and "an evidence review 13" not in c.text
    # headers: the page starts at the header line
    assert page_of(c, "In England, the sharp demarcation") == "1"
    assert page_of(c, "on data collected as part of a prospective study") == "9"
    assert page_of(c, "discharges accelerated after the legislation") == "13"
    assert page_of(c, "Records screened (n = 2500)") == "8"
    assert page_of(c, "provider in the US [80]") == "62"


def test_che_glossary_lines_stay_one_per_line_and_wrapped_entries_join() -> None:
    c = _clean("che")
    lines = c.text.splitlines()
    assert "ACT Australian Capital Territory" in lines
    assert "ADL Activities of daily living, an instrument to measure functional status" in lines
    assert "CCG Clinical Commissioning Group" in lines
    assert (
        "CCT1, CCT2 Co-ordinated Care Trials [Australia ]; two sets of integrated care experiments "
        "undertaken in the 1990s and 2000s"
    ) in lines
    assert not any(t.startswith(("ACT ", "ADL ", "CMHT ")) for t in titles(c))


def test_che_hard_wrapped_lines_join_into_paragraphs_with_spaces() -> None:
    c = _clean("che")
    assert "the care system has evolved on the assumption that people who are ‘sick’" in c.text.lower()
    assert "a good chance that co-ordinated care “reveals rather than resolves” unmet need [84, 85]." in c.text
    assert "Introduction" in titles(c) and "Policy response" in titles(c)
    assert "  " not in c.text


def test_che_hyphenation_keeps_real_hyphens() -> None:
    c = _clean("che")
    assert "Also known as ‘non-equivalent group’ studies" in c.text


def test_hrb_bare_page_number_footers() -> None:
    c = _clean("hrb")
    assert "\n59\n" not in c.text and "\n61\n" not in c.text
    # footers: the page ends at the footer line
    assert page_of(c, "partners, and may encompass the integration of services as well as professionals") == "59"
    assert page_of(c, "A further step in ambition is that of a ‘managed care network’") == "60"
    assert page_of(c, "Glasby et al.:4") == "62"


def test_hrb_list_items_stay_on_their_own_lines() -> None:
    c = _clean("hrb")
    lines = c.text.splitlines()
    assert "- Building shared values and principles" in lines
    assert "- Agreeing specific policy shifts" in lines


def test_monitor_footers_oriented_by_the_contents_list() -> None:
    c = _clean("monitor")
    assert "Frontier Economics 3" not in c.text and "Frontier Economics 38" not in c.text
    assert page_of(c, "A report prepared for Monitor") == "2"
    # contents says 'Introduction ... 4' and it follows the 'Frontier Economics 3' line: footers
    assert page_of(c, "1. Introduction") == "4"
    assert page_of(c, "Cancer pathway (lung cancer suspected)") == "38"
    assert page_of(c, "The main barrier to integrated care is information") == "39"


def test_monitor_contents_dropped_and_double_spaced_lines_joined() -> None:
    c = _clean("monitor")
    assert "Methods and Process" not in c.text  # contents entry
    assert (
        "A consortium, led by Frontier Economics, and including The King’s Fund, The Nuffield Trust and Ernst & Young, "
        "was appointed by Monitor to consider issues relating to the delivery of integrated care."
    ) in c.text
    assert c.headings[0].title == "1. Introduction" and c.headings[0].level == 1
    assert titles(c).count("Introduction") == 0  # the title printed again under the number is not a second heading
    heading = next(h for h in c.headings if h.title == "Objectives of this report")
    assert heading.level == 2 and c.text[heading.start :].startswith("Objectives of this report")


def test_kingsfund_paragraph_lines_and_short_title_headings() -> None:
    c = _clean("kingsfund")
    assert "Executive summary" in titles(c)
    assert "Definitions and forms of integration" in titles(c)
    assert "Typologies of integration" in titles(c)
    assert "About the authors and acknowledgements" not in c.text  # contents block
    assert "Lewis et al (2010)" in c.text and "*" not in c.text
    assert not any(t.startswith("Figure") or t.startswith("Source") for t in titles(c))


def test_csu_markdown_headings_levels_and_markup_removed() -> None:
    c = _clean("csu")
    for marker in ("**", "<b>", "# ", "---", "....."):
        assert marker not in c.text
    levels = {h.title: h.level for h in c.headings}
    assert (
        levels["Introduction"] == 1 and levels["Context"] == 2 and levels["Taxonomies and conceptual frameworks"] == 2
    )
    assert "Contents" not in levels and "References" not in levels  # contents block is not headings
    assert "- The breadth of integration (vertical or horizontal);" in c.text.splitlines()
    assert not c.pages


def test_clean_pages_strips_repeated_furniture_and_keeps_labels() -> None:
    pages = [
        (label, f"Integrated care report\n{body}\nPage {n} of 3")
        for n, (label, body) in enumerate(
            [("i", "Alpha text on the first page."), ("1", "Beta text on the second page."), ("2", "Gamma text.")],
            start=1,
        )
    ]
    c = clean_pages(pages)
    assert "Integrated care report" not in c.text and "Page 2 of 3" not in c.text
    assert [(p.page, c.text[p.start : p.end]) for p in c.pages] == [
        ("i", "Alpha text on the first page."),
        ("1", "Beta text on the second page."),
        ("2", "Gamma text."),
    ]
