"""The default answerer: the report's own sentences that best answer the question, each with its citation.

Nothing is paraphrased, so numbers, names and units are exactly the report's. Sentences are scored by idf-weighted
overlap with the question and by embedding similarity (a figure counts for more when the question asks for one).
Each part of a many-part question ("bed use, membership and budget") first gets its own best sentence, then the
best overall fill the budget. The best one leads; the rest follow as bullets in reading order. A list too long to
read as one sentence is quoted item by item, each item with the list's lead-in (shown once). A sentence that leans
on the one before it ("However, …", "This model …") comes with it or not at all; a passage's own qualifying
conclusion ("Overall …", "no data on cost-effectiveness") comes along with what it qualifies, even a little past
the word limit; when the question names a programme, a sentence from a passage about other programmes only is
left out rather than shown as if it were about the one asked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace

from icassist.answering.fragments import MAX_SENTENCE_WORDS, fragment_reason, strip_footnote_marks
from icassist.embeddings import LocalEmbeddings
from icassist.gazetteer import ProgrammeTagger
from icassist.question_parts import QuestionParts, analyse
from icassist.records import Passage
from icassist.settings import AnswerSettings
from icassist.text import BULLET, addresses_a_model, split_sentences, strip_markers, tokens

_CLEAN_LEAD = re.compile(r"^[•\-–*·▪]+\s*")
_LIST_ITEM = re.compile(r"^\s*(?:[•\-–*·▪]|\d{1,2}[.)]|\([a-z]\))\s+")  # bullets, '1. ', '2) ', '(a) '
_LEANS_BACK = re.compile(
    r"^(?:However|But|Yet|Also|Furthermore|Moreover|Nevertheless|Nonetheless|Similarly|Conversely|Instead|"
    r"Thus|Therefore|Hence|Consequently|In contrast|In addition|As a result|As a consequence|This|These|That|Those|"
    r"It|They|Its|Their|Such|Both|The latter|The former)\b"
)
_QUALIFIES = re.compile(
    r"\b(?:overall|however|although|but|did not|does not|do not|no (?:clear |robust |strong |significant )?"
    r"(?:evidence|data|difference|effect|impact)|not (?:statistically )?significant|limited evidence|"
    r"little evidence|weak|mixed|inconclusive|caution|uncertain|unclear|cost-effectiveness|not necessarily|"
    r"(?:very )?(?:hard|difficult) to|not (?:a )?realistic|underestimate|too early)\b",
    re.IGNORECASE,
)
_FRAMING_WEIGHT = 0.3  # a word that only sets the question up ('Taking the case studies together, …')
_CAVEAT_QUESTION_WORDS = 3  # 2 measured the same; fewer lets in qualifiers about something else
_DEFINITION = re.compile(r"^(?:what (?:is|are|does|do)|define|what is meant by|who (?:is|are))\b", re.IGNORECASE)
_FIGURE = re.compile(r"[£$€]\s?\d|\d\s?(?:%|per ?cent|million|bn|m\b)|\b\d[\d,.]*\b(?! ?(?:\]|\)))")
_NUMBER = re.compile(r"\b(?:how (?:many|much|long)|what (?:proportion|percentage|share|number))\b", re.IGNORECASE)


def _split_lead_in(text: str) -> tuple[str, str]:
    """('lead-in', 'item') for a unit that quotes a list item with its lead-in, ('', text) otherwise."""
    lead_in, colon, item = text.partition(": ")
    return (lead_in, item) if colon else ("", text)


@dataclass
class Candidate:
    passage: int
    index: int
    text: str
    lexical: float
    passage_similarity: float
    semantic: float = 0.0
    parts: tuple[float, ...] = ()  # how well it answers each part of the question (0 where it shares no word)
    gives_quantity: bool = False  # a figure, when the question asks for one

    @property
    def score(self) -> float:
        """Weights chosen on the evaluation set (evals/quality-log.md)."""
        relevance = 0.4 * self.semantic + 0.4 * self.lexical + 0.2 * self.passage_similarity - 0.02 * self.passage
        return relevance + 0.1 * self.gives_quantity

    @property
    def key(self) -> tuple[int, int]:
        return self.passage, self.index


def sentence_budget(question: str, settings: AnswerSettings) -> int:
    """Length follows the question: a definition needs a few sentences, a case study or comparison more."""
    if _DEFINITION.match(question.strip()) and " and " not in question:
        return min(3, settings.max_sentences)
    if _NUMBER.search(question) and " and " not in question:
        return min(4, settings.max_sentences)
    return settings.max_sentences


class ExtractiveAnswerer:
    name = "extractive"

    def __init__(
        self,
        embeddings: LocalEmbeddings,
        settings: AnswerSettings,
        idf: Mapping[str, float],
        tagger: ProgrammeTagger | None = None,
    ) -> None:
        self.embeddings = embeddings
        self.settings = settings
        self.idf = idf
        self.tagger = tagger

    def stream(self, question: str, query: str, passages: list[Passage]) -> Iterator[str]:
        """The lead as its own paragraph first, then the supporting sentences as bullets."""
        for i, sentence in enumerate(self.sentences(question, query, passages)):
            yield sentence if i == 0 else ("\n\n" if i == 1 else "\n") + BULLET + sentence

    def sentences(self, question: str, query: str, passages: list[Passage]) -> list[str]:
        return [self._cite(c) for c in self.evidence(question, query, passages)]

    def evidence(self, question: str, query: str, passages: list[Passage]) -> list[Candidate]:
        """The chosen sentences, lead first, then in reading order (also what a generative answerer writes from).

        `query` adds a follow-up's subject to keyword scoring; meaning is judged on the question itself."""
        by_passage = [self._prose(p) for p in passages]
        candidates = self._candidates(question, query, passages, by_passage)
        if not candidates:
            return []
        asked = analyse(question)
        self._add_semantic(question, asked, candidates)
        chosen = self._select(question, asked, candidates, by_passage)
        lead = max(chosen, key=lambda c: c.score if not _LEANS_BACK.match(c.text) else -1.0)
        rest = sorted((c for c in chosen if c is not lead), key=lambda c: c.key)
        shown: set[tuple[int, str]] = set()
        out = []
        for candidate in [lead, *rest]:
            text = candidate.text
            lead_in, item = _split_lead_in(text)
            if lead_in and (candidate.passage, lead_in) in shown:
                text = item[:1].upper() + item[1:]  # the list's lead-in is already in the answer
            elif lead_in:
                shown.add((candidate.passage, lead_in))
            out.append(replace(candidate, text=text))
        return out

    @staticmethod
    def _prose(passage: Passage) -> list[str | None]:
        """Each sentence of the passage, cleaned, or None where it is not prose.

        A list ("… divided into three categories: - the large majority (65–80%) …, - a small proportion …", or
        numbered "1. Systemic – …; 2. Normative – …") becomes one unit with its lead-in, its bullets or numbers
        dropped, since its items are not sentences on their own.
        """
        text = passage.chunk.text
        groups: list[list[str]] = []  # a sentence alone, or a list's lead-in and its items
        in_list = False
        for start, end in split_sentences(text):
            raw = strip_markers(text[start:end])
            item = _LIST_ITEM.match(raw)
            cleaned = " ".join(strip_footnote_marks(raw[item.end() :] if item else _CLEAN_LEAD.sub("", raw)).split())
            if item and cleaned.endswith("?"):
                groups.append([""])  # a list of the review's own questions is not evidence
                in_list = False
            elif item and groups and (in_list or groups[-1][-1].endswith(":")):
                groups[-1].append(cleaned)
                in_list = True
            else:
                groups.append([cleaned])
                in_list = bool(item)
        units = [u for g in groups for u in ExtractiveAnswerer._list_units(g)]
        return [s if s and fragment_reason(s) is None and not addresses_a_model(s) else None for s in units]

    @staticmethod
    def _list_units(group: list[str]) -> list[str]:
        """A short list reads as one sentence; in one too long for that each item is a unit with the lead-in that
        gives it its meaning, so the one that answers is still quoted ("The Act also brought new duties …: A
        reimbursement charge of £100–120 per day …" among four duties); items without a lead-in stand alone."""
        joined = " ".join(group)
        if len(joined.split()) <= MAX_SENTENCE_WORDS:
            return [joined]
        lead, *items = group
        if lead.endswith(":"):
            return ["", *(f"{lead} {item}" for item in items)]
        return [item[:1].upper() + item[1:] for item in group]

    def _candidates(
        self,
        question: str,
        query: str,
        passages: list[Passage],
        by_passage: list[list[str | None]],
    ) -> list[Candidate]:
        weights = {t: 0.5 * self.idf.get(t, 1.0) for t in tokens(query)}
        framing = analyse(question).framing
        weights.update({t: self.idf.get(t, 1.0) * (_FRAMING_WEIGHT if t in framing else 1.0) for t in tokens(question)})
        total = sum(weights.values()) or 1.0
        asked = set(self.tagger.tag(question)) if self.tagger else set()
        found = []
        for p, passage in enumerate(passages):
            off_topic = asked and passage.chunk.programmes and not asked & set(passage.chunk.programmes)
            for i, sentence in enumerate(by_passage[p]):
                if sentence is None:
                    continue
                if off_topic and not (self.tagger and asked & set(self.tagger.tag(sentence))):
                    continue  # about other programmes: never presented as being about the one asked
                lexical = sum(weights.get(t, 0.0) for t in set(tokens(sentence))) / total
                found.append(Candidate(p, i, sentence, lexical, passage.dense_similarity or 0.0))
        found.sort(key=lambda c: c.lexical - 0.02 * c.passage, reverse=True)
        return found[: self.settings.semantic_candidates]

    def _add_semantic(self, question: str, asked: QuestionParts, candidates: list[Candidate]) -> None:
        """Similarity to the whole question, and a score per part: its words (idf-weighted) and its meaning."""
        heads = [question, *asked.parts]
        vectors = self.embeddings.embed_for_query(heads + [c.text for c in candidates])
        similarities = vectors[len(heads) :] @ vectors[: len(heads)].T
        part_words = [{t: self.idf.get(t, 1.0) for t in tokens(part)} for part in asked.parts]
        for candidate, row in zip(candidates, similarities, strict=True):
            candidate.semantic = float(row[0])
            candidate.gives_quantity = asked.asks_quantity and bool(_FIGURE.search(candidate.text))
            words = set(tokens(candidate.text))
            overlap = [
                sum(w for t, w in part.items() if t in words) / (sum(part.values()) or 1.0) for part in part_words
            ]
            candidate.parts = tuple(
                0.5 * share + 0.5 * float(similarity) if share else 0.0
                for share, similarity in zip(overlap, row[1:], strict=True)
            )

    def _select(
        self, question: str, asked: QuestionParts, candidates: list[Candidate], by_passage: list[list[str | None]]
    ) -> list[Candidate]:
        """The best sentence for each part of the question, then the best overall, within the budget; each with
        the sentence it leans on; then qualifying caveats, which may run `caveat_words` past the word limit."""
        budget = max(sentence_budget(question, self.settings), min(len(asked.parts), self.settings.max_sentences))
        chosen: dict[tuple[int, int], Candidate] = {}
        words = 0
        columns = list(zip(*(c.parts for c in candidates), strict=True)) if asked.parts else []
        per_part = [candidates[max(range(len(col)), key=col.__getitem__)] for col in columns if max(col) > 0]
        overall = sorted(candidates, key=lambda c: c.score, reverse=True)
        for candidate in [*per_part, *overall]:
            if len(chosen) >= budget:
                break
            if candidate.key in chosen or self._repeats(candidate, chosen.values()):
                continue
            group = [candidate]
            if _LEANS_BACK.match(candidate.text):
                before = self._neighbour(candidate, -1, by_passage)
                if before is None:
                    continue  # its antecedent is not prose: the sentence cannot stand alone
                if before.key not in chosen:
                    group.insert(0, before)
            size = sum(self._words(c, chosen.values()) for c in group)
            if len(chosen) + len(group) > budget or words + size > self.settings.max_words:
                continue
            chosen.update((c.key, c) for c in group)
            words += size
        for caveat in self._caveats(question, list(chosen.values()), by_passage):
            size = self._words(caveat, chosen.values())
            if caveat.key not in chosen and words + size <= self.settings.max_words + self.settings.caveat_words:
                chosen[caveat.key] = caveat
                words += size
        return list(chosen.values())

    def _caveats(self, question: str, chosen: list[Candidate], by_passage: list[list[str | None]]) -> list[Candidate]:
        """A passage's own qualifying sentence beside a chosen one, or one further on the same subject, or anywhere
        in the passage when it shares three of the question's words (a passage's conclusion: "… but it seems to be
        very hard to reduce emergency admissions")."""
        question_words = set(tokens(question))
        taken = {c.key for c in chosen}
        found: list[Candidate] = []
        for candidate in sorted(chosen, key=lambda c: c.score, reverse=True):
            if _QUALIFIES.search(candidate.text):
                continue
            farther = sorted(range(-candidate.index, len(by_passage[candidate.passage]) - candidate.index), key=abs)
            for offset in (1, -1, 2, -2, *(o for o in farther if abs(o) > 2)):
                near = self._neighbour(candidate, offset, by_passage)
                if near is None or near.key in taken or not _QUALIFIES.search(near.text):
                    continue
                if _LEANS_BACK.match(near.text) and offset != 1:
                    continue  # it leans on a sentence that is not in the answer
                shared = set(tokens(near.text)) & (question_words | set(tokens(candidate.text)))
                on_question = len(set(tokens(near.text)) & question_words) >= _CAVEAT_QUESTION_WORDS
                if abs(offset) == 1 or (abs(offset) == 2 and shared) or on_question:
                    found.append(near)
                    taken.add(near.key)
                    break
        return found[: self.settings.max_caveats]

    @staticmethod
    def _neighbour(candidate: Candidate, offset: int, by_passage: list[list[str | None]]) -> Candidate | None:
        sentences = by_passage[candidate.passage]
        i = candidate.index + offset
        text = sentences[i] if 0 <= i < len(sentences) else None
        if text is None:
            return None
        return Candidate(candidate.passage, i, text, 0.0, candidate.passage_similarity)

    @staticmethod
    def _words(candidate: Candidate, chosen: Iterable[Candidate]) -> int:
        """Words it adds to the answer: a list item's lead-in counts once, however many of its items are quoted."""
        lead_in, item = _split_lead_in(candidate.text)
        if lead_in and any(c.passage == candidate.passage and _split_lead_in(c.text)[0] == lead_in for c in chosen):
            return len(item.split())
        return len(candidate.text.split())

    @staticmethod
    def _repeats(candidate: Candidate, chosen: Iterable[Candidate]) -> bool:
        words = set(tokens(candidate.text))
        for other in chosen:
            theirs = set(tokens(other.text))
            if len(words & theirs) / (len(words | theirs) or 1) > 0.6:
                return True
        return False

    @staticmethod
    def _cite(candidate: Candidate) -> str:
        """Put the marker before the closing punctuation so the sentence and its source stay one unit."""
        text = candidate.text.rstrip()
        marker = f" [{candidate.passage + 1}]"
        if text and text[-1] in ".!?:;":
            return text[:-1] + marker + text[-1]
        return text + marker + "."
