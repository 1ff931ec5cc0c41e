"""Case-study gazetteer: which named programmes (Torbay, PACE, Kaiser Permanente, ...) a passage mentions or discusses.

Answers cite case studies by a stable label and users filter retrieval by programme, so every chunk is
tagged at ingest with the ids of the programmes it discusses (not every name a table lists). The gazetteer
itself is curated by hand in ``corpus/programmes.toml``; this module loads it and matches its aliases against text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from icassist.text import split_sentences
from icassist.toml_files import load_toml

__all__ = ["Gazetteer", "GazetteerError", "Programme", "ProgrammeTagger", "alias_pattern", "load_gazetteer"]

_ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_DASHES = "-\u2010\u2011\u2012\u2013\u2014"
_APOSTROPHES = "'\u2019"
# Separators inside an alias: a dash (with or without spaces, which the reports also print as a plain
# space: 'North-West London' / 'North West London') or a run of whitespace (line breaks included).
_SEPARATOR = re.compile(rf"(\s*[{_DASHES}]\s*|\s+)")
_DASH_OR_SPACE = rf"(?:\s*[{_DASHES}]\s*|\s+)"
_GLOSSARY = re.compile(r"^(?:glossary|abbreviations|acronyms)$", re.IGNORECASE)
_TABLE_ROW = re.compile(r"[|√✓]|(?<!\w)x(?!\w)")  # cells, check marks and 'x' columns
_AS_AN_EXAMPLE = re.compile(r"\b(?:such as|e\.g\.|for example|for instance|like|similar to)\W", re.IGNORECASE)
_EXAMPLE_REACH = 40  # characters before a name in which a cue makes it an example ('similar to the SIPA and PACE')


class GazetteerError(ValueError):
    """The gazetteer file is unreadable or an entry in it is malformed; the message names file and entry."""


class Programme(BaseModel):
    """One named programme, scheme, pilot or organisation that the reports use as a case study."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    id: str = Field(pattern=_ID_PATTERN, description="Lowercase slug; stored on chunks, so keep it stable.")
    name: str = Field(min_length=1, description="Canonical display name.")
    country: str = Field(min_length=1)
    aliases: tuple[str, ...] = Field(default=(), description="Surface forms as the reports print them.")
    kind: str = Field(min_length=1, description="Short type, e.g. 'care trust', 'managed care programme'.")
    summary: str = Field(min_length=1, description="One sentence on what the reports say about it.")

    @field_validator("aliases")
    @classmethod
    def _aliases_not_blank(cls, aliases: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(" ".join(a.split()) for a in aliases)
        if any(not a for a in cleaned):
            raise ValueError("aliases must not be blank")
        return cleaned

    @property
    def label(self) -> str:
        """How answers cite it, e.g. 'Torbay Care Trust (England)'."""
        return f"{self.name} ({self.country})"

    @property
    def surface_forms(self) -> tuple[str, ...]:
        """Canonical name plus aliases, without duplicates; the name is matched even if the reports never print it."""
        return tuple(dict.fromkeys((" ".join(self.name.split()), *self.aliases)))


def is_acronym(alias: str) -> bool:
    """True for all-capitals aliases (PACE, VHA, S/HMO, CCT1, POPPs), which are matched case-sensitively.

    A trailing plural 's' is allowed so that 'ICPs' is as strict as 'ICP'; otherwise 'PACE' would match 'pace'.
    """
    core = alias[:-1] if len(alias) > 1 and alias.endswith("s") and alias[-2].isupper() else alias
    return core.isupper()


def _alias_body(alias: str) -> str:
    """Regex source for one alias without word boundaries: tolerant of line breaks, dash and apostrophe variants."""
    pieces = _SEPARATOR.split(alias.strip())
    source = "".join(
        re.escape(piece) if i % 2 == 0 else (_DASH_OR_SPACE if piece.strip() else r"\s+")
        for i, piece in enumerate(pieces)
    )
    for quote in _APOSTROPHES:
        source = source.replace(re.escape(quote), f"[{_APOSTROPHES}]")
    return source if is_acronym(alias) else f"(?i:{source})"


def alias_pattern(alias: str) -> re.Pattern[str]:
    """Compiled pattern for a single alias, using exactly the tagger's matching rule (used by tests and tools)."""
    return re.compile(rf"(?<!\w){_alias_body(' '.join(alias.split()))}(?!\w)")


class Gazetteer(BaseModel):
    """The whole ``programmes.toml``: ids and aliases unique, so every mention resolves to one programme."""

    model_config = ConfigDict(extra="forbid")

    programme: list[Programme] = []

    @model_validator(mode="after")
    def _unambiguous(self) -> Gazetteer:
        seen_ids: dict[str, int] = {}
        seen_forms: dict[tuple[bool, str], str] = {}
        for number, programme in enumerate(self.programme, start=1):
            where = f"[[programme]] entry {number} (id={programme.id!r})"
            if programme.id in seen_ids:
                raise ValueError(f"{where}: duplicate id, already used by entry {seen_ids[programme.id]}")
            seen_ids[programme.id] = number
            for form in programme.surface_forms:
                key = (is_acronym(form), form if is_acronym(form) else form.casefold())
                other = seen_forms.setdefault(key, programme.id)
                if other != programme.id:
                    raise ValueError(f"{where}: alias {form!r} is also an alias of {other!r}; it would be ambiguous")
        return self


def load_gazetteer(path: Path) -> list[Programme]:
    """Read ``[[programme]]`` entries from a TOML file.

    A missing file gives an empty list, so a corpus without a gazetteer still ingests (untagged). Anything
    malformed raises GazetteerError naming the file and the entry, because a silently skipped entry would
    quietly drop a programme from filters.
    """
    path = Path(path)
    if not path.is_file():
        return []
    return load_toml(path, Gazetteer, GazetteerError, entry_key="id").programme


class ProgrammeTagger:
    """Finds programme mentions in text with one compiled regex (ingest tags ~1000 chunks, so no per-alias loop).

    A plain alternation of ~200 aliases tries every alias at every position (~30 s per MB), so the pattern
    only starts at word starts and dispatches on the first character with a lookahead before trying the
    aliases that begin with it. Within a first character aliases are ordered longest first, so
    'Torbay Care Trust' wins over 'Torbay' and 'North West London Integrated Care Pilot' over 'North West London'.
    """

    def __init__(self, programmes: Iterable[Programme]) -> None:
        self.programmes: dict[str, Programme] = {p.id: p for p in programmes}
        by_first: dict[str, list[tuple[str, str]]] = {}
        for programme in self.programmes.values():
            for form in programme.surface_forms:
                by_first.setdefault(form[0].casefold(), []).append((form, programme.id))
        self._group_ids: list[str] = []
        branches = []
        for first, forms in sorted(by_first.items()):
            forms.sort(key=lambda item: (-len(item[0]), item[0]))
            self._group_ids.extend(pid for _, pid in forms)
            chars = "".join(sorted({first, first.upper(), *(form[0] for form, _ in forms)}))
            alternatives = "|".join(rf"({_alias_body(form)}(?!\w))" for form, _ in forms)
            branches.append(f"(?=[{re.escape(chars)}])(?:{alternatives})")
        self._regex: re.Pattern[str] | None = re.compile(rf"(?<!\w)(?:{'|'.join(branches)})") if branches else None

    def mentions(self, text: str) -> list[tuple[str, int, int]]:
        """Every non-overlapping mention as (programme id, start, end), in text order."""
        if self._regex is None:
            return []
        found = []
        for match in self._regex.finditer(text):
            if match.lastindex is not None:
                found.append((self._group_ids[match.lastindex - 1], match.start(), match.end()))
        return found

    def tag(self, text: str) -> list[str]:
        """Ids of the programmes mentioned, each once, in order of first mention."""
        return list(dict.fromkeys(pid for pid, _, _ in self.mentions(text)))

    def discussed(self, text: str, section_path: Sequence[str] = ()) -> list[str]:
        """The programmes a passage is about, not every one it names: a chunk's tags (filters, badges, attribution).

        A programme counts when its section heading names it, or when a sentence names it with at most one other
        ('One example of a managed clinical network is the Scottish Cardiac Network'), outside a table row and not
        as an example ('such as Kaiser Permanente'); a glossary discusses none. Of 70 hand-checked tags
        (evals/tag-sample.jsonl) tagging every mention got 61% right; this rule 81% (71% of the 30 held out),
        keeping 98% (94%) of the right ones. Naming it alone scored 89% but lost the cardiac network's own facts."""
        if any(_GLOSSARY.match(title.strip()) for title in section_path):
            return []
        found = self.tag(" › ".join(section_path))
        for start, end in split_sentences(text):
            sentence = text[start:end]
            mentions = self.mentions(sentence)
            if len({pid for pid, _, _ in mentions}) > 2 or _TABLE_ROW.search(sentence):
                continue
            found += [
                pid for pid, a, _ in mentions if not _AS_AN_EXAMPLE.search(sentence[max(0, a - _EXAMPLE_REACH) : a])
            ]
        return list(dict.fromkeys(found))
