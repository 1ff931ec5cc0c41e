"""Chunk boundaries, sizes, offsets and pages; sentence splitting."""

from __future__ import annotations

import pytest

from icassist.ingest.chunking import chunk_document, is_bibliography_heading
from icassist.records import Chunk, Heading, PageSpan, ParsedDocument, SourceMeta
from icassist.settings import ChunkSettings
from tests.conftest import CHE, CSU, HRB, KINGSFUND, MONITOR

SETTINGS = ChunkSettings(min_words=40, target_words=60, max_words=90)


def _sentences(n: int, topic: str) -> str:
    return " ".join(f"Sentence {i} about {topic} explains how partners share budgets and staff." for i in range(n))


def _layout(parts: list[tuple[int, str, str]]) -> tuple[str, list[Heading]]:
    """A report's text from (level, heading, body) parts, with each heading's offset."""
    text, headings = "", []
    for level, title, body in parts:
        if text:
            text += "\n\n"
        headings.append(Heading(level=level, title=title, start=len(text)))
        text += f"{title}\n\n{body}"
    return text, headings


def _doc() -> ParsedDocument:
    """Headings: 1 Intro (long) › 1.1 Short A › 1.2 Short B; 2 Benefits (long); References."""
    parts: list[tuple[int, str, str]] = [
        (1, "1 Introduction", _sentences(20, "integration")),
        (2, "1.1 Short part", "A short note on scope. It has two sentences."),
        (2, "1.2 Another short part", "Another brief note on methods used in the review of schemes."),
        (1, "2 Benefits of integrated care", _sentences(14, "benefits")),
        (1, "References", "Ham C, Curry N (2010). Clinical and service integration. London: The King's Fund."),
    ]
    text, headings = _layout(parts)
    half = len(text) // 2
    pages = [PageSpan(page="1", start=0, end=half), PageSpan(page="2", start=half, end=len(text))]
    meta = SourceMeta(doc_id="doc.txt", title="A report", authors=["A Author"], year=2014)
    return ParsedDocument(meta=meta, text=text, pages=pages, headings=headings, file_hash="0" * 64)


def test_offsets_sizes_ids_and_metadata() -> None:
    doc = _doc()
    chunks = chunk_document(doc, SETTINGS, tag=lambda text, _: ["torbay"] if "benefits" in text else [])
    assert chunks
    for c in chunks:
        assert doc.text[c.char_start : c.char_end] == c.text
        assert len(c.text.split()) <= SETTINGS.max_words
        assert c.embed_text == f"A report\n{' › '.join(c.section_path)}\n\n{c.text}"
        assert c.chunk_id.startswith(f"doc.txt:{c.char_start}:") and c.chunk_id.endswith(c.content_hash[:12])
        assert (c.title, c.authors, c.year) == ("A report", ["A Author"], 2014)
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    assert any(c.programmes == ["torbay"] for c in chunks)


def test_chunks_stay_inside_sections_and_end_on_sentences() -> None:
    doc = _doc()
    chunks = chunk_document(doc, SETTINGS)
    for c in chunks:
        assert not ("integration explains" in c.text and "benefits explains" in c.text)
        assert c.text.rstrip().endswith(".")
    benefits = [c for c in chunks if c.section_path == ["2 Benefits of integrated care"]]
    assert benefits and all(SETTINGS.min_words <= len(c.text.split()) for c in benefits)


def test_short_sections_merge_with_next_in_same_parent() -> None:
    chunks = chunk_document(_doc(), SETTINGS)
    merged = [c for c in chunks if "A short note on scope" in c.text]
    assert len(merged) == 1
    assert "Another brief note on methods" in merged[0].text
    assert merged[0].section_path == ["1 Introduction", "1.1 Short part"]


def test_bibliography_excluded_by_default_and_kept_on_request() -> None:
    doc = _doc()
    assert not any("Clinical and service integration" in c.text for c in chunk_document(doc, SETTINGS))
    kept = chunk_document(doc, SETTINGS, exclude_bibliography=False)
    assert any(c.section_path == ["References"] for c in kept)
    assert is_bibliography_heading("References") and is_bibliography_heading("7. Bibliography")
    assert not is_bibliography_heading("References to integrated care in policy")


def test_page_ranges_from_spans() -> None:
    doc = _doc()
    chunks = chunk_document(doc, SETTINGS)
    half = doc.pages[0].end
    assert chunks[0].page_start == "1"
    assert chunks[-1].page_end == "2"
    straddling = [c for c in chunks if c.char_start < half < c.char_end]
    assert all(c.page_label == "1–2" for c in straddling)


def test_overlong_sentence_is_cut_under_max_words() -> None:
    text = "Table\n\n" + " ".join(f"cell{i}" for i in range(250))
    doc = ParsedDocument(
        meta=SourceMeta(doc_id="t.txt", title="T"),
        text=text,
        headings=[Heading(level=1, title="Table", start=0)],
        file_hash="x",
    )
    chunks = chunk_document(doc, SETTINGS)
    assert len(chunks) >= 3 and all(len(c.text.split()) <= SETTINGS.max_words for c in chunks)


def test_findings_filed_under_a_references_label_are_kept() -> None:
    """The Monitor annex prints a case study's results after its 'References' label."""
    findings = (
        "Cost: Payment by Results savings in excess of £600,000 a year were reported by the trust. "
        "Patient experience: 90% of early supported discharges had a full assessment with their carer. "
    ) * 3
    text = f"Case study\n{findings}\nReferences\n{findings}\nNext case\n{findings}"
    doc = ParsedDocument(
        meta=SourceMeta(doc_id="annex.txt", title="Annex"),
        text=text,
        headings=[
            Heading(level=1, title="Case study", start=0),
            Heading(level=1, title="References", start=text.index("References")),
            Heading(level=1, title="Next case", start=text.index("Next case")),
        ],
        file_hash="x",
    )
    kept = chunk_document(doc, ChunkSettings(min_words=5, target_words=40, max_words=60))
    assert any(c.section_path == ["References"] for c in kept)


LISTED = {"definitions and forms of integration": "3", "macro level integration": "9", "meso level integration": "21"}


def _contents_doc(contents: dict[str, str] = LISTED, macro_sentences: int = 6) -> ParsedDocument:
    """Three listed sections (pp. 3, 9, 21) and one the contents list does not name, below the second."""
    parts = [
        (1, "Definitions and forms of integration", _sentences(6, "definitions")),
        (1, "Macro-level integration", _sentences(macro_sentences, "systems")),
        (2, "Kaiser Permanente", _sentences(6, "Kaiser")),
        (1, "Meso-level integration", _sentences(6, "networks")),
    ]
    text, headings = _layout(parts)
    meta = SourceMeta(doc_id="kf.txt", title="A report")
    return ParsedDocument(meta=meta, text=text, headings=headings, contents=contents, file_hash="0" * 64)


def test_a_chunk_without_a_page_mark_gets_its_sections_range_from_the_contents_list() -> None:
    chunks = chunk_document(_contents_doc(), SETTINGS)
    by_section = {c.section: (c.page_start, c.page_end, c.page_source) for c in chunks}
    assert by_section["Definitions and forms of integration"] == ("3", "8", "contents")
    assert by_section["Macro-level integration › Kaiser Permanente"] == ("9", "20", "contents")  # the listed parent
    assert by_section["Meso-level integration"] == ("21", None, "contents")  # the last listed: open-ended


def test_a_printed_page_beats_the_contents_range() -> None:
    doc = _contents_doc()
    doc.pages = [PageSpan(page="4", start=0, end=len(doc.text))]
    assert {(c.page_start, c.page_source) for c in chunk_document(doc, SETTINGS)} == {("4", "printed")}


def test_a_range_too_small_for_its_words_is_dropped_rather_than_shown() -> None:
    one_page = LISTED | {"meso level integration": "9"}  # macro: p. 9 alone, but ~1,300 words under it
    chunks = chunk_document(_contents_doc(one_page, macro_sentences=100), SETTINGS)
    macro = [c for c in chunks if c.section.startswith("Macro-level")]
    assert macro and all(c.page_start is None and c.page_source is None for c in macro)
    assert any(c.page_source == "contents" for c in chunks if c.section.startswith("Definitions"))


@pytest.mark.parametrize(
    ("report", "passage", "section", "pages", "source"),
    [
        # picked by hand; sections and pages checked against each report's own headings, headers and contents list
        (
            KINGSFUND,
            "from 750 in 1998/99 to 528",
            ["Meso-level integration", "Torbay", "Impact"],
            ("21", "32"),
            "contents",
        ),
        (
            MONITOR,
            "Integrated care seeks to improve quality and cost effectiveness",
            ["4. What is meant by ‘integrated care’?"],
            ("15", "19"),
            "contents",
        ),
        (
            MONITOR,
            "Geisenger is a vertically integrated",
            ["Annexe – examples of integrated care from literature"],
            ("65", None),
            "contents",
        ),
        (
            CHE,
            "did not appear to have reduced use of acute hospitals",
            ["Results", "Description of IRM categories", "Service use and costs"],
            ("13", "13"),
            "printed",
        ),
        (
            CSU,
            "single narrative",
            ["Lessons for successful integration", "Learning from practice and experience"],
            ("23", "30"),
            "contents",
        ),
        # the contents list names this sub-section 'The evidence base for effectiveness': the range is its parent's
        (
            CSU,
            "Reductions in emergency admissions were not demonstrated",
            ["Reported outcomes", "Effectiveness"],
            ("10", "13"),
            "contents",
        ),
        (HRB, "saved approximately £250,000", ["2. Question 2", "Torbay Care Trust (England)"], (None, None), None),
    ],
)
def test_hand_picked_passages_carry_their_section_and_page(
    real_chunks: dict[str, list[Chunk]],
    report: str,
    passage: str,
    section: list[str],
    pages: tuple[str | None, str | None],
    source: str | None,
) -> None:
    """The HRB text keeps a page number on 6 pages only (19 before this passage, 59 after) and has no contents
    list: the passage's page is unknown, not guessed."""
    chunk = next(c for c in real_chunks[report] if passage in c.text)
    assert chunk.section_path == section
    assert (chunk.page_start, chunk.page_end, chunk.page_source) == (*pages, source)
