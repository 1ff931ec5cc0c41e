"""The one way a cited passage is named — authors, year, title, section, page — in every interface."""

from __future__ import annotations

from icassist.records import Chunk

PAGE_UNKNOWN = "page unknown"


def authors_text(authors: list[str]) -> str:
    if len(authors) <= 2:
        return " and ".join(authors)
    return ", ".join(authors[:-1]) + " and " + authors[-1]


def page_text(chunk: Chunk) -> str:
    """'p. 25', 'pp. 9–12', or 'page unknown': a reader checking a board paper must know which it is.

    A page known only from the report's contents list is the section's range and says so, since the passage
    can be anywhere in it.
    """
    label = chunk.page_label
    if label is None:
        return PAGE_UNKNOWN
    if chunk.page_source == "contents":
        if chunk.page_end is None:
            return f"section from p. {label} (contents list)"
        return f"section pp. {label} (contents list)" if "–" in label else f"section p. {label} (contents list)"
    return f"pp. {label}" if "–" in label else f"p. {label}"


def reference(chunk: Chunk) -> str:
    """Plain text; each interface escapes it for its own medium."""
    head = f"{authors_text(chunk.authors)} ({chunk.year or 'n.d.'})" if chunk.authors else f"({chunk.year or 'n.d.'})"
    where = "; ".join(part for part in [chunk.section and f"section {chunk.section}", page_text(chunk)] if part)
    return f"{head}. {chunk.title}. {where[0].upper() + where[1:]}."
