"""Conversation export: answers with conversation-wide [n] numbers and one escaped reference list."""

from __future__ import annotations

from datetime import UTC, datetime

from icassist.records import Answer, Chunk, Citation, Passage
from icassist.ui.export import conversation_markdown

NOW = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)


def _citation(
    n: int,
    chunk_id: str,
    title: str,
    *,
    quote: str = "A quote.",
    section: str = "",
    page: str | None = None,
    authors: tuple[str, ...] = (),
    year: int | None = None,
) -> Citation:
    chunk = Chunk(
        chunk_id=chunk_id,
        doc_id="r.txt",
        title=title,
        authors=list(authors),
        year=year,
        section_path=[section] if section else [],
        page_start=page,
        char_start=0,
        char_end=7,
        text="passage",
    )
    return Citation(n=n, chunk=chunk, quote=quote)


def _chunk(title: str) -> Chunk:
    return Chunk(
        chunk_id="c9",
        doc_id="r.txt",
        title=title,
        year=2014,
        section_path=["Case studies", "Japan"],
        page_start="12",
        char_start=0,
        char_end=5,
        text="text",
    )


def test_markers_renumbered_across_the_conversation_with_shared_references() -> None:
    first = Answer(
        question="q1",
        text="Beds fell [1]. Stays shortened [2].",
        citations=[
            _citation(
                1, "a", "Report A", authors=("Natasha Curry", "Chris Ham"), year=2010, section="Torbay", page="25"
            ),
            _citation(2, "b", "Report B", authors=("A", "B", "C")),
        ],
    )
    second = Answer(
        question="q2",
        text="Again beds fell [1]. New point [2].",
        citations=[
            _citation(1, "b", "Report B", authors=("A", "B", "C")),
            _citation(2, "c", "Report C"),
        ],
    )
    exported = conversation_markdown([("Bed use?", first, None), ("More?", second, None)], now=NOW)
    assert exported.startswith("# icassist conversation\n\nExported 2026-01-02 03:04 UTC.")
    assert "## 1. Bed use?\n\nBeds fell [1]. Stays shortened [2]." in exported
    assert "## 2. More?\n\nAgain beds fell [2]. New point [3]." in exported
    references = exported.split("## References\n\n")[1].splitlines()
    assert references == [
        "1. Natasha Curry and Chris Ham \\(2010\\). Report A. Section Torbay; p. 25. Quoted: “A quote.”",
        "2. A, B and C \\(n.d.\\). Report B. Page unknown. Quoted: “A quote.”",
        "3. \\(n.d.\\). Report C. Page unknown. Quoted: “A quote.”",
    ]


def test_refusal_lists_closest_evidence_and_notices() -> None:
    refusal = Answer(
        question="Japan?",
        text="The reports do not answer this question.",
        refused=True,
        notices=["The reports never mention 'Japan'."],
        retrieved=[Passage(chunk=_chunk("Report D"), score=0.1)],
    )
    exported = conversation_markdown([("Japan?", refusal, None)], now=NOW)
    assert "> Note: The reports never mention 'Japan'." in exported
    assert (
        "Closest evidence (not an answer):\n\n1. \\(2014\\). Report D. Section Case studies › Japan; p. 12." in exported
    )
    assert "## References" not in exported


def test_report_and_user_text_cannot_inject_markup() -> None:
    evil = "<script>alert(1)</script> see [click](http://evil) ![img](x.png) **bold**"
    answer = Answer(
        question=evil,
        text=f"{evil} [1]",
        citations=[_citation(1, "a", evil, quote=evil, section="# Heading\n\n    code")],
    )
    exported = conversation_markdown([(evil, answer, None)], now=NOW)
    for line in exported.splitlines():
        assert "<script>" not in line and "](" not in line.replace("\\](", "")
        assert "**bold**" not in line
    assert "\\<script\\>alert\\(1\\)\\</script\\>" in exported
    assert "\\[click\\]\\(http:\u200b//evil\\)" in exported  # a zero-width space stops GFM autolinking
    assert "Section \\# Heading code; page unknown." in exported
    assert "\\*\\*bold\\*\\* [1]\n" in exported


def test_link_written_by_a_report_is_not_a_link_in_the_export() -> None:
    """Rendered with a CommonMark renderer: the only links and images are none at all; report text stays text."""
    from markdown_it import MarkdownIt

    quote = "Costs fell [1](https:evil.example/track) and ![x](https://evil.example/p.png) [2]: (see [3])"
    answer = Answer(question="q", text=f"{quote} [1].", citations=[_citation(1, "a", "Report A", quote=quote)])
    exported = conversation_markdown([("q", answer, None)], now=NOW)
    tokens = MarkdownIt("commonmark").parse(exported)
    inline = [child for token in tokens for child in token.children or []]
    assert not [t for t in inline if t.type in ("link_open", "image")], exported
    assert "evil.example/track" in MarkdownIt("commonmark").render(exported)


def test_lead_and_bullets_keep_their_layout() -> None:
    answer = Answer(
        question="q",
        text="Lead sentence [1].\n\n- First support [2].\n- Second (note) [1].",
        citations=[_citation(1, "a", "Report A"), _citation(2, "b", "Report B")],
    )
    exported = conversation_markdown([("q", answer, None)], now=NOW)
    assert "Lead sentence [1].\n\n- First support [2].\n- Second \\(note\\) [1]." in exported


def test_references_quote_every_supporting_sentence_and_answers_say_what_was_searched() -> None:
    text = "Beds fell: 13%. Staff agreed. Costs rose."
    chunk = _citation(1, "a", "Report A").chunk.model_copy(update={"text": text, "char_end": len(text)})
    one = Citation(n=1, chunk=chunk, quote="Beds fell: 13%.", spans=[(0, 15), (16, 29)])
    again = Citation(n=1, chunk=chunk, quote="Costs rose.", spans=[(30, 41), (0, 15)])
    first = Answer(question="q1", text="Beds fell: 13% [1]. Staff agreed [1].", citations=[one])
    second = Answer(question="q2", text="Costs rose [1].", citations=[again])
    exported = conversation_markdown([("q1", first, "Searched: Report A only"), ("q2", second, None)], now=NOW)
    assert "## 1. q1\n\n_Searched: Report A only_\n\nBeds fell: 13% [1]." in exported, exported
    assert "## 2. q2\n\nCosts rose [1]." in exported
    (reference,) = exported.split("## References\n\n")[1].splitlines()
    assert reference.endswith("Quoted: “Beds fell: 13%.” … “Staff agreed.” … “Costs rose.”"), reference
