"""Records that cross module lines: documents → chunks → passages → answers."""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import BaseModel, Field


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class SourceMeta(BaseModel):
    """A report's bibliographic metadata, from the manifest or inferred from the file."""

    doc_id: str = Field(description="Corpus file name; stable id of the report.")
    title: str
    authors: list[str] = []
    publisher: str | None = None
    year: int | None = None
    kind: str | None = None
    aliases: list[str] = Field(
        default=[], description="What people call the report in a question ('the York review', 'HRB')."
    )
    from_manifest: bool = True


class PageSpan(BaseModel):
    """Printed page number covering [start, end) of the cleaned text."""

    page: str
    start: int
    end: int


class Heading(BaseModel):
    level: int
    title: str
    start: int = Field(description="Offset of the heading line in the cleaned text.")


class ParsedDocument(BaseModel):
    """A report after reading and cleaning, before chunking."""

    meta: SourceMeta
    text: str
    pages: list[PageSpan] = []
    headings: list[Heading] = []
    contents: dict[str, str] = Field(
        default={}, description="The report's contents list: heading (as `title_key` folds it) → printed first page."
    )
    file_hash: str = Field(description="SHA-256 of the file bytes; unchanged files are skipped on re-ingest.")


class Chunk(BaseModel):
    """A section-bounded passage of a report, the unit that is embedded, retrieved and cited."""

    chunk_id: str
    doc_id: str
    title: str
    authors: list[str] = []
    year: int | None = None
    section_path: list[str] = []
    page_start: str | None = None
    page_end: str | None = None
    page_source: Literal["printed", "contents"] | None = Field(
        None,
        description="printed: the page's own header, footer or PDF label; contents: the page range of the "
        "chunk's section in the report's contents list (no page signal inside the text).",
    )
    char_start: int
    char_end: int
    text: str = Field(description="What is shown and cited.")
    programmes: list[str] = Field(default=[], description="Gazetteer ids of programmes the chunk mentions.")

    @property
    def embed_text(self) -> str:
        """What is embedded: title and section path as context, then the text."""
        return f"{self.title}\n{self.section}\n\n{self.text}"

    @property
    def content_hash(self) -> str:
        """Equal hashes reuse the stored embedding."""
        return content_hash(self.embed_text)

    def tail_windows(self, words: int, stride: int) -> list[str]:
        """The parts of the text an embedder that reads `words` words would miss, each with the chunk's context.

        Windows start every `stride` words until one reaches the end; a chunk that fits whole has none.
        """
        head = f"{self.title}\n{self.section}"
        text = self.text.split()
        if len(head.split()) + len(text) <= words:
            return []
        windows = []
        for start in range(stride, len(text), stride):
            windows.append(f"{head}\n\n{' '.join(text[start : start + words])}")
            if start + words >= len(text) + len(head.split()):
                break
        return windows

    @property
    def section(self) -> str:
        return " › ".join(self.section_path)

    @property
    def page_label(self) -> str | None:
        if self.page_start is None:
            return None
        if self.page_end in (None, self.page_start):
            return self.page_start
        return f"{self.page_start}–{self.page_end}"


class Filters(BaseModel):
    """Restrict retrieval to chosen reports, programmes or years; empty means everything."""

    doc_ids: list[str] = []
    programmes: list[str] = []
    years: list[int] = []

    def admits(self, chunk: Chunk) -> bool:
        if self.doc_ids and chunk.doc_id not in self.doc_ids:
            return False
        if self.years and chunk.year not in self.years:
            return False
        return not self.programmes or bool(set(self.programmes) & set(chunk.programmes))


class Passage(BaseModel):
    """A retrieved chunk with the evidence for its rank."""

    chunk: Chunk
    score: float = Field(description="Fused score used for ranking.")
    dense_similarity: float | None = Field(None, description="Cosine similarity of the query and chunk embeddings.")
    dense_rank: int | None = None
    keyword_rank: int | None = None


class Turn(BaseModel):
    role: str = Field(pattern="^(user|assistant)$")
    content: str


class Citation(BaseModel):
    """One [n] of an answer: the chunk it cites and the span of it that supports the claim."""

    n: int = Field(description="The [n] marker used in the answer text.")
    chunk: Chunk
    quote: str = Field("", description="The sentence in the passage that supports the claim.")
    quote_start: int = Field(0, description="Character span of the quote inside the chunk's text.")
    quote_end: int = 0
    spans: list[tuple[int, int]] = Field(
        default=[],
        description="Every sentence of the passage a claim citing it rests on, in passage order (the quote is the "
        "first claim's): what the source card highlights and the export quotes.",
    )


class AnswerSentence(BaseModel):
    text: str
    citations: list[int] = []
    supported: bool = True
    support: float = Field(1.0, description="Share of the sentence's content words and numbers found in its sources.")
    unsupported_numbers: list[str] = []
    unsupported_names: list[str] = Field(default=[], description="Names and acronyms no cited passage uses.")
    bullet: bool = Field(False, description="A line of supporting evidence under the lead, not the lead itself.")


class Answer(BaseModel):
    question: str
    text: str
    sentences: list[AnswerSentence] = []
    citations: list[Citation] = []
    refused: bool = False
    retrieved: list[Passage] = Field(default=[], description="Passages in rank order; 'closest evidence' if refused.")
    notices: list[str] = Field(default=[], description="Things the user should know: truncation, dropped citations.")
    answerer: str = "extractive"
    retrieval_query: str = ""
    timings: dict[str, float] = {}
