"""Which lines are section headings, and at what level: the section path every chunk and citation carries."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from icassist.ingest.contents import listed
from icassist.ingest.lines import BULLET, Line, Unit, ends_sentence, title_key

NUMBERED_HEADING = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(?P<title>[A-Z‘'\"“].{2,90})$")
GLOSSARY = re.compile(r"^[A-Z][A-Za-z]*[A-Z][A-Z0-9&+/\-]*s?\s+\S")  # 'PACE Program of ...', 'CHCPs Community ...'
_ITEM_NUMBER = re.compile(r"^(\d{1,2})[.)]\s")
CAPTION = re.compile(r"^(figure|fig\.|table|box|source|sources|note|notes|chart|exhibit)\b", re.I)
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
SUMMARIES = frozenset({"executive summary", "summary", "abstract"})  # headings with their own Introduction, Methods
_IMRAD = re.compile(r"^(methods|results|discussion|conclusions?)$")
_TOP_LEVEL = re.compile(
    r"^(references|bibliography|glossary|appendix|appendices|annex|annexes|annexe|executive summary|summary|foreword|"
    r"preface|contents|acknowledgements|about the authors|abbreviations|introduction)\b",
    re.I,
)


def join_wrapped_titles(lines: list[Line], contents: dict[str, str]) -> list[Line]:
    """A title printed over two or three short lines ('4. What is meant by' / '‘integrated care’?') becomes one
    line when together they make a title the contents list names, or an annex title ('Annexe – examples of' /
    'integrated care from' / 'literature'); each line alone ends on 'by' or 'of' and is no heading at all."""
    out: list[Line] = []
    i = 0
    while i < len(lines):
        ln, taken = lines[i], 1
        key = title_key(ln.text)
        if len(ln.text) <= 60 and (_ends_open(ln.text) or any(k.startswith(f"{key} ") for k in contents)):
            for n in (2, 3):
                group = lines[i : i + n]
                if len(group) < n or len(group[-1].text) > 60:
                    break
                joined = " ".join(g.text.strip() for g in group)
                annex = key.startswith(("annex", "appendi"))  # no contents entry gives its whole title
                if (not _ends_open(joined)) if annex else listed(joined, contents):
                    ln, taken = replace(ln, text=joined, title=True), n
                    break
        out.append(ln)
        i += taken
    return out


def _ends_open(text: str) -> bool:
    words = text.split()
    return bool(words) and words[-1].lower() in _END_WORDS


def is_heading(ln: Line, prev: Unit | None, following: list[Line], width: int, *, wraps: bool) -> bool:
    """Conservative: a false heading splits a chunk, a missed one only loses a section label.

    A heading is a short title-like line that starts a block (not the tail of a wrapped sentence) and is followed
    by prose or a list: a run of short lines is a table or a list of names, not a cascade of headings. `wraps`
    says whether the line could carry on the previous paragraph's sentence (the paragraph reader decides that).
    """
    if ln.title:
        return True
    next_text = following[0].text if following else ""
    if not _title_like(ln.text, width) or _consecutive(prev.lines[0].text if prev else "", ln.text, next_text):
        return False
    if wraps and ln.gap < 2:
        return False
    if not (ln.blank_before or ln.indented or prev is None or ends_sentence(prev.lines[-1].text)):
        return False
    if not following:
        return False
    nxt = following[0]
    starts = nxt.text[:1]
    if starts.islower() or starts in ",;.)+%" or (starts.isdigit() and not NUMBERED_HEADING.match(nxt.text)):
        return False
    prose = min(0.5 * width, 60)
    if len(nxt.text) >= prose or BULLET.match(nxt.text) or nxt.md_level:
        return True
    after = following[1] if len(following) > 1 else None
    return _title_like(nxt.text, width) and after is not None and len(after.text) >= prose


def is_summary(title: str) -> bool:
    return title_key(title) in SUMMARIES


def _consecutive(before: str, text: str, after: str) -> bool:
    """'4. English language' straight after '3. Published in or after 1999' (or '1. Team Care Health II' straight
    before '2. Coordinated Health Care') is an item of a numbered list: numbered sections have text between them."""
    number = _ITEM_NUMBER.match(text)
    if number is None:
        return False
    n = int(number.group(1))
    previous, following = _ITEM_NUMBER.match(before), _ITEM_NUMBER.match(after)
    return bool((previous and int(previous.group(1)) == n - 1) or (following and int(following.group(1)) == n + 1))


def _title_like(text: str, width: int) -> bool:
    if len(text) > min(90, max(30, int(width * 0.75))) or text[-1] in ".,;:!" or ", " in text or "\t" in text:
        return False
    if any(s in text.lower() for s in ("http", "www.", "@", "et al", "©", "√", "✓", "|", ">")) or CAPTION.match(text):
        return False
    words = text.split()
    if (m := NUMBERED_HEADING.match(text)) and len(words) >= 2:
        ok = len(words) <= 14 and words[-1].lower() not in _END_WORDS and not text[-1].isdigit()
        question = words[-1].isdigit() and len(words) == 3 and words[1].isalpha()  # '3. Question 3'
        return int(m.group("num").split(".")[0]) <= 20 and (ok or question)
    if not text[:1].isupper() or len(words) > 12 or words[-1].lower() in _END_WORDS:
        return False
    if GLOSSARY.match(text) and not text.isupper():
        return False  # a glossary line: 'PACE Program of All-Inclusive Care'
    letters = sum(c.isalpha() for c in text)
    return letters >= 0.7 * len(text.replace(" ", "")) and not re.search(r"\d{2,}", text)


def assign_levels(units: list[Unit], contents: dict[str, str]) -> None:
    """Markdown: '#' count; numbered: depth; other title lines: 1, or one below the enclosing heading.

    A plain title line sits under the last numbered heading; when the contents list names the top-level
    sections, plain lines it does not list sit below them; titles used 3+ times ('Impact', 'References')
    label a part of the section before them. A numbered list restarting inside a section is not the report's
    numbering; an executive summary keeps its own 'Introduction', and 'Methods', 'Results', 'Discussion' stand
    beside the Introduction before them.
    """
    repeats = Counter(title_key(u.text) for u in units if u.kind == "heading")
    anchor = last = top = inner = 0  # inner: the last number of a numbered list inside a section
    intro = 0  # the level of the last 'Introduction': 'Methods', 'Results', 'Discussion' are its siblings
    for i, unit in enumerate(units):
        if unit.kind != "heading":
            continue
        text = unit.text
        key = title_key(text)
        before = units[i - 1] if i else None
        if unit.level:
            anchor = unit.level
        elif key == "introduction" and before and before.kind == "heading" and is_summary(before.text):
            unit.level = anchor = intro = before.level + 1  # an executive summary's own 'Introduction'
        elif _IMRAD.match(key) and intro:
            unit.level = anchor = intro
        elif m := NUMBERED_HEADING.match(text):
            parts = [int(p) for p in m.group("num").split(".")]
            # '3. Clinicians and end users' after '2. Organisation and management' inside section 2 carries on
            # that list; it is not section 3
            first = len(parts) == 1 and (top == 0 or parts[0] == top + 1) and not (inner and parts[0] == inner + 1)
            in_sequence = first or (parts[0] == top and len(parts) > 1)
            if in_sequence or listed(text, contents):  # the contents list is the authority for the top levels
                unit.level = anchor = len(parts)
                top, inner = parts[0], 0
            else:  # a numbered list inside a section, not the report's section numbering
                unit.level = min(anchor + 1, 4)
                inner = parts[0]
        elif repeats[key] >= 3:
            unit.level = min(last + 1, 4)
        elif _TOP_LEVEL.match(text) or listed(text, contents):
            unit.level = anchor = 1
            intro = 1 if key == "introduction" else 0
        else:
            unit.level = min(anchor + 1, 3) if anchor else 1
        if repeats[key] < 3:
            last = unit.level
