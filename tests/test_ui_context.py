"""The passage viewer's context: the section around a cited passage, its neighbours, and the spans in a link."""

from __future__ import annotations

from icassist.records import Chunk
from icassist.ui.context import decode_spans, encode_spans, passage_context


def _chunk(n: int, section: str, doc: str = "r.txt") -> Chunk:
    return Chunk(
        chunk_id=f"{doc}:{n}",
        doc_id=doc,
        title="T",
        section_path=[section],
        char_start=n * 100,
        char_end=n * 100 + 90,
        text=f"Passage {n}.",
    )


def test_context_is_the_section_window_and_the_reports_neighbours() -> None:
    chunks = [_chunk(0, "A"), *(_chunk(n, "B") for n in range(1, 10)), _chunk(10, "C"), _chunk(0, "B", doc="x.txt")]
    context = passage_context(list(reversed(chunks)), "r.txt:5", window=2)  # store order is not reading order
    assert context is not None
    assert [c.chunk_id for c in context.section] == ["r.txt:3", "r.txt:4", "r.txt:5", "r.txt:6", "r.txt:7"]
    assert context.clipped and (context.previous, context.following) == (chunks[4], chunks[6])
    first = passage_context(chunks, "r.txt:1", window=2)
    assert first is not None and first.previous == chunks[0], "the passage before may be in another section"
    assert passage_context(chunks, "r.txt:0", window=2).previous is None  # type: ignore[union-attr]
    assert passage_context(chunks, "gone:1") is None


def test_spans_survive_a_link_and_a_malformed_one_is_ignored() -> None:
    assert decode_spans(encode_spans([(12, 80), (95, 140)])) == [(12, 80), (95, 140)]
    assert decode_spans("12-80,x-9,40-30,,7") == [(12, 80)]
    assert decode_spans(None) == []
