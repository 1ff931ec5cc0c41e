"""The one reference format: every interface names a cited passage the same way, page or 'page unknown'."""

from icassist.records import Chunk
from icassist.references import authors_text, page_text, reference


def _chunk(**fields: object) -> Chunk:
    base: dict[str, object] = {"chunk_id": "c", "doc_id": "r.txt", "title": "Report", "char_start": 0, "char_end": 1}
    return Chunk(text="x", **(base | fields))  # type: ignore[arg-type]


def test_authors_are_joined_as_a_reader_writes_them() -> None:
    assert authors_text(["A"]) == "A"
    assert authors_text(["A", "B"]) == "A and B"
    assert authors_text(["A", "B", "C"]) == "A, B and C"


def test_page_range_and_unknown_page_are_said() -> None:
    assert page_text(_chunk(page_start="9")) == "p. 9"
    assert page_text(_chunk(page_start="9", page_end="12")) == "pp. 9–12"
    assert page_text(_chunk()) == "page unknown"


def test_reference_names_authors_year_title_section_and_page() -> None:
    chunk = _chunk(
        authors=["Natasha Curry", "Chris Ham"], year=2010, section_path=["Torbay", "Impact"], page_start="25"
    )
    assert reference(chunk) == "Natasha Curry and Chris Ham (2010). Report. Section Torbay › Impact; p. 25."
    assert reference(_chunk()) == "(n.d.). Report. Page unknown."


def test_a_page_from_the_contents_list_says_it_is_the_sections_range() -> None:
    assert (
        page_text(_chunk(page_start="9", page_end="20", page_source="contents")) == "section pp. 9–20 (contents list)"
    )
    assert page_text(_chunk(page_start="12", page_end="12", page_source="contents")) == "section p. 12 (contents list)"
    assert page_text(_chunk(page_start="55", page_source="contents")) == "section from p. 55 (contents list)"
