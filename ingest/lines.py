"""The records cleaning passes between its stages, and the line-level steps that come before any layout reading.

A line remembers what the layout said about it (blank line before, indent, Markdown level, page) because the later
stages (page markers, paragraphs, headings) decide from that, not from the text alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass
class Marker:
    value: int
    roman: bool
    header: bool


@dataclass
class Line:
    text: str
    page: str | None = None
    blank_before: bool = False
    indented: bool = False
    md_level: int = 0
    marker: Marker | None = None
    gap: int = 0
    title: bool = False  # a title wrapped over lines, joined because the contents list names it: a heading


@dataclass
class Unit:
    """One output line: a heading, a paragraph, a list item, a table row or a short stand-alone line."""

    kind: str
    lines: list[Line]
    level: int = 0
    text: str = ""
    starts: tuple[int, ...] = ()  # offset in `text` where each of `lines` begins

    @property
    def first(self) -> Line:
        return self.lines[0]


BULLET = re.compile(r"^([-•▪◦·*o]\s|\(?[a-z]\)\s|\(?[ivx]{1,4}[.)]\s|\d{1,2}[.)]\s|[a-z]\.\s)")
_TERMINAL = '.!?:;"”’)]'
_INLINE_MARKUP = [
    (re.compile(r"</?(?:b|i|u|em|strong|sup|sub)>", re.I), ""),
    (re.compile(r"\*\*(.+?)\*\*"), r"\1"),
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<!\w)__(.+?)__(?!\w)"), r"\1"),
]


def split_lines(raw: str) -> list[Line]:
    """Non-blank lines, remembering whether a blank line (or whitespace-only line) preceded each."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").replace("\u00a0", " ")
    text = text.replace("\u00ad", "").replace("\ufeff", "")
    text = re.sub(r"[\ue000-\uf8ff]", "•", text)  # Symbol-font bullets extracted as private-use characters
    out: list[Line] = []
    gap = 2
    for line in text.split("\n"):
        stripped = re.sub(r" {2,}", " ", line.strip())
        if not stripped:
            gap += 1
            continue
        indented = line[:1] in (" ", "\t") and not line.startswith("  " * 8)
        out.append(Line(stripped, blank_before=gap > 0, indented=indented, gap=gap))
        gap = 0
    return out


def strip_markup(lines: list[Line], markdown: bool) -> list[Line]:
    out: list[Line] = []
    pending_blank = False
    for ln in lines:
        text = ln.text
        for pattern, repl in _INLINE_MARKUP:
            text = pattern.sub(repl, text)
        text = re.sub(r"[ \t]*\t[ \t]*", "\t", text).strip()
        if markdown and re.fullmatch(r"(-{3,}|\*{3,}|_{3,})", text):
            pending_blank = True
            continue
        level = 0
        if markdown and (m := re.match(r"^(#{1,6})\s+(.*)$", text)):
            level, text = len(m.group(1)), m.group(2).strip()
        if not any(c.isalnum() for c in text):
            pending_blank = True
            continue
        out.append(Line(text, ln.page, ln.blank_before or pending_blank, ln.indented, level, gap=ln.gap))
        pending_blank = False
    return out


def drop_debris(lines: list[Line]) -> list[Line]:
    """Drop runs of 3+ lines of at most three characters: rotated or exploded figure labels, not prose."""
    tiny = [len(ln.text) <= 3 and not ln.marker for ln in lines]
    keep = [True] * len(lines)
    i = 0
    while i < len(lines):
        if not tiny[i]:
            i += 1
            continue
        j = i
        while j < len(lines) and tiny[j]:
            j += 1
        if j - i >= 3:
            keep[i:j] = [False] * (j - i)
            if j < len(lines):
                lines[j].blank_before = True
        i = j
    return [ln for ln, k in zip(lines, keep, strict=True) if k]


def title_key(title: str) -> str:
    title = re.sub(r"\.{2,}", " ", title)
    title = re.sub(r"^\d{1,2}(\.\d{1,2})*\.?\s+", "", title.strip())
    return re.sub(r"[^\w]+", " ", title.lower()).strip()


def ends_sentence(text: str) -> bool:
    return text.rstrip()[-1:] in _TERMINAL
