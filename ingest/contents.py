"""A report's contents list: removed from the text, kept as (title → first page) for pages and heading levels."""

from __future__ import annotations

import difflib
import re

from icassist.ingest.lines import Line, title_key

_CONTENTS_TITLE = re.compile(r"^(table of )?contents$", re.I)
_CONTENTS_ENTRY = re.compile(r"^(?P<title>\S.*?)(\s*\.{3,}\s*|\s*\t\s*|\s{2,}|\s)(?P<page>\d{1,3}|[ivxlc]{1,6})$")
_BACK_MATTER = re.compile(r"^(annex|appendi)")
DOTTED = re.compile(r"\.{4,}\s*\S{0,4}$")


def drop_contents(lines: list[Line]) -> tuple[list[Line], dict[str, str]]:
    """Remove 'Contents' blocks and stray dotted-leader lines, keeping their (title → page) entries."""
    contents: dict[str, str] = {}
    out: list[Line] = []
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
                    contents.setdefault(title_key(m.group("title")), m.group("page"))
                j += 1
            if j > i + 1:
                if j < len(lines):
                    lines[j].blank_before = True
                i = j
                continue
        if not ln.marker and DOTTED.search(ln.text) and (m := _CONTENTS_ENTRY.match(ln.text)):
            contents.setdefault(title_key(m.group("title")), m.group("page"))
            i += 1
            continue
        out.append(ln)
        i += 1
    return out, contents


def listed(title: str, contents: dict[str, str]) -> str | None:
    """The contents entry naming this heading: the same words, or nearly ('Recommendations for Monitor's role'
    in the text, '… roles' in the contents list), or the one annex or appendix entry for an annex's own title."""
    key = title_key(title)
    if key in contents:
        return key
    close = difflib.get_close_matches(key, list(contents), n=1, cutoff=0.92)
    if close:
        return close[0]
    back = _BACK_MATTER.match(key)  # 'Annexe – examples of integrated care from literature' under 'Annexes'
    listed_back = [k for k in contents if back and k.startswith(back.group(1))]
    return listed_back[0] if len(listed_back) == 1 else None
