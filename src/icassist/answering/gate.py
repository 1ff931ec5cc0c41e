"""Decide whether the retrieved evidence can answer the question at all, before any answer is written.

Two signals, calibrated on the evaluation set: the best passage's embedding similarity, and names in the
question (capitalised words, acronyms, years) that occur nowhere in the reports — a programme in a country
the reports never discuss must be refused, not answered from a loosely related paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from icassist import prompts
from icassist.records import Passage
from icassist.retrieval import Lexicon, fold
from icassist.text import STOPWORDS, tokens

_NAME = re.compile(r"(?<![\w'’])(?:[A-Z][\w'’\-]*|\d{4})(?![\w])")
_INSTITUTION = (
    r"(?:Plans?|Funds?|Footprints?|Programmes?|Programs?|Schemes?|Trusts?|Boards?|Partnerships?|Authority|Act)"
)
_NAMED_BODY = re.compile(rf"\b[A-Z][\w\-]*(?:\s+(?:(?:and|of|for|&)\s+)?[A-Z][\w\-]*)*\s+{_INSTITUTION}\b")


@dataclass(frozen=True)
class Verdict:
    answerable: bool
    reason: str | None = None


def unknown_names(question: str, lexicon: Lexicon) -> list[str]:
    """Capitalised words and years after the first word, and names of funds, plans or trusts, no report contains.

    Each word of "Sustainability and Transformation Plan" occurs in the reports, the name itself never does.
    """
    unknown = []
    for i, match in enumerate(_NAME.finditer(question)):
        word = match.group(0).rstrip("'’").removesuffix("'s").removesuffix("’s")
        if (i == 0 and match.start() == 0 and not word.isupper()) or word.lower() in STOPWORDS:
            continue
        if any(t not in lexicon.vocabulary for t in tokens(word)):
            unknown.append(word)
    for match in _NAMED_BODY.finditer(question):
        words = match.group(0).split()[1:] if match.start() == 0 else match.group(0).split()
        while words and len(words[0]) <= 3 and words[0].isupper():  # "US Program", "UK Fund": a place, not a name
            words = words[1:]
        phrase = " ".join(words)
        if len(words) >= 2 and fold(phrase) not in lexicon.text and not any(w in phrase for w in unknown):
            unknown.append(phrase)
    return list(dict.fromkeys(unknown))


def assess(question: str, passages: list[Passage], lexicon: Lexicon, threshold: float) -> Verdict:
    if not passages:
        return Verdict(False, None)
    names = unknown_names(question, lexicon)
    if names:
        return Verdict(False, prompts.UNKNOWN_TERMS.format(terms=", ".join(f"'{n}'" for n in names)))
    best = max(p.dense_similarity or 0.0 for p in passages)
    return Verdict(best >= threshold)
