"""Which reports a question names ('the York review', 'the Strategy Unit scan'), from the manifest's aliases.

A question that names a report is asked about that report: its passages are preferred in retrieval (a bonus
on the fused score, not a filter, so another report that answers better can still come first). A one-word
alias with capitals ('Monitor', 'York', 'HRB') must be written with them, so "how do they monitor outcomes"
names no report; longer aliases ('king's fund') match however they are typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from icassist.records import SourceMeta
from icassist.text import fold, normalise


def _any_of(names: Iterable[str]) -> re.Pattern[str] | None:
    ordered = sorted(set(names), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, ordered)) + r")(?!\w)") if ordered else None


@dataclass(frozen=True)
class ReportNames:
    patterns: tuple[tuple[str, re.Pattern[str] | None, re.Pattern[str] | None], ...]  # doc_id, exact, folded

    @classmethod
    def of(cls, metas: Iterable[SourceMeta]) -> ReportNames:
        patterns = []
        for meta in metas:
            aliases = [a.strip() for a in meta.aliases if a.strip()]
            exact = [normalise(a) for a in aliases if " " not in a and a != a.lower()]
            folded = [fold(a) for a in aliases if " " in a or a == a.lower()]
            if aliases:
                patterns.append((meta.doc_id, _any_of(exact), _any_of(folded)))
        return cls(tuple(patterns))

    def named(self, text: str) -> frozenset[str]:
        plain, folded = normalise(text), fold(text)
        return frozenset(
            doc_id
            for doc_id, exact, loose in self.patterns
            if (exact and exact.search(plain)) or (loose and loose.search(folded))
        )
