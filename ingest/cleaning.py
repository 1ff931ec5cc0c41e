"""Raw extracted text → clean paragraphs, printed page spans and section headings.

Text pulled out of PDFs keeps the page furniture (running headers, footers, page numbers), breaks lines in the
middle of sentences and words, and sometimes carries Markdown. Retrieval needs whole sentences, citations need the
printed page, and chunking needs the section structure; this module recovers all three without ever gluing words.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from statistics import median
from typing import NamedTuple

from icassist.records import Heading, PageSpan


class Cleaned(NamedTuple):
    text: str
    pages: list[PageSpan]
    headings: list[Heading]


@dataclass
class _Marker:
    value: int
    roman: bool
    header: bool


@dataclass
class _Line:
    text: str
    page: str | None = None
    blank_before: bool = False
    indented: bool = False
    md_level: int = 0
    marker: _Marker | None = None
    gap: int = 0


@dataclass
class _Unit:
    """One output line: a heading, a paragraph, a list item, a table row or a short stand-alone line."""

    kind: str
    lines: list[_Line]
    level: int = 0
    text: str = ""
    starts: tuple[int, ...] = ()  # offset in `text` where each of `lines` begins

    @property
    def first(self) -> _Line:
        return self.lines[0]


_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
_NUM = r"(\d{1,3}|[ivxlc]{1,6})"
_MARKER_LEFT = re.compile(rf"^{_NUM}\s+(\S.{{2,100}})$")
_MARKER_RIGHT = re.compile(rf"^(\S.{{2,100}}?)\s+{_NUM}$")
_BARE_NUMBER = re.compile(r"^\d{1,3}$")
_CONTENTS_TITLE = re.compile(r"^(table of )?contents$", re.I)
_CONTENTS_ENTRY = re.compile(r"^(?P<title>\S.*?)(\s*\.{3,}\s*|\s*\t\s*|\s{2,}|\s)(?P<page>\d{1,3}|[ivxlc]{1,6})$")
_DOTTED = re.compile(r"\.{4,}\s*\S{0,4}$")
_BULLET = re.compile(r"^([-•▪◦·*o]\s|\(?[a-z]\)\s|\(?[ivx]{1,4}[.)]\s|\d{1,2}[.)]\s|[a-z]\.\s)")
_NUMBERED_HEADING = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(?P<title>[A-Z‘'\"“].{2,90})$")
_GLOSSARY = re.compile(r"^[A-Z][A-Za-z]*[A-Z][A-Z0-9&+/\-]*s?\s+\S")  # 'PACE Program of ...', 'CHCPs Community ...'
_CAPTION = re.compile(r"^(figure|fig\.|table|box|source|sources|note|notes|chart|exhibit)\b", re.I)
_TERMINAL = '.!?:;"”’)]'
_END_WORDS = {
    "of",
    "and",
    "the",
    "to",
    "in",
    "for",
    "with",
    "a",
    "an",
    "or",
    "on",
    "by",
    "from",
    "at",
    "as",
    "that",
    "is",
    "are",
    "be",
    "&",
    "–",
    "-",
}
_TOP_LEVEL = re.compile(
    r"^(references|bibliography|glossary|appendix|appendices|annex|annexes|annexe|executive summary|summary|foreword|"
    r"preface|contents|acknowledgements|about the authors|abbreviations|introduction)\b",
    re.I,
)
_INLINE_MARKUP = [
    (re.compile(r"</?(?:b|i|u|em|strong|sup|sub)>", re.I), ""),
    (re.compile(r"\*\*(.+?)\*\*"), r"\1"),
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<!\w)__(.+?)__(?!\w)"), r"\1"),
]


def clean(raw: str, *, markdown: bool | None = None) -> Cleaned:
    """Clean text with page furniture left in; page numbers are recovered from running headers/footers.

    `markdown=None` detects Markdown from '#' heading lines.
    """
    lines = _split_lines(raw)
    if markdown is None:
        markdown = sum(bool(re.match(r"^#{1,6}\s+\S", ln.text)) for ln in lines) >= 2
    lines = _strip_markup(lines, markdown)
    _mark_furniture(lines)
    lines, contents = _drop_contents(lines)
    lines = _assign_pages(_drop_debris(lines), contents)
    return _finish(lines, contents, markdown)


def clean_pages(pages: list[tuple[str, str]], *, markdown: bool = False) -> Cleaned:
    """Clean a PDF's pages (label, text); lines repeated at the top or bottom of most pages are dropped."""
    split = [(label, _split_lines(text)) for label, text in pages]
    furniture = _repeated_edge_lines([lines for _, lines in split])
    lines: list[_Line] = []
    for label, page_lines in split:
        kept = [ln for ln in page_lines if _furniture_key(ln.text) not in furniture]
        if kept:
            kept[0].blank_before = True
        for ln in kept:
            ln.page = label
        lines.extend(kept)
    lines, contents = _drop_contents(_strip_markup(lines, markdown))
    return _finish(_drop_debris(lines), contents, markdown)


def _split_lines(raw: str) -> list[_Line]:
    """Non-blank lines, remembering whether a blank line (or whitespace-only line) preceded each."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").replace("\u00a0", " ")
    text = text.replace("\u00ad", "").replace("\ufeff", "")
    text = re.sub(r"[\ue000-\uf8ff]", "•", text)  # Symbol-font bullets extracted as private-use characters
    out: list[_Line] = []
    gap = 2
    for line in text.split("\n"):
        stripped = re.sub(r" {2,}", " ", line.strip())
        if not stripped:
            gap += 1
            continue
        indented = line[:1] in (" ", "\t") and not line.startswith("  " * 8)
        out.append(_Line(stripped, blank_before=gap > 0, indented=indented, gap=gap))
        gap = 0
    return out


def _finish(lines: list[_Line], contents: dict[str, str], markdown: bool) -> Cleaned:
    units = _build_units(lines, _wrap_width(lines), _vocabulary(lines), markdown)
    _assign_levels(units, contents)
    return _render(units)


def _strip_markup(lines: list[_Line], markdown: bool) -> list[_Line]:
    out: list[_Line] = []
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
        out.append(_Line(text, ln.page, ln.blank_before or pending_blank, ln.indented, level, gap=ln.gap))
        pending_blank = False
    return out


def _drop_contents(lines: list[_Line]) -> tuple[list[_Line], dict[str, str]]:
    """Remove 'Contents' blocks and stray dotted-leader lines, keeping their (title → page) entries."""
    contents: dict[str, str] = {}
    out: list[_Line] = []
    i = 0
    while i < len(lines):
        ln = lines[i]
        if _CONTENTS_TITLE.match(ln.text):
            j = i + 1
            while j < len(lines) and (
                lines[j].marker or ((m := _CONTENTS_ENTRY.match(lines[j].text)) and len(lines[j].text) < 120)
            ):
                if lines[j].marker:
                    out.append(lines[j])
                elif m is not None:
                    contents.setdefault(_norm_title(m.group("title")), m.group("page"))
                j += 1
            if j > i + 1:
                if j < len(lines):
                    lines[j].blank_before = True
                i = j
                continue
        if not ln.marker and _DOTTED.search(ln.text) and (m := _CONTENTS_ENTRY.match(ln.text)):
            contents.setdefault(_norm_title(m.group("title")), m.group("page"))
            i += 1
            continue
        out.append(ln)
        i += 1
    return out, contents


def _norm_title(title: str) -> str:
    title = re.sub(r"\.{2,}", " ", title)
    title = re.sub(r"^\d{1,2}(\.\d{1,2})*\.?\s+", "", title.strip())
    return re.sub(r"[^\w]+", " ", title.lower()).strip()


def _drop_debris(lines: list[_Line]) -> list[_Line]:
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


# --- page furniture -------------------------------------------------------------------------------------------------


def _assign_pages(lines: list[_Line], contents: dict[str, str]) -> list[_Line]:
    """Label the lines around running headers/footers with printed page numbers, and remove the markers.

    Between two markers of adjacent pages every line is labelled; otherwise only about 70% of a typical page
    next to each marker, so that no line gets a page it may not be on.
    """
    positions = [i for i, ln in enumerate(lines) if ln.marker]
    if not positions:
        return lines
    markers = [m for ln in lines if (m := ln.marker)]
    _orient(markers, positions, lines, contents)
    bounds = [(i, *_pages_around(m)) for i, m in zip(positions, markers, strict=True)]
    reach = max(3, int(_lines_per_page(bounds) * 0.7))
    for k, (index, _before, after) in enumerate(bounds):
        nxt_index, nxt_before, _ = bounds[k + 1] if k + 1 < len(bounds) else (len(lines), None, None)
        if after is not None and after == nxt_before:
            _label(lines, index + 1, nxt_index, after)
            continue
        if after is not None:
            _label(lines, index + 1, min(nxt_index, index + 1 + reach), after)
        if nxt_before is not None:
            _label(lines, max(index + 1, nxt_index - reach), nxt_index, nxt_before)
    first_index, first_before, _ = bounds[0]
    if first_before is not None:
        _label(lines, max(0, first_index - reach), first_index, first_before)
    for i in positions:
        if i + 1 < len(lines):
            lines[i + 1].blank_before = True
    return [ln for ln in lines if not ln.marker]


def _label(lines: list[_Line], start: int, end: int, page: str) -> None:
    for ln in lines[start:end]:
        if ln.page is None and not ln.marker:
            ln.page = page


def _mark_furniture(lines: list[_Line]) -> None:
    """Flag isolated lines whose text repeats with varying page numbers, or bare numbers; increasing only."""
    candidates: list[tuple[int, str, str]] = []
    for i, ln in enumerate(lines):
        isolated = ln.blank_before and (i + 1 == len(lines) or lines[i + 1].blank_before)
        if not isolated:
            continue
        if _BARE_NUMBER.match(ln.text):
            if ln.gap >= 2 and (i + 1 == len(lines) or lines[i + 1].gap >= 2):
                candidates.append((i, "", ln.text))
            continue
        for pattern, text_group, num_group in ((_MARKER_LEFT, 2, 1), (_MARKER_RIGHT, 1, 2)):
            if (m := pattern.match(ln.text)) and re.search(r"[A-Za-z]{3}", m.group(text_group)):
                candidates.append((i, "L" + _furniture_key(m.group(text_group)), m.group(num_group)))
    numbers_by_text: dict[str, set[str]] = {}
    for _, key, num in candidates:
        numbers_by_text.setdefault(key, set()).add(num)
    found = [
        (i, _Marker(_page_value(num), not num.isdigit(), bool(key)))
        for i, key, num in candidates
        if len(numbers_by_text[key]) >= 2 and (key or num.isdigit())
    ]
    for i, marker in _plausible_chain(found):
        lines[i].marker = marker


def _page_value(num: str) -> int:
    if num.isdigit():
        return int(num)
    values = [_ROMAN[c] for c in num]
    total = sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))
    return total - 1000  # front matter (roman) comes before page 1


def _plausible_chain(found: list[tuple[int, _Marker]]) -> list[tuple[int, _Marker]]:
    """Longest chain of increasing page numbers: table cells and footnote numbers fall out."""
    if not found:
        return []
    best = [1] * len(found)
    prev = [-1] * len(found)
    for i, (index, m) in enumerate(found):
        for j in range(i):
            gap = m.value - found[j][1].value
            spaced = m.header or index - found[j][0] >= 2 * gap  # bare numbers: at least 2 lines a page
            if gap > 0 and spaced and best[j] + 1 > best[i]:
                best[i], prev[i] = best[j] + 1, j
    i = max(range(len(found)), key=best.__getitem__)
    chain = []
    while i >= 0:
        chain.append(found[i])
        i = prev[i]
    chain.reverse()
    return chain if len(chain) >= 2 else []


def _orient(markers: list[_Marker], positions: list[int], lines: list[_Line], contents: dict[str, str]) -> None:
    """Header or footer? A running title is usually a header, a bare number a footer; the contents list decides.

    If a contents entry on page N opens right after a marker numbered N the markers are headers; if after N-1,
    footers.
    """
    votes = Counter[bool]()
    for m, index in zip(markers, positions, strict=True):
        for ln in lines[index + 1 : index + 4]:
            page = contents.get(_norm_title(ln.text))
            if page is not None and page.isdigit() and not m.roman:
                if int(page) == m.value:
                    votes[True] += 1
                elif int(page) == m.value + 1:
                    votes[False] += 1
                break
    if votes[True] != votes[False]:
        for m in markers:
            m.header = votes[True] > votes[False]


def _pages_around(m: _Marker) -> tuple[str | None, str | None]:
    """Labels of the pages before and after the marker line."""
    before, after = (m.value - 1, m.value) if m.header else (m.value, m.value + 1)
    return _page_label(before, m.roman), _page_label(after, m.roman)


def _page_label(value: int, roman: bool) -> str | None:
    if not roman:
        return str(value) if value >= 1 else None
    value += 1000
    if value < 1:
        return None
    out = ""
    for n, sym in ((100, "c"), (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while value >= n:
            out, value = out + sym, value - n
    return out


def _lines_per_page(bounds: list[tuple[int, str | None, str | None]]) -> float:
    """Typical lines per page, from pairs of arabic markers; 25 when the document gives no pair."""
    ratios = []
    for (i, _, after), (j, before, _) in pairwise(bounds):
        if after and before and after.isdigit() and before.isdigit() and int(before) >= int(after):
            ratios.append((j - i) / (int(before) - int(after) + 1))
    return median(ratios) if ratios else 25.0


def _furniture_key(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"\d+", "#", text.lower())).strip()


def _repeated_edge_lines(pages: list[list[_Line]]) -> set[str]:
    """Lines (numbers masked) among the first/last two of at least half the pages, when there are 3+ pages."""
    if len(pages) < 3:
        return set()
    counts = Counter[str]()
    for lines in pages:
        counts.update({_furniture_key(ln.text) for ln in lines[:2] + lines[-2:]})
    return {key for key, n in counts.items() if n >= max(3, len(pages) / 2)}


# --- paragraphs -----------------------------------------------------------------------------------------------------


def _wrap_width(lines: list[_Line]) -> int:
    """Typical width of a full line; lines much shorter than this end a paragraph or stand alone."""
    lengths = sorted(len(ln.text) for ln in lines)
    return max(40, lengths[int(len(lengths) * 0.8)]) if lengths else 80


def _vocabulary(lines: list[_Line]) -> set[str]:
    return {w.lower() for ln in lines for w in re.findall(r"[A-Za-z]{3,}", ln.text)}


def _build_units(lines: list[_Line], width: int, vocab: set[str], markdown: bool) -> list[_Unit]:
    units: list[_Unit] = []
    for i, ln in enumerate(lines):
        prev = units[-1] if units else None
        kind = _kind(ln, prev, lines[i + 1 : i + 3], width, markdown)
        if prev and kind == "text" and _continues(prev, ln, width):
            prev.lines.append(ln)
            continue
        if kind == "text" and _BULLET.match(ln.text):
            kind = "item"
        units.append(_Unit(kind, [ln], ln.md_level))
    for unit in units:
        unit.text, unit.starts = _join(unit.lines, vocab)
    return _drop_repeated_headings(units)


def _kind(ln: _Line, prev: _Unit | None, following: list[_Line], width: int, markdown: bool) -> str:
    if ln.md_level:
        return "heading"
    if "\t" in ln.text:
        return "row"
    if _CAPTION.match(ln.text) or _DOTTED.search(ln.text):
        return "line"
    if not markdown and _is_heading(ln, prev, following, width):
        return "heading"
    return "text"


def _is_heading(ln: _Line, prev: _Unit | None, following: list[_Line], width: int) -> bool:
    """Conservative: a false heading splits a chunk, a missed one only loses a section label.

    A heading is a short title-like line that starts a block (not the tail of a wrapped sentence) and is followed
    by prose or a list: a run of short lines is a table or a list of names, not a cascade of headings.
    """
    if not _title_like(ln.text, width):
        return False
    if prev is not None and prev.kind in ("text", "item") and _continues(prev, ln, width) and ln.gap < 2:
        return False
    if not (ln.blank_before or ln.indented or prev is None or _ends_sentence(prev.lines[-1].text)):
        return False
    if not following:
        return False
    nxt = following[0]
    starts = nxt.text[:1]
    if starts.islower() or starts in ",;.)+%" or (starts.isdigit() and not _NUMBERED_HEADING.match(nxt.text)):
        return False
    prose = min(0.5 * width, 60)
    if len(nxt.text) >= prose or _BULLET.match(nxt.text) or nxt.md_level:
        return True
    after = following[1] if len(following) > 1 else None
    return _title_like(nxt.text, width) and after is not None and len(after.text) >= prose


def _title_like(text: str, width: int) -> bool:
    if len(text) > min(90, max(30, int(width * 0.75))) or text[-1] in ".,;:!" or ", " in text or "\t" in text:
        return False
    if any(s in text.lower() for s in ("http", "www.", "@", "et al", "©", "√", "✓", "|", ">")) or _CAPTION.match(text):
        return False
    words = text.split()
    if (m := _NUMBERED_HEADING.match(text)) and len(words) >= 2:
        ok = len(words) <= 14 and words[-1].lower() not in _END_WORDS and not text[-1].isdigit()
        question = words[-1].isdigit() and len(words) == 3 and words[1].isalpha()  # '3. Question 3'
        return int(m.group("num").split(".")[0]) <= 20 and (ok or question)
    if not text[:1].isupper() or len(words) > 12 or words[-1].lower() in _END_WORDS:
        return False
    if _GLOSSARY.match(text) and not text.isupper():
        return False  # a glossary line: 'PACE Program of All-Inclusive Care'
    letters = sum(c.isalpha() for c in text)
    return letters >= 0.7 * len(text.replace(" ", "")) and not re.search(r"\d{2,}", text)


def _ends_sentence(text: str) -> bool:
    return text.rstrip()[-1:] in _TERMINAL


def _continues(prev: _Unit, ln: _Line, width: int) -> bool:
    """Whether `ln` carries on the previous unit's sentence rather than starting a new line."""
    if prev.kind in ("heading", "row", "line"):
        return False
    last = prev.lines[-1].text
    first = ln.text[:1]
    if first.islower() or first in "([":
        return not _BULLET.match(ln.text) or (first.islower() and not re.match(r"^[a-z][.)]\s", ln.text))
    if _BULLET.match(ln.text) or _ends_sentence(last):
        return False
    if _GLOSSARY.match(ln.text) and _GLOSSARY.match(prev.first.text):
        return False
    return len(last) >= 0.6 * width or last.endswith("-")


def _join(lines: list[_Line], vocab: set[str]) -> tuple[str, tuple[int, ...]]:
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


def _drop_repeated_headings(units: list[_Unit]) -> list[_Unit]:
    """'1. Introduction' followed by 'Introduction' is one heading printed twice (number and title)."""
    out: list[_Unit] = []
    for unit in units:
        if (
            out
            and unit.kind == "heading"
            and out[-1].kind == "heading"
            and _norm_title(out[-1].text) == _norm_title(unit.text)
        ):
            continue
        out.append(unit)
    return out


# --- headings -------------------------------------------------------------------------------------------------------


def _assign_levels(units: list[_Unit], contents: dict[str, str]) -> None:
    """Markdown: '#' count; numbered: depth; other title lines: 1, or one below the enclosing heading.

    A plain title line sits under the last numbered heading; when the contents list names the top-level
    sections, plain lines it does not list sit below them; titles used 3+ times ('Impact', 'References')
    label a part of the section before them.
    """
    headings = [u for u in units if u.kind == "heading"]
    repeats = Counter(_norm_title(u.text) for u in headings)
    anchor = last = top = 0
    for unit in headings:
        text = unit.text
        key = _norm_title(text)
        if unit.level:
            anchor = unit.level
        elif m := _NUMBERED_HEADING.match(text):
            parts = [int(p) for p in m.group("num").split(".")]
            if (len(parts) == 1 and (top == 0 or parts[0] == top + 1)) or (parts[0] == top and len(parts) > 1):
                unit.level = anchor = len(parts)
                top = parts[0]
            else:  # a numbered list inside a section, not the report's section numbering
                unit.level = min(anchor + 1, 4)
        elif repeats[key] >= 3:
            unit.level = min(last + 1, 4)
        elif _TOP_LEVEL.match(text) or key in contents:
            unit.level = anchor = 1
        else:
            unit.level = min(anchor + 1, 3) if anchor else 1
        if repeats[key] < 3:
            last = unit.level


# --- output ---------------------------------------------------------------------------------------------------------


def _render(units: list[_Unit]) -> Cleaned:
    parts: list[str] = []
    pos = 0
    fragments: list[tuple[int, int, str | None]] = []
    headings: list[Heading] = []
    prev: _Unit | None = None
    for unit in units:
        text = unit.text.replace("\t", " | ")  # table cells: keep the column break visible
        if prev is not None:
            sep = "\n" if _same_block(prev, unit) else "\n\n"
            parts.append(sep)
            pos += len(sep)
        if unit.kind == "heading":
            headings.append(Heading(level=unit.level or 1, title=text, start=pos))
        parts.append(text)
        bounds = [*unit.starts, len(text)]
        fragments.extend((pos + a, pos + b, ln.page) for a, b, ln in zip(bounds, bounds[1:], unit.lines, strict=False))
        pos += len(text)
        prev = unit
    return Cleaned("".join(parts), _spans(fragments), headings)


def _same_block(prev: _Unit, unit: _Unit) -> bool:
    short = ("item", "row", "line")
    return (not unit.first.blank_before and prev.kind in short and unit.kind in short) or (
        prev.kind == unit.kind == "text" and len(prev.text) < 90 and len(unit.text) < 90
    )


def _spans(fragments: list[tuple[int, int, str | None]]) -> list[PageSpan]:
    spans: list[PageSpan] = []
    for start, end, page in fragments:
        if page is None:
            continue
        if spans and spans[-1].page == page:
            spans[-1].end = end
        else:
            spans.append(PageSpan(page=page, start=start, end=end))
    return spans
