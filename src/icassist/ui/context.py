"""A cited passage in its place in the report: the section around it and the passages before and after.

Pure functions over the chunks the retriever holds, so the viewer page needs no second read of the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from icassist.records import Chunk

WINDOW = 3  # passages of the same section shown on each side of the cited one


@dataclass(frozen=True)
class PassageContext:
    chunk: Chunk
    section: list[Chunk]  # the cited passage with up to WINDOW of its section's passages on each side, in order
    previous: Chunk | None  # the report's passage before the cited one, in any section
    following: Chunk | None
    clipped: bool  # the section has more passages than are shown


def passage_context(chunks: Sequence[Chunk], chunk_id: str, window: int = WINDOW) -> PassageContext | None:
    """None when the store no longer holds the passage (the report was re-ingested or removed)."""
    chunk = next((c for c in chunks if c.chunk_id == chunk_id), None)
    if chunk is None:
        return None
    report = sorted((c for c in chunks if c.doc_id == chunk.doc_id), key=lambda c: c.char_start)
    at = report.index(chunk)
    same = [c for c in report if c.section_path == chunk.section_path]
    here = same.index(chunk)
    section = same[max(0, here - window) : here + window + 1]
    return PassageContext(
        chunk=chunk,
        section=section,
        previous=report[at - 1] if at > 0 else None,
        following=report[at + 1] if at + 1 < len(report) else None,
        clipped=len(section) < len(same),
    )


def encode_spans(spans: Sequence[tuple[int, int]]) -> str:
    """Highlighted spans as a query parameter ('12-80,95-140'), so a card's link opens the viewer marked alike."""
    return ",".join(f"{a}-{b}" for a, b in spans)


def decode_spans(value: str | None) -> list[tuple[int, int]]:
    """The spans of a link; anything malformed (an edited address) is ignored, never an error."""
    spans = []
    for part in (value or "").split(","):
        start, dash, end = part.partition("-")
        if dash and start.isdigit() and end.isdigit() and int(start) < int(end):
            spans.append((int(start), int(end)))
    return spans
