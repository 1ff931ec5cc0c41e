"""Report and user text as Streamlit Markdown that can only ever display as text.

Reports are third-party documents and questions are user input, so neither may inject HTML, links, images,
LaTeX, emoji shortcodes or Streamlit's colour directives. CommonMark lets any ASCII punctuation be
backslash-escaped, so every one is; whitespace runs become one space so no line can open a code block.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from datetime import datetime

from icassist.records import Answer, AnswerSentence, Filters
from icassist.text import BULLET, CELL_BREAK, split_bullet

_PUNCTUATION = frozenset(string.punctuation)
# GFM turns www.x.y, http://x.y and a@b.c into links after escapes are resolved, so escaping cannot stop it;
# a zero-width space where the pattern starts does, and is invisible.
_AUTOLINK_TRIGGER = re.compile(r"(?i)(?<=\bwww)(?=\.)|(?<=:)(?=//)|(?=@)")
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n\s*")


def defuse_autolinks(text: str) -> str:
    return _AUTOLINK_TRIGGER.sub("\u200b", text)


# What a Markdown file for people to read escapes: everything that can open markup, not every full stop.
READABLE_UNSAFE = frozenset("\\`*_[]()<>&!|~$#")  # ':' opens nothing in a file; escaped, it read 'outcomes\\: x'


def escape_markdown(text: str, unsafe: frozenset[str] = _PUNCTUATION) -> str:
    """One line of literal text; edge spaces are kept so streamed pieces still join with a space."""
    flat = defuse_autolinks(re.sub(r"\s+", " ", text))
    return "".join("\\" + ch if ch in unsafe else ch for ch in flat)


def escape_paragraphs(text: str) -> str:
    """Literal text that keeps the report's paragraph breaks, and its tables as tables: a block of two or more
    lines whose cells ingest kept apart with ' | ' (a row label before a header row's cells is allowed for)."""
    blocks = []
    for paragraph in _BLANK_LINE.split(text.strip()):
        lines = [line for line in paragraph.split("\n") if line.strip()]
        if len(lines) >= 2 and all(CELL_BREAK in line for line in lines):
            blocks.append(_table(lines))
        elif lines:
            blocks.append(escape_markdown(paragraph).strip())
    return "\n\n".join(blocks)


def _table(lines: list[str]) -> str:
    rows = [[cell.strip() for cell in line.split(CELL_BREAK)] for line in lines]
    width = max(len(row) for row in rows)
    rows = [[""] * (width - len(row)) + row for row in rows]  # 'PACE | SIPA | PRISMA' over 'Model type | … | …'
    cells = [[escape_markdown(cell).strip() for cell in row] for row in rows]
    table = ["| " + " | ".join(cells[0]) + " |", "|" + " --- |" * width]
    return "\n".join(table + ["| " + " | ".join(row) + " |" for row in cells[1:]])


def _joint(text: str, *, at_end: bool) -> str:
    """What separates a highlight from its neighbour: a paragraph break, a space, or nothing."""
    if not text:
        return ""
    edge = text[len(text.rstrip()) :] if at_end else text[: len(text) - len(text.lstrip())]
    if edge.count("\n") >= 2:
        return "\n\n"
    return " "


def highlighted(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """The passage with each span — a sentence that supports a claim — on an orange background."""
    parts: list[str] = []
    last = 0
    for start, end in sorted(spans):
        if not last <= start < end <= len(text) or not text[start:end].strip():
            continue
        parts += _between(text[last:start], after_quote=bool(parts), before_quote=True)
        parts.append(f":orange-background[{escape_markdown(text[start:end]).strip()}]")
        last = end
    parts += _between(text[last:], after_quote=bool(parts), before_quote=False)
    return "".join(parts).strip()


def _between(text: str, *, after_quote: bool, before_quote: bool) -> list[str]:
    """Plain passage text around highlights, with the space or paragraph break that separates them."""
    parts = [_joint(text, at_end=False)] if after_quote else []
    parts.append(escape_paragraphs(text))
    if before_quote and text.strip():
        parts.append(_joint(text, at_end=True))
    return parts


def sentence_markdown(sentence: AnswerSentence) -> str:
    """An answer sentence, with a visible flag when its sources do not carry all of its words and numbers."""
    text = escape_markdown(sentence.text).strip()
    if sentence.supported:
        return text
    reason = "not fully supported by its sources"
    if not sentence.citations:
        reason = "no source cited"
    elif sentence.unsupported_numbers:
        reason = "numbers not in its sources: " + ", ".join(sentence.unsupported_numbers)
    elif sentence.unsupported_names:
        reason = "names not in its sources: " + ", ".join(sentence.unsupported_names)
    return f"{text} :red-badge[⚠️ {escape_markdown(reason)}]"


def answer_markdown(answer: Answer) -> str:
    """The lead as a paragraph, supporting sentences as a list, each escaped and flagged where unsupported."""
    if answer.refused or not answer.sentences:
        return escape_markdown(answer.text).strip()
    lead = " ".join(sentence_markdown(s) for s in answer.sentences if not s.bullet)
    bullets = [BULLET + sentence_markdown(s) for s in answer.sentences if s.bullet]
    return "\n\n".join(part for part in [lead, "\n".join(bullets)] if part)


def escape_layout(text: str, unsafe: frozenset[str] = _PUNCTUATION) -> str:
    """Literal text that keeps an answer's layout: paragraphs, and lines that open with the bullet '- '."""
    lines = []
    for line in text.split("\n"):
        bullet, body = split_bullet(line)
        lines.append(bullet + escape_markdown(body, unsafe))
    return "\n".join(lines)


def badges(programme_ids: list[str], labels: Mapping[str, str]) -> str:
    """Gazetteer labels as blue badges; an id the gazetteer no longer knows is shown as the id."""
    return " ".join(f":blue-badge[{escape_markdown(labels.get(pid, pid))}]" for pid in programme_ids)


def searched_text(filters: Filters, reports: Mapping[str, str], labels: Mapping[str, str]) -> str | None:
    """What an answer was searched in when it was not everything, said on the answer and in the export."""
    parts = []
    if filters.doc_ids:
        parts.append(" and ".join(reports.get(d, d) for d in filters.doc_ids) + " only")
    if filters.programmes:
        parts.append("passages about " + " or ".join(labels.get(p, p) for p in filters.programmes))
    if filters.years:
        parts.append("reports of " + " or ".join(map(str, filters.years)))
    return "Searched: " + "; ".join(parts) if parts else None


def shortened(question: str, limit: int) -> tuple[str, str | None]:
    """A question to echo in its bubble: a very long one is cut, with a note saying so."""
    if len(question) <= limit:
        return question, None
    return question[:limit].rstrip() + " …", f"Your question is {len(question):,} characters long; shown shortened."


def readable_time(iso: str) -> str:
    """An ISO timestamp from the store in the server's local time, as people write it ('4 Dec 2026, 21:15')."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{moment.astimezone():%-d %b %Y, %H:%M}"
