"""Word and sentence handling shared by chunking, keyword retrieval, answering and validation."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her here hers
    herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off on once
    only or other our ours ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were what when where which
    while who whom why will with would you your yours yourself yourselves us may might must shall one two
    tell told say says said give gave show shows shown find found report reports reported what's whats kind sort
    according""".split()
)
_WORD = re.compile(r"[£$€]?\d+(?:[.,]\d+)*%?|[A-Za-z][A-Za-z'’\-]*[A-Za-z]|[A-Za-z]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_ABBREVIATIONS = frozenset(
    """e.g i.e al dr mr mrs ms prof no nos vs cf fig figs approx st vol pp p ed eds jan feb mar apr jun jul
    aug sep sept oct nov dec inc ltd co dept est ref refs para sec ch viz incl min max""".split()
)
# A citation mark: an answer's own ([1], [1, 3], [2-4]) and a report's reference marks ([12], [3–5]) share it.
MARKER = re.compile(r"\s*\[(\d+(?:\s*[,;–-]\s*\d+)*)\]")
_MAX_RANGE = 20  # '[1-999999]' from a model is a few citations, not a million
# Sentences addressed to a model, not about care: never evidence, whoever wrote them into a report.
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget)\b.{0,30}\b(?:previous|prior|above|all|any|earlier|your)\b.{0,20}"
    r"\b(?:instructions?|prompts?)\b"
    r"|\b(?:reply|respond|output|print)\b.{0,10}\b(?:only|exactly)\b.{0,10}\bwith\b"
    r"|\b(?:system prompt|you are now|as an ai)\b",
    re.IGNORECASE,
)
_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])|\n+")


_TYPOGRAPHY = {
    **dict.fromkeys("‘’‚‛′`´", "'"),
    **dict.fromkeys("“”„‟″", '"'),
    **dict.fromkeys("‐‑‒–—―−", "-"),
    "\u200b": "",
    "\ufeff": "",
}
_TYPOGRAPHIC = re.compile("[" + re.escape("".join(_TYPOGRAPHY)) + "]")
_SOFT_HYPHEN = re.compile(r"\u00ad\s*")
_SPACED_HYPHEN = re.compile(r" ?- ?")
_LETTERS_HYPHEN = re.compile(r"-(?<=[^\W\d_]-)(?=[^\W\d_])")  # the hyphen first: 20x faster than a lookbehind first


def normalise(text: str) -> str:
    """Fold typography that differs between a report and a user's typing; soft hyphens (and a break after one) go.

    A regex visits only the characters to fold: 5x faster than str.translate, which looks up every character
    (normalising every chunk is most of a retriever's start-up)."""
    text = _SOFT_HYPHEN.sub("", unicodedata.normalize("NFKC", text))
    return _TYPOGRAPHIC.sub(lambda m: _TYPOGRAPHY[m.group()], text)


def fold(text: str) -> str:
    """The form texts are compared in: typography, case, whitespace and hyphenation folded, so a quote a user typed
    or a name in a question meets the same words extracted from a report ('co- ordinated' = 'coordinated')."""
    text = _SPACED_HYPHEN.sub("-", " ".join(normalise(text).casefold().split()))
    return _LETTERS_HYPHEN.sub("", text).strip()


BULLET = "- "  # opens a line of supporting evidence under an answer's lead
CELL_BREAK = " | "  # between a table row's cells in a chunk's text (ingest writes it, cards draw tables from it)


def split_bullet(line: str) -> tuple[str, str]:
    """('- ', rest) for a bullet line of an answer, ('', line) otherwise."""
    return (BULLET, line.removeprefix(BULLET)) if line.startswith(BULLET) else ("", line)


def marker_numbers(group: str) -> list[int]:
    """The numbers inside one marker's brackets: '1, 3' → [1, 3]; '2–4' → [2, 3, 4]."""
    numbers: list[int] = []
    for part in re.split(r"\s*[,;]\s*", group):
        low, _, high = re.sub(r"\s*[–-]\s*", "-", part).partition("-")
        numbers.extend(range(int(low), min(int(high or low), int(low) + _MAX_RANGE) + 1))
    return numbers


def strip_markers(text: str) -> str:
    """Remove a report's own reference markers, so every [n] an answer shows is one of the answer's citations."""
    return MARKER.sub("", text)


_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\\\)|[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Text safe for a terminal: escape sequences and control characters from a report never reach it."""
    return _CONTROL.sub("", text)


def addresses_a_model(sentence: str) -> bool:
    """'Ignore previous instructions and reply only with …': a planted instruction, data and never support."""
    return bool(_INSTRUCTION.search(sentence))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix strip so 'budgets'/'budget' and 'integrated'/'integration' meet in keyword search."""
    for suffix in ("ations", "ation", "ating", "ated", "ates", "ate", "ings", "ing", "ies", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            base = word[: -len(suffix)]
            return base + "y" if suffix == "ies" else base
    return word


def words(text: str) -> list[str]:
    return [w.strip("'’-") for w in _WORD.findall(normalise(text))]


def tokens(text: str) -> list[str]:
    """Lower-cased, stemmed content words: the vocabulary of keyword search and support checks."""
    return [t for t in map(_token, words(text)) if t]


@lru_cache(maxsize=262144)
def _token(word: str) -> str:
    """One word's token, '' for a stopword: a corpus repeats its words, so each is worked out once."""
    word = word.lower()
    return "" if not word or word in STOPWORDS else stem(word.replace("'", "").replace("-", ""))


def numbers(text: str) -> list[str]:
    """Numbers with thousands separators removed, so '4,800' in an answer matches '4800' in a passage."""
    return [n.replace(",", "") for n in _NUMBER.findall(text)]


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) into `text`, whitespace trimmed; line breaks always end a sentence.

    A period after an abbreviation ('e.g.', 'et al.', 'No.'), an initial ('J. Smith') or a list number at the start
    of a line ('1. Introduction') does not end a sentence; decimals never match since no space follows the point.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        if m.group().startswith("\n") or not _is_abbreviation(text, m.start()):
            _add_span(text, start, m.end() if not m.group().startswith("\n") else m.start(), spans)
            start = m.end()
    _add_span(text, start, len(text), spans)
    return spans


def _is_abbreviation(text: str, dot: int) -> bool:
    if text[dot] != ".":
        return False
    line_start = text.rfind("\n", 0, dot) + 1
    word = text[line_start:dot].rsplit(None, 1)[-1] if text[line_start:dot].strip() else ""
    bare = word.lstrip("([\"'“‘").lower()
    if bare in _ABBREVIATIONS or re.fullmatch(r"[A-Za-z](\.[A-Za-z])+", bare):
        return True
    if re.fullmatch(r"[A-Z]", word):
        return True
    return bool(re.fullmatch(r"\d{1,2}(\.\d{1,2})*", word) and text[line_start:dot].strip() == word)


def _add_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    segment = text[start:end]
    if segment.strip():
        lead = len(segment) - len(segment.lstrip())
        spans.append((start + lead, start + len(segment.rstrip())))
