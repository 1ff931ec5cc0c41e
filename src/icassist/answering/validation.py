"""Check an answer against the passages it cites, whichever answerer wrote it.

Markers that point at no passage are removed; each sentence's content words and numbers are looked up in
the passages it cites; the supporting sentence of each passage is located for highlighting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from icassist import prompts
from icassist.records import AnswerSentence, Citation, Passage
from icassist.text import MARKER as _MARKER
from icassist.text import addresses_a_model, numbers, split_bullet, split_sentences, tokens, words
from icassist.text import marker_numbers as _marker_numbers

_PERCENT = re.compile(r"(\d+(?:[.,]\d+)*)\s*(?:%|per\s?cent\b)", re.IGNORECASE)
SUPPORT_THRESHOLD = 0.6
MIN_SHARED_WORDS = 2  # "HACKED [1]." shares its one word with a planted note: one word is not support
_NAME = re.compile(r"(?<=[\w,;)] )[A-Z][^\W\d_]+\b|\b[A-Z]{2,}\b")


@dataclass
class Checked:
    text: str
    sentences: list[AnswerSentence]
    citations: list[Citation]
    notices: list[str]


def _renumber(text: str, passages: list[Passage]) -> tuple[str, dict[int, int], list[str]]:
    """Drop markers with no passage; number the rest 1, 2, … in order of first use."""
    order: dict[int, int] = {}
    notices: list[str] = []

    def replace(match: re.Match[str]) -> str:
        kept = []
        for n in _marker_numbers(match.group(1)):
            if 1 <= n <= len(passages):
                kept.append(order.setdefault(n, len(order) + 1))
            else:
                notice = prompts.REMOVED_CITATION.format(n=n)
                if notice not in notices:
                    notices.append(notice)
        return "".join(f" [{n}]" for n in dict.fromkeys(kept))

    return _MARKER.sub(replace, text).strip(), order, notices


def _sentences_with_markers(text: str) -> list[str]:
    """Split, then re-attach a sentence made only of markers to the one before it."""
    pieces: list[str] = []
    for start, end in split_sentences(text):
        piece = text[start:end]
        if pieces and not _MARKER.sub("", piece).strip(" ."):
            pieces[-1] += " " + piece
        else:
            pieces.append(piece)
    return pieces


def evidence_text(passage_text: str) -> str:
    """The passage without sentences that instruct a model: a planted instruction is data, never support."""
    spans = split_sentences(passage_text)
    return " ".join(passage_text[a:b] for a, b in spans if not addresses_a_model(passage_text[a:b]))


def _missing_names(sentence: str, source_text: str) -> list[str]:
    """Capitalised names and acronyms inside the sentence that the cited passages never use."""
    source_words = {w.lower() for w in words(source_text)}
    return [n for n in dict.fromkeys(_NAME.findall(sentence)) if n.lower() not in source_words]


def _support(sentence: str, sources: list[str]) -> tuple[float, list[str], list[str]]:
    content = set(tokens(sentence))
    source_text = " ".join(evidence_text(source) for source in sources)
    source_tokens = set(tokens(source_text))
    source_numbers = set(numbers(source_text))
    missing_numbers = [n for n in dict.fromkeys(numbers(sentence)) if n not in source_numbers]
    # "99%" is not supported by the "99" of "1998/99": a percentage must be one in the sources too
    source_percentages = {n.replace(",", "") for n in _PERCENT.findall(source_text)}
    missing_numbers += [
        f"{n}%"
        for n in dict.fromkeys(n.replace(",", "") for n in _PERCENT.findall(sentence))
        if n not in source_percentages and n not in missing_numbers
    ]
    missing_names = _missing_names(sentence, source_text)
    shared = len(content & source_tokens)
    if shared < MIN_SHARED_WORDS:
        return 0.0, missing_numbers, missing_names
    return shared / len(content), missing_numbers, missing_names


def _best_span(passage_text: str, claim: str) -> tuple[int, int]:
    """The passage sentence sharing most content words with the claim: what the source card highlights."""
    claim_tokens = set(tokens(claim))
    best, best_score = (0, 0), -1.0
    for start, end in split_sentences(passage_text):
        sentence_tokens = set(tokens(passage_text[start:end]))
        score = len(claim_tokens & sentence_tokens) / (len(sentence_tokens) ** 0.5 or 1.0)
        if score > best_score:
            best, best_score = (start, end), score
    return best


def check(text: str, passages: list[Passage]) -> Checked:
    text, order, notices = _renumber(text, passages)
    by_new = {new: passages[old - 1] for old, new in order.items()}
    sentences: list[AnswerSentence] = []
    claims: dict[int, list[str]] = {}
    for piece in _sentences_with_markers(text):
        prefix, piece = split_bullet(piece)
        bullet = bool(prefix)
        cited = list(dict.fromkeys(n for m in _MARKER.finditer(piece) for n in _marker_numbers(m.group(1))))
        bare = _MARKER.sub("", piece).strip()
        if not cited:
            sentences.append(AnswerSentence(text=piece, citations=[], supported=False, support=0.0, bullet=bullet))
            continue
        support, missing, names = _support(bare, [by_new[n].chunk.text for n in cited])
        sentences.append(
            AnswerSentence(
                text=piece,
                citations=cited,
                supported=support >= SUPPORT_THRESHOLD and not missing and not names,
                support=round(support, 3),
                unsupported_numbers=missing,
                unsupported_names=names,
                bullet=bullet,
            )
        )
        for n in cited:
            claims.setdefault(n, []).append(bare)
    citations = []
    for n in sorted(by_new):
        chunk = by_new[n].chunk
        spans = [_best_span(chunk.text, claim) for claim in claims.get(n, [""])]
        start, end = spans[0]
        citations.append(
            Citation(
                n=n,
                chunk=chunk,
                quote=chunk.text[start:end],
                quote_start=start,
                quote_end=end,
                spans=sorted(set(spans)),
            )
        )
    if any(not s.supported for s in sentences):
        notices.append(prompts.UNSUPPORTED)
    return Checked(text=text, sentences=sentences, citations=citations, notices=notices)
