"""Raw extracted text → clean paragraphs, printed page spans and section headings.

Text pulled out of PDFs keeps the page furniture (running headers, footers, page numbers), breaks lines in the
middle of sentences and words, and sometimes carries Markdown. Retrieval needs whole sentences, citations need the
printed page, and chunking needs the section structure. This module runs the stages that recover all three, each in
its own module: lines, page furniture, contents list, paragraphs, headings.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from icassist.ingest.contents import drop_contents
from icassist.ingest.headings import assign_levels, join_wrapped_titles
from icassist.ingest.lines import Line, Unit, drop_debris, split_lines, strip_markup
from icassist.ingest.page_furniture import assign_pages, furniture_key, mark_furniture, repeated_edge_lines
from icassist.ingest.paragraphs import build_units
from icassist.records import Heading, PageSpan
from icassist.text import CELL_BREAK


class Cleaned(NamedTuple):
    text: str
    pages: list[PageSpan]
    headings: list[Heading]
    contents: dict[str, str]  # the report's contents list: title key → printed first page, in its order


def clean(raw: str, *, markdown: bool | None = None) -> Cleaned:
    """Clean text with page furniture left in; page numbers are recovered from running headers/footers.

    `markdown=None` detects Markdown from '#' heading lines.
    """
    lines = split_lines(raw)
    if markdown is None:
        markdown = sum(bool(re.match(r"^#{1,6}\s+\S", ln.text)) for ln in lines) >= 2
    lines = strip_markup(lines, markdown)
    mark_furniture(lines)
    lines, contents = drop_contents(lines)
    lines = assign_pages(drop_debris(lines), contents)
    return _finish(lines, contents, markdown)


def clean_pages(pages: list[tuple[str, str]], *, markdown: bool = False) -> Cleaned:
    """Clean a PDF's pages (label, text); lines repeated at the top or bottom of most pages are dropped."""
    split = [(label, split_lines(text)) for label, text in pages]
    furniture = repeated_edge_lines([lines for _, lines in split])
    lines: list[Line] = []
    for label, page_lines in split:
        kept = [ln for ln in page_lines if furniture_key(ln.text) not in furniture]
        if kept:
            kept[0].blank_before = True
        for ln in kept:
            ln.page = label
        lines.extend(kept)
    lines, contents = drop_contents(strip_markup(lines, markdown))
    return _finish(drop_debris(lines), contents, markdown)


def _finish(lines: list[Line], contents: dict[str, str], markdown: bool) -> Cleaned:
    units = build_units(join_wrapped_titles(lines, contents), markdown)
    assign_levels(units, contents)
    return _render(units, contents)


def _render(units: list[Unit], contents: dict[str, str]) -> Cleaned:
    parts: list[str] = []
    pos = 0
    fragments: list[tuple[int, int, str | None]] = []
    headings: list[Heading] = []
    prev: Unit | None = None
    for unit in units:
        text = unit.text.replace("\t", CELL_BREAK)  # table cells: keep the column break visible
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
    return Cleaned("".join(parts), _spans(fragments), headings, contents)


def _same_block(prev: Unit, unit: Unit) -> bool:
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
