"""A conversation as a Markdown file staff can paste into a briefing: answers plus one reference list.

Each answer numbers its sources from [1]; the export renumbers them across the conversation so a passage cited
twice gets one reference. Report text is escaped so the file shows it literally in any Markdown viewer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from icassist.records import Answer, Citation, Passage
from icassist.text import MARKER, marker_numbers
from icassist.ui.render import READABLE_UNSAFE, authors_text, escape_markdown


def escape(text: str) -> str:
    """Neutralise HTML, links, images and emphasis, flattening whitespace so nothing starts a block."""
    return escape_markdown(text, READABLE_UNSAFE).strip()


def reference(citation: Citation) -> str:
    parts = [f"{escape(authors_text(citation.authors))}" if citation.authors else "", f"({citation.year or 'n.d.'})"]
    head = " ".join(p for p in parts if p)
    where = ". ".join(
        p for p in [f"Section: {escape(citation.section)}" if citation.section else "", _page(citation.page)] if p
    )
    line = f"{head}. *{escape(citation.title)}*." + (f" {where}." if where else "")
    return line + (f" Quoted: “{escape(citation.quote)}”" if citation.quote else "")


def _page(page: str | None) -> str:
    return f"p. {escape(page)}" if page else ""


def _evidence(rank: int, passage: Passage) -> str:
    chunk = passage.chunk
    where = ", ".join(p for p in [escape(chunk.section), _page(chunk.page_label)] if p)
    return f"{rank}. *{escape(chunk.title)}* ({chunk.year or 'n.d.'})" + (f", {where}" if where else "")


def conversation_markdown(exchanges: Sequence[tuple[str, Answer]], *, now: datetime | None = None) -> str:
    """Questions and answers in order, then the references their [n] markers point to."""
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# icassist conversation",
        "",
        f"Exported {stamp}. Answers quote five integrated health and social care reports; "
        "numbers in brackets refer to the references at the end.",
    ]
    numbers: dict[str, int] = {}
    references: list[str] = []
    for index, (question, answer) in enumerate(exchanges, 1):
        local = {}
        for citation in answer.citations:
            if citation.chunk_id not in numbers:
                numbers[citation.chunk_id] = len(numbers) + 1
                references.append(reference(citation))
            local[citation.n] = numbers[citation.chunk_id]
        lines += ["", f"## {index}. {escape(question)}", "", _renumbered(answer.text, local)]
        lines += [f"> Note: {escape(notice)}" for notice in answer.notices]
        if answer.refused and answer.retrieved:
            lines += ["", "Closest evidence (not an answer):", ""]
            lines += [_evidence(rank, p) for rank, p in enumerate(answer.retrieved[:3], 1)]
    if references:
        lines += ["", "## References", ""]
        lines += [f"{n}. {ref}" for n, ref in enumerate(references, 1)]
    return "\n".join(lines) + "\n"


def _renumbered(text: str, local: dict[int, int]) -> str:
    """Escape the prose but keep the answer's [n] markers, mapped to the conversation-wide numbers.

    A marker is followed by an escaped character, so report text after it can never turn it into a link.
    """
    pieces, last = [], 0
    for match in MARKER.finditer(text):
        kept = [local[n] for n in marker_numbers(match.group(1)) if n in local]
        if kept:
            markers = "".join(f"[{n}]" for n in kept)
            pieces += [escape_markdown(text[last : match.start()], READABLE_UNSAFE), f" {markers}"]
            last = match.end()
    pieces.append(escape_markdown(text[last:], READABLE_UNSAFE))
    return "".join(pieces).strip()
