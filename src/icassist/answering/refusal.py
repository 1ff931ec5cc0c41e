"""The one place that decides to refuse, and says why: before an answer is written, and after it is checked.

Before: two signals, calibrated on the evaluation set — the best passage's embedding similarity, and names
in the question (capitalised words, acronyms, years) that occur nowhere in the reports: a programme in a
country the reports never discuss must be refused, not answered from a loosely related paragraph.
After: a draft that cites nothing that exists, or that is the model's own refusal, is not an answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from icassist import prompts
from icassist.records import Passage
from icassist.retrieval import Lexicon
from icassist.text import STOPWORDS, fold, tokens

_NAME = re.compile(r"(?<![\w'’])(?:[A-Z][\w'’\-]*|\d{4})(?![\w])")
_INSTITUTION = (
    r"(?:Plans?|Funds?|Footprints?|Programmes?|Programs?|Schemes?|Trusts?|Boards?|Partnerships?|Authority|Act)"
)
_NAMED_BODY = re.compile(rf"\b[A-Z][\w\-]*(?:\s+(?:(?:and|of|for|&)\s+)?[A-Z][\w\-]*)*\s+{_INSTITUTION}\b")


@dataclass(frozen=True)
class Verdict:
    answerable: bool
    reason: str | None = None  # why not, for a refusal; what the answer leaves out, for an answer


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


def assess(
    question: str, passages: list[Passage], lexicon: Lexicon, threshold: float, programmes: tuple[str, ...] = ()
) -> Verdict:
    """Before answering: can these passages answer the question at all?

    `programmes`: the case studies the question names that the reports discuss. A name the reports never use
    beside one of them ('SIPA in Montreal') is said plainly on an answer about that programme; without one it
    is a refusal (a programme in a country the reports never discuss)."""
    if not passages:
        return Verdict(False, None)
    best = max(p.dense_similarity or 0.0 for p in passages)
    names = unknown_names(question, lexicon)
    if names:
        terms = ", ".join(f"'{n}'" for n in names)
        if programmes and best >= threshold:
            return Verdict(True, prompts.UNKNOWN_BESIDE.format(terms=terms, programmes=" and ".join(programmes)))
        return Verdict(False, prompts.UNKNOWN_TERMS.format(terms=terms))
    return Verdict(best >= threshold)


def is_refusal(text: str) -> bool:
    """The model answered with the fixed refusal phrase (anywhere, in any case or line wrapping)."""
    return prompts.REFUSAL.lower().rstrip(".") in " ".join(text.lower().split())


def accepts(draft_text: str, cited: int) -> bool:
    """After checking: a draft is shown only if it cites at least one real passage and is not a refusal."""
    return cited > 0 and not is_refusal(draft_text)


def refusal_text(verdict: Verdict) -> str:
    return " ".join(filter(None, [prompts.REFUSAL, verdict.reason, prompts.REFUSAL_DETAIL]))
