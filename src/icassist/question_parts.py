"""What a question asks: its parts, so an answer can carry evidence for each rather than for whichever scores best.

"What happened to its hospital bed use, membership and budget?" asks three things; "What did it cost, and did
it save money?" two; "How does PRISMA's funding differ from PACE?" one per side. The rules are small and
deterministic on purpose: a part that is not split off is still answered by the whole question's ranking.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from icassist.text import tokens

_CLAUSE = re.compile(
    r"(?:[;?]\s+|,?\s+and\s+(?=(?:what|how|why|which|who|when|where|whether|did|does|do|is|are|was|were|has|have|"
    r"can|could|would|should)\b)|,\s+(?=(?:what|how|why|which|who|when|where|whether)\b))",
    re.IGNORECASE,
)
_SIDES = re.compile(r"\s+(?:compared? (?:with|to)|differ(?:s|ed)? from|versus|vs\.?|against|as opposed to)\s+", re.I)
_LIST = re.compile(r",\s+(?:and\s+|or\s+)?|\s+(?:and|or)\s+", re.IGNORECASE)
_CONTEXT = re.compile(
    r"^(?:in|for|under|after|among|when|if|compared (?:with|to)|taking|overall|according to|as (?:set out|described)|"
    r"from)\b",
    re.IGNORECASE,
)  # 'In North Carolina's networks (CCNC), what …': the setting of the question, not a part of it
_QUANTITY = re.compile(
    r"\b(?:how (?:many|much|long|large|big|often)|what (?:proportion|percentage|share|number|payment|amount|"
    r"price|rate)|cost|costs|paid|payment|per cent|percent|%|figure|figures)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class QuestionParts:
    """`parts`: the sub-questions and listed items, each with content words of its own; empty for a single ask.
    `framing`: words only in the clauses that set the question up rather than ask it ('Taking the stakeholder
    discussions and case studies together, which barriers …'), which say little about which sentence answers."""

    question: str
    parts: tuple[str, ...]
    asks_quantity: bool
    framing: frozenset[str] = frozenset()


@lru_cache(maxsize=1024)
def analyse(question: str) -> QuestionParts:
    """Cached: retrieval and the answerer both ask it of the same question."""
    text = " ".join(question.split()).rstrip("?. ")
    parts: list[str] = []
    for clause in _CLAUSE.split(text):
        for side in _SIDES.split(clause):
            parts.extend(_items(side))
    asks = [p for p in parts if not _CONTEXT.match(p.strip())]
    distinct = _distinct(asks)
    setting = {t for p in parts if _CONTEXT.match(p.strip()) for t in tokens(p)}
    framing = frozenset(setting - {t for p in asks for t in tokens(p)})
    return QuestionParts(
        question, tuple(distinct) if len(distinct) > 1 else (), bool(_QUANTITY.search(question)), framing
    )


def _items(clause: str) -> list[str]:
    """A comma list ('its hospital bed use, membership and budget') gives one part per item; 'health and social
    care' or 'Curry and Ham' without a comma stay whole."""
    if "," not in clause:
        return [clause]
    pieces = [p for p in _LIST.split(clause) if p.strip()]
    if len(pieces) < 2 or not all(1 <= len(tokens(p)) <= 4 for p in pieces[1:]):
        return [clause]
    return pieces


def _distinct(parts: list[str]) -> list[str]:
    """Parts with content words of their own: 'and what' alone, or a repeat of an earlier part, is no part."""
    out: list[str] = []
    seen: set[frozenset[str]] = set()
    for part in parts:
        words = frozenset(tokens(part))
        if words and words not in seen:
            seen.add(words)
            out.append(part.strip(" ,"))
    return out
