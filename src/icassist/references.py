"""The one way a cited passage is named — authors, year, title, section, page — in every interface."""

from __future__ import annotations

from icassist.records import Chunk

PAGE_UNKNOWN = "page unknown"


def authors_text(authors: list[str]) -> str:
    if len(authors) <= 2:
        return " and ".join(authors)
    return ", ".join(authors[:-1]) + " and " + authors[-1]


def page_text(chunk: Chunk) -> str:
    """'p. 25', 'pp. 9–12', or 'page unknown': a reader checking a board paper must know which it is."""
    label = chunk.page_label
    if label is None:
        return PAGE_UNKNOWN
    return f"pp. {label}" if "–" in label else f"p. {label}"


def reference(chunk: Chunk) -> str:
    """Plain text; each interface escapes it for its own medium."""
    head = f"{authors_text(chunk.authors)} ({chunk.year or 'n.d.'})" if chunk.authors else f"({chunk.year or 'n.d.'})"
    where = "; ".join(part for part in [chunk.section and f"section {chunk.section}", page_text(chunk)] if part)
    return f"{head}. {chunk.title}. {where[0].upper() + where[1:]}."
