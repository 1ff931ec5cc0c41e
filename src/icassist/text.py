"""Word and sentence handling shared by chunking, keyword retrieval, answering and validation."""

from __future__ import annotations

import re
import unicodedata

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "us",
        "may",
        "might",
        "must",
        "shall",
        "one",
        "two",
        "also",
        "did",
        "tell",
        "told",
        "say",
        "says",
        "said",
        "give",
        "gave",
        "show",
        "shows",
        "shown",
        "find",
        "found",
        "report",
        "reports",
        "reported",
        "what's",
        "whats",
        "kind",
        "sort",
        "according",
    ]
)

_WORD = re.compile(r"[£$€]?\d+(?:[.,]\d+)*%?|[A-Za-z][A-Za-z'’\-]*[A-Za-z]|[A-Za-z]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_ABBREVIATIONS = frozenset(
    [
        "e.g",
        "i.e",
        "et",
        "al",
        "etc",
        "dr",
        "mr",
        "mrs",
        "ms",
        "prof",
        "no",
        "nos",
        "vs",
        "cf",
        "fig",
        "figs",
        "approx",
        "ca",
        "vol",
        "pp",
        "p",
        "st",
        "inc",
        "ltd",
        "co",
        "jr",
        "sr",
        "dept",
    ]
)
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9•\-–])|\n\s*\n|\n(?=\s*[•\-–*]\s)")


def normalise(text: str) -> str:
    """Fold typography that differs between a report and a user's typing."""
    text = unicodedata.normalize("NFKC", text)
    return (
        text.replace("’", "'")
        .replace("‘", "'")
        .replace("“", '"')
        .replace("”", '"')
        .replace("–", "-")
        .replace("—", "-")
        .replace("\u00ad", "")
    )


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
    return [stem(w.lower().replace("'", "").replace("-", "")) for w in words(text) if w and w.lower() not in STOPWORDS]


def numbers(text: str) -> list[str]:
    """Numbers with thousands separators removed, so '4,800' in an answer matches '4800' in a passage."""
    return [n.replace(",", "") for n in _NUMBER.findall(text)]


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans, not fooled by 'e.g.', 'et al.', initials or decimals; paragraph and list breaks end one."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.start() + 1
        if text[match.start()] == "." and _is_abbreviation(text, match.start()):
            continue
        _add_span(text, start, end, spans)
        start = match.end()
    _add_span(text, start, len(text), spans)
    return spans


def _is_abbreviation(text: str, dot: int) -> bool:
    word_start = dot
    while word_start > 0 and (text[word_start - 1].isalpha() or text[word_start - 1] == "."):
        word_start -= 1
    word = text[word_start:dot].lower()
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha() and text[word_start].isupper())


def _add_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
