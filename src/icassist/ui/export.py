"""A conversation as a Markdown file staff can paste into a briefing: answers plus one reference list.

Each answer numbers its sources from [1]; the export renumbers them across the conversation so a passage cited
twice gets one reference. Report text is escaped so the file shows it literally in any Markdown viewer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from icassist.records import Answer, Chunk, Citation
from icassist.references import reference
from icassist.text import MARKER, marker_numbers, split_bullet
from icassist.ui.render import READABLE_UNSAFE, escape_markdown


def escape(text: str) -> str:
    """Neutralise HTML, links, images and emphasis, flattening whitespace so nothing starts a block."""
    return escape_markdown(text, READABLE_UNSAFE).strip()


def _quotes(citation: Citation) -> list[str]:
    """Every passage sentence the answer's claims rest on, or the one quote of a citation made without spans."""
    text = citation.chunk.text
    quoted = [text[a:b] for a, b in citation.spans if text[a:b].strip()]
    return quoted or ([citation.quote] if citation.quote else [])


def _reference(chunk: Chunk, quotes: list[str]) -> str:
    quoted = " Quoted: " + " … ".join(f"“{escape(q)}”" for q in quotes) if quotes else ""
    return escape(reference(chunk)) + quoted


Exported = tuple[str, Answer, str | None]  # question, answer, the filters it was searched with (None: all)


def conversation_markdown(exchanges: Sequence[Exported], *, closest: int = 3, now: datetime | None = None) -> str:
    """Questions and answers in order, then the references their [n] markers point to."""
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# icassist conversation",
        "",
        f"Exported {stamp}. Answers quote the integrated health and social care reports; "
        "numbers in brackets refer to the references at the end.",
    ]
    numbers: dict[str, int] = {}
    cited: dict[str, tuple[Chunk, dict[str, None]]] = {}  # chunk id → the chunk and its quotes, in first-use order
    for index, (question, answer, searched) in enumerate(exchanges, 1):
        local = {}
        for citation in answer.citations:
            chunk_id = citation.chunk.chunk_id
            numbers.setdefault(chunk_id, len(numbers) + 1)
            quotes = cited.setdefault(chunk_id, (citation.chunk, {}))[1]
            quotes.update(dict.fromkeys(_quotes(citation)))
            local[citation.n] = numbers[chunk_id]
        lines += ["", f"## {index}. {escape(question)}", ""]
        if searched:
            lines += [f"_{escape(searched)}_", ""]
        lines.append(_renumbered(answer.text, local))
        lines += [f"> Note: {escape(notice)}" for notice in answer.notices]
        if answer.refused and answer.retrieved:
            lines += ["", "Closest evidence (not an answer):", ""]
            lines += [f"{rank}. {escape(reference(p.chunk))}" for rank, p in enumerate(answer.retrieved[:closest], 1)]
    if cited:
        lines += ["", "## References", ""]
        lines += [f"{numbers[cid]}. {_reference(chunk, list(quotes))}" for cid, (chunk, quotes) in cited.items()]
    return "\n".join(lines) + "\n"


def _renumbered(text: str, local: dict[int, int]) -> str:
    """Escape the prose but keep the answer's layout and its [n] markers, mapped to the conversation-wide numbers.

    A marker is followed by an escaped character, so report text after it can never turn it into a link.
    """
    return "\n".join(_renumbered_line(line, local) for line in text.split("\n"))


def _renumbered_line(line: str, local: dict[int, int]) -> str:
    bullet, line = split_bullet(line)
    pieces, last = [], 0
    for match in MARKER.finditer(line):
        kept = [local[n] for n in marker_numbers(match.group(1)) if n in local]
        if kept:
            markers = "".join(f"[{n}]" for n in kept)
            pieces += [escape_markdown(line[last : match.start()], READABLE_UNSAFE), f" {markers}"]
            last = match.end()
    pieces.append(escape_markdown(line[last:], READABLE_UNSAFE))
    return bullet + "".join(pieces).strip()
