"""Decide whether the retrieved evidence can answer the question at all, before any answer is written.

Two signals, calibrated on the evaluation set: the best passage's embedding similarity, and names in the
question (capitalised words, acronyms, years) that occur nowhere in the reports — a programme in a country
the reports never discuss must be refused, not answered from a loosely related paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from icassist import prompts
from icassist.records import Passage
from icassist.text import STOPWORDS, tokens

_NAME = re.compile(r"(?<![\w'’])(?:[A-Z][\w'’\-]*|\d{4})(?![\w])")


@dataclass(frozen=True)
class Verdict:
    answerable: bool
    reason: str | None = None


def unknown_names(question: str, vocabulary: Collection[str]) -> list[str]:
    """Capitalised words and years after the first word that no report contains."""
    unknown = []
    for i, match in enumerate(_NAME.finditer(question)):
        word = match.group(0).rstrip("'’").removesuffix("'s").removesuffix("’s")
        if (i == 0 and match.start() == 0 and not word.isupper()) or word.lower() in STOPWORDS:
            continue
        if any(t not in vocabulary for t in tokens(word)):
            unknown.append(word)
    return list(dict.fromkeys(unknown))


def assess(question: str, passages: list[Passage], vocabulary: Collection[str], threshold: float) -> Verdict:
    if not passages:
        return Verdict(False, None)
    names = unknown_names(question, vocabulary)
    if names:
        return Verdict(False, prompts.UNKNOWN_TERMS.format(terms=", ".join(f"'{n}'" for n in names)))
    best = max(p.dense_similarity or 0.0 for p in passages)
    return Verdict(best >= threshold)
