"""One results.jsonl line per question: what the pipeline answered, cited and retrieved, with offsets.

Offsets and chunk ids are kept so every metric can be recomputed from the file alone, without the store.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from icassist.evaluation.metrics import CitedSentence, Evidence, Outcome
from icassist.evaluation.questions import Question
from icassist.records import Answer


class CitedRow(BaseModel):
    n: int
    source: str
    title: str
    section: str
    page: str | None
    text: str
    chunk_id: str
    char_start: int | None
    char_end: int | None
    programmes: list[str] = []


class SentenceRow(BaseModel):
    text: str
    citations: list[int] = []


class RetrievedRow(BaseModel):
    rank: int
    source: str
    text: str
    score: float
    chunk_id: str
    char_start: int | None
    char_end: int | None


class ResultRow(BaseModel):
    id: str
    type: str
    question: str
    answer: str = ""
    refused: bool = False
    citations: list[CitedRow] = []
    sentences: list[SentenceRow] = []
    retrieved: list[RetrievedRow] = []
    latency_s: float
    error: str | None = None

    @classmethod
    def of(cls, question: Question, answer: Answer | None, latency_s: float, error: str | None = None) -> ResultRow:
        row = cls(id=question.id, type=question.type, question=question.question, latency_s=round(latency_s, 4))
        if answer is None:
            return row.model_copy(update={"error": error})
        retrieved_ids = {p.chunk.chunk_id for p in answer.retrieved}  # offsets only for passages the run retrieved
        cited = [
            CitedRow(
                n=c.n,
                source=c.chunk.doc_id,
                title=c.chunk.title,
                section=c.chunk.section,
                page=c.chunk.page_label,
                text=c.chunk.text,
                chunk_id=c.chunk.chunk_id,
                char_start=c.chunk.char_start if c.chunk.chunk_id in retrieved_ids else None,
                char_end=c.chunk.char_end if c.chunk.chunk_id in retrieved_ids else None,
                programmes=list(c.chunk.programmes),
            )
            for c in answer.citations
        ]
        retrieved = [
            RetrievedRow(
                rank=rank,
                source=p.chunk.doc_id,
                text=p.chunk.text,
                score=round(p.score, 6),
                chunk_id=p.chunk.chunk_id,
                char_start=p.chunk.char_start,
                char_end=p.chunk.char_end,
            )
            for rank, p in enumerate(answer.retrieved, start=1)
        ]
        return row.model_copy(
            update={
                "answer": answer.text,
                "refused": answer.refused,
                "citations": cited,
                "sentences": [SentenceRow(text=x.text, citations=x.citations) for x in answer.sentences],
                "retrieved": retrieved,
                "error": error,
            }
        )

    def outcome(self) -> Outcome:
        tags = {c.n: frozenset(c.programmes) for c in self.citations}
        return Outcome(
            sentences=tuple(
                CitedSentence(s.text, tuple(tags[n] for n in s.citations if n in tags)) for s in self.sentences
            ),
            answer=self.answer,
            refused=self.refused,
            retrieved=[Evidence(r.source, r.text, r.char_start, r.char_end) for r in self.retrieved],
            citations=[Evidence(c.source, c.text, c.char_start, c.char_end, c.page) for c in self.citations],
            latency_s=self.latency_s,
            error=self.error,
        )


def write_results(path: Path, rows: list[ResultRow]) -> None:
    path.write_text("".join(row.model_dump_json() + "\n" for row in rows), encoding="utf-8")
