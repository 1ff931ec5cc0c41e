"""Lines → blocks: wrapped lines joined into paragraphs (words mended, never glued), list items, table rows."""

from __future__ import annotations

import re

from icassist.ingest.contents import DOTTED
from icassist.ingest.headings import CAPTION, GLOSSARY, is_heading
from icassist.ingest.lines import BULLET, Line, Unit, ends_sentence, title_key


def _wrap_width(lines: list[Line]) -> int:
    """Typical width of a full line; lines much shorter than this end a paragraph or stand alone."""
    lengths = sorted(len(ln.text) for ln in lines)
    return max(40, lengths[int(len(lengths) * 0.8)]) if lengths else 80


def _vocabulary(lines: list[Line]) -> set[str]:
    return {w.lower() for ln in lines for w in re.findall(r"[A-Za-z]{3,}", ln.text)}


def build_units(lines: list[Line], markdown: bool) -> list[Unit]:
    width, vocab = _wrap_width(lines), _vocabulary(lines)
    units: list[Unit] = []
    for i, ln in enumerate(lines):
        prev = units[-1] if units else None
        kind = _kind(ln, prev, lines[i + 1 : i + 3], width, markdown)
        if prev and kind == "text" and _continues(prev, ln, width):
            prev.lines.append(ln)
            continue
        if kind == "text" and BULLET.match(ln.text):
            kind = "item"
        units.append(Unit(kind, [ln], ln.md_level))
    for unit in units:
        unit.text, unit.starts = _join(unit.lines, vocab)
    return _drop_repeated_headings(units)


def _kind(ln: Line, prev: Unit | None, following: list[Line], width: int, markdown: bool) -> str:
    if ln.md_level:
        return "heading"
    if "\t" in ln.text:
        return "row"
    if CAPTION.match(ln.text) or DOTTED.search(ln.text):
        return "line"
    wraps = prev is not None and prev.kind in ("text", "item") and _continues(prev, ln, width)
    if not markdown and is_heading(ln, prev, following, width, wraps=wraps):
        return "heading"
    return "text"


def _continues(prev: Unit, ln: Line, width: int) -> bool:
    """Whether `ln` carries on the previous unit's sentence rather than starting a new line."""
    if prev.kind in ("heading", "row", "line"):
        return False
    last = prev.lines[-1].text
    first = ln.text[:1]
    if first.islower() or first in "([":
        return not BULLET.match(ln.text) or (first.islower() and not re.match(r"^[a-z][.)]\s", ln.text))
    if BULLET.match(ln.text) or ends_sentence(last):
        return False
    if GLOSSARY.match(ln.text) and GLOSSARY.match(prev.first.text):
        return False
    return len(last) >= 0.6 * width or last.endswith("-")


def _join(lines: list[Line], vocab: set[str]) -> tuple[str, tuple[int, ...]]:
    """Join wrapped lines with a space, or mend a word hyphenated across the break; keep where each line starts.

    'integra-' + 'tion' loses the hyphen when 'integration' occurs in the document; 'well-' + 'being' keeps it.
    """
    text = lines[0].text
    starts = [0]
    for ln in lines[1:]:
        head = re.search(r"([A-Za-z]+)-$", text)
        tail = re.match(r"([a-z]+)", ln.text)
        if head and tail:
            if (head.group(1) + tail.group(1)).lower() in vocab:
                text = text[:-1]
        else:
            text += " "
        starts.append(len(text))
        text += ln.text
    return text, tuple(starts)


def _drop_repeated_headings(units: list[Unit]) -> list[Unit]:
    """'1. Introduction' followed by 'Introduction' is one heading printed twice (number and title)."""
    out: list[Unit] = []
    for unit in units:
        if (
            out
            and unit.kind == "heading"
            and out[-1].kind == "heading"
            and title_key(out[-1].text) == title_key(unit.text)
        ):
            continue
        out.append(unit)
    return out
