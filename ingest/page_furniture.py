"""Running headers, footers and page-number lines: recognised, turned into printed page labels, removed."""

from __future__ import annotations

import re
from collections import Counter
from itertools import pairwise
from statistics import median

from icassist.ingest.lines import Line, Marker, title_key

_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
_NUM = r"(\d{1,3}|[ivxlc]{1,6})"
_MARKER_LEFT = re.compile(rf"^{_NUM}\s+(\S.{{2,100}})$")
_MARKER_RIGHT = re.compile(rf"^(\S.{{2,100}}?)\s+{_NUM}$")
_BARE_NUMBER = re.compile(r"^\d{1,3}$")


def mark_furniture(lines: list[Line]) -> None:
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
                candidates.append((i, "L" + furniture_key(m.group(text_group)), m.group(num_group)))
    numbers_by_text: dict[str, set[str]] = {}
    for _, key, num in candidates:
        numbers_by_text.setdefault(key, set()).add(num)
    found = [
        (i, Marker(_page_value(num), not num.isdigit(), bool(key)))
        for i, key, num in candidates
        if len(numbers_by_text[key]) >= 2 and (key or num.isdigit())
    ]
    for i, marker in _plausible_chain(found):
        lines[i].marker = marker


def assign_pages(lines: list[Line], contents: dict[str, str]) -> list[Line]:
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


def _label(lines: list[Line], start: int, end: int, page: str) -> None:
    for ln in lines[start:end]:
        if ln.page is None and not ln.marker:
            ln.page = page


def _page_value(num: str) -> int:
    if num.isdigit():
        return int(num)
    values = [_ROMAN[c] for c in num]
    total = sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))
    return total - 1000  # front matter (roman) comes before page 1


def _plausible_chain(found: list[tuple[int, Marker]]) -> list[tuple[int, Marker]]:
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


def _orient(markers: list[Marker], positions: list[int], lines: list[Line], contents: dict[str, str]) -> None:
    """Header or footer? A running title is usually a header, a bare number a footer; the contents list decides.

    If a contents entry on page N opens right after a marker numbered N the markers are headers; if after N-1,
    footers.
    """
    votes = Counter[bool]()
    for m, index in zip(markers, positions, strict=True):
        for ln in lines[index + 1 : index + 4]:
            page = contents.get(title_key(ln.text))
            if page is not None and page.isdigit() and not m.roman:
                if int(page) == m.value:
                    votes[True] += 1
                elif int(page) == m.value + 1:
                    votes[False] += 1
                break
    if votes[True] != votes[False]:
        for m in markers:
            m.header = votes[True] > votes[False]


def _pages_around(m: Marker) -> tuple[str | None, str | None]:
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


def furniture_key(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"\d+", "#", text.lower())).strip()


def repeated_edge_lines(pages: list[list[Line]]) -> set[str]:
    """Lines (numbers masked) among the first/last two of at least half the pages, when there are 3+ pages."""
    if len(pages) < 3:
        return set()
    counts = Counter[str]()
    for lines in pages:
        counts.update({furniture_key(ln.text) for ln in lines[:2] + lines[-2:]})
    return {key for key, n in counts.items() if n >= max(3, len(pages) / 2)}
