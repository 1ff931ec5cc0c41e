"""Section-bounded, sentence-aligned chunks: the unit that is embedded, retrieved and cited."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from icassist.ingest.contents import listed
from icassist.records import Chunk, ParsedDocument
from icassist.settings import ChunkSettings
from icassist.text import split_sentences

_BIBLIOGRAPHY = re.compile(
    r"^(\d{1,2}(\.\d{1,2})*\.?\s+)?(references|bibliography|reference list|works cited|sources|further reading)$", re.I
)


_YEAR = re.compile(r"\b(19|20)\d{2}[a-z]?\b")


_MAX_WORDS_PER_PAGE = 900  # a dense report page holds 500-700 words


def is_bibliography_heading(title: str) -> bool:
    """'References', 'Bibliography' and the like: reference lists match every query by name and answer none."""
    return bool(_BIBLIOGRAPHY.match(title.strip()))


@dataclass
class _Section:
    path: list[str]
    start: int
    end: int


def chunk_document(
    doc: ParsedDocument,
    settings: ChunkSettings,
    tag: Callable[[str, list[str]], list[str]] | None = None,
    *,
    exclude_bibliography: bool = True,
) -> list[Chunk]:
    """Chunks that stay inside a section where they can, end on sentence ends and never exceed max_words."""
    sections = _sections(doc, exclude_bibliography)
    levels: dict[str, int] = {}  # contents entry → level of the heading it names in the text
    for heading in doc.headings:
        if (key := listed(heading.title, doc.contents)) is not None:
            levels.setdefault(key, heading.level)
    chunks: list[Chunk] = []
    for group in _merge_short(sections, doc.text, settings):
        spans = [s for sec in group for s in _sentences(doc.text, sec)]
        for start, end in _pack(doc.text, spans, settings):
            chunks.append(_make_chunk(doc, group[0].path, start, end, tag, levels))
    _drop_implausible_ranges(chunks)
    return chunks


def _sections(doc: ParsedDocument, exclude_bibliography: bool) -> list[_Section]:
    """Text between consecutive headings, with the heading trail; bibliography sections and their children dropped."""
    headings = sorted(doc.headings, key=lambda h: h.start)
    sections = [_Section([], 0, headings[0].start if headings else len(doc.text))]
    trail: list[tuple[int, str]] = []
    skip_below: int | None = None
    for i, h in enumerate(headings):
        end = headings[i + 1].start if i + 1 < len(headings) else len(doc.text)
        trail = [t for t in trail if t[0] < h.level] + [(h.level, h.title)]
        if skip_below is not None and h.level > skip_below:
            continue
        bibliography = is_bibliography_heading(h.title) and _mostly_references(doc.text[h.start : end])
        skip_below = h.level if exclude_bibliography and bibliography else None
        if skip_below is None:
            sections.append(_Section([t for _, t in trail], h.start, end))
    return [s for s in sections if doc.text[s.start : s.end].strip()]


def _mostly_references(text: str) -> bool:
    """Some layouts put a case study's findings under its 'References' label; only real reference lists go."""
    lines = [line for line in text.splitlines()[1:] if line.strip()]
    return not lines or sum(bool(_YEAR.search(line)) for line in lines) >= 0.5 * len(lines)


def _words(text: str) -> int:
    return len(text.split())


def _merge_short(sections: list[_Section], text: str, settings: ChunkSettings) -> list[list[_Section]]:
    """Runs of short sections under one parent become one group, labelled with the first one's path."""
    groups: list[list[_Section]] = []
    for sec in sections:
        if groups:
            group = groups[-1]
            first = group[0]
            size = sum(_words(text[s.start : s.end]) for s in group)
            same_parent = sec.path[: max(len(first.path) - 1, 0)] == first.path[:-1] and len(sec.path) >= len(
                first.path
            )
            adjacent = group[-1].end == sec.start
            fits = size + _words(text[sec.start : sec.end]) <= settings.max_words
            if adjacent and same_parent and size < settings.min_words and first.path and fits:
                group.append(sec)
                continue
        groups.append([sec])
    return groups


def _sentences(text: str, sec: _Section) -> list[tuple[int, int]]:
    return [(sec.start + a, sec.start + b) for a, b in split_sentences(text[sec.start : sec.end])]


def _pack(text: str, spans: list[tuple[int, int]], settings: ChunkSettings) -> list[tuple[int, int]]:
    """Greedy packing of sentences up to target_words; a short tail joins the previous chunk if it fits."""
    pieces = [p for span in spans for p in _split_long(text, span, settings.max_words)]
    chunks: list[list[tuple[int, int, int]]] = [[]]
    for start, end in pieces:
        n = _words(text[start:end])
        current = sum(w for _, _, w in chunks[-1])
        if chunks[-1] and (
            current + n > settings.max_words or (current >= settings.min_words and current + n > settings.target_words)
        ):
            chunks.append([])
        chunks[-1].append((start, end, n))
    if len(chunks) > 1:
        tail, before = sum(w for *_, w in chunks[-1]), sum(w for *_, w in chunks[-2])
        if tail < settings.min_words and tail + before <= settings.max_words:
            chunks[-2].extend(chunks.pop())
    return [(c[0][0], c[-1][1]) for c in chunks if c and _has_body(text, c)]


def _has_body(text: str, sentences: list[tuple[int, int, int]]) -> bool:
    """A chunk of headings alone (or a stray line) says nothing to retrieve."""
    return sum(w for *_, w in sentences) >= 8


def _split_long(text: str, span: tuple[int, int], max_words: int) -> list[tuple[int, int]]:
    """A 'sentence' longer than max_words (a table flattened to one line) is cut at word boundaries."""
    start, end = span
    words = list(re.finditer(r"\S+", text[start:end]))
    if len(words) <= max_words:
        return [span]
    size = -(-len(words) // -(-len(words) // max_words))
    return [
        (start + words[i].start(), start + words[min(i + size, len(words)) - 1].end())
        for i in range(0, len(words), size)
    ]


def _make_chunk(
    doc: ParsedDocument,
    path: list[str],
    start: int,
    end: int,
    tag: Callable[[str, list[str]], list[str]] | None,
    levels: dict[str, int],
) -> Chunk:
    meta = doc.meta
    text = doc.text[start:end]
    pages = [p.page for p in doc.pages if p.start < end and p.end > start]
    first, last = (pages[0], pages[-1]) if pages else _contents_pages(path, doc.contents, levels)
    chunk = Chunk(
        chunk_id="",
        doc_id=meta.doc_id,
        title=meta.title,
        authors=list(meta.authors),
        year=meta.year,
        section_path=list(path),
        page_start=first,
        page_end=last,
        page_source="printed" if pages else ("contents" if first else None),
        char_start=start,
        char_end=end,
        text=text,
        programmes=tag(text, list(path)) if tag else [],
    )
    chunk.chunk_id = f"{meta.doc_id}:{start}:{chunk.content_hash[:12]}"
    return chunk


def _contents_pages(path: list[str], contents: dict[str, str], levels: dict[str, int]) -> tuple[str | None, str | None]:
    """The pages of the innermost section on the chunk's path that the contents list names: from its first
    page to the page before the next listed section at its level or above (that page alone if the next starts
    on it; open-ended for the last); roman front-matter labels give the first page only.

    Entries whose heading the text does not print alike ('The evidence base for effectiveness' over a section
    headed 'Effectiveness') are passed over: a range too wide still holds the page, one too narrow would not."""
    keys = list(contents)
    for depth in range(len(path), 0, -1):
        key = listed(path[depth - 1], contents)
        if key is None:
            continue
        first = contents[key]
        level = levels.get(key, depth)
        later = [k for k in keys[keys.index(key) + 1 :] if levels.get(k, level + 1) <= level]
        if not first.isdigit() or not later or not contents[later[0]].isdigit():
            return first, None
        return first, str(max(int(first), int(contents[later[0]]) - 1))
    return None, None


def _drop_implausible_ranges(chunks: list[Chunk]) -> None:
    """A contents range that would hold far more words than its pages can is the sign of a wrong section path
    (an annex filed under the section before it): its chunks are left 'page unknown' rather than mislabelled."""
    words: dict[tuple[str, str], int] = {}
    for chunk in chunks:
        if chunk.page_source == "contents" and chunk.page_start and chunk.page_end:
            key = (chunk.page_start, chunk.page_end)
            words[key] = words.get(key, 0) + len(chunk.text.split())
    for chunk in chunks:
        key = (chunk.page_start or "", chunk.page_end or "")
        if key in words and words[key] > _MAX_WORDS_PER_PAGE * (int(key[1]) - int(key[0]) + 1):
            chunk.page_start = chunk.page_end = chunk.page_source = None
