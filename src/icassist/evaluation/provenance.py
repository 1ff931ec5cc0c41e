"""Provenance per report: how many chunks and citations carry a page, whether section paths are the report's, and
whether programme tags mean it.

Section sanity checks the store against each report's top-level headings listed by hand (corpus/headings.toml),
so a parser that files a report under a line of its method list ('4. English language') shows as a number; tag
precision checks chunk tags against hand-checked (passage, programme) pairs (evals/tag-sample.jsonl).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from icassist.evaluation.results import ResultRow
from icassist.ingest.headings import is_summary
from icassist.ingest.lines import title_key
from icassist.records import Chunk
from icassist.text import fold
from icassist.toml_files import load_toml


class HeadingsError(ValueError):
    """The hand-listed headings file cannot be used as written; the message names file, entry and field."""


class ReportHeadings(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    file: str = Field(min_length=1, description="The report's file name in the corpus folder.")
    top: list[str] = Field(min_length=1, description="Its top-level headings as printed.")


class HeadingsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    report: list[ReportHeadings] = []


def load_headings(path: Path) -> dict[str, frozenset[str]]:
    """Report file → its top-level headings in comparison form; no file means no report is checked."""
    if not path.exists():
        return {}
    listed = load_toml(path, HeadingsFile, HeadingsError, entry_key="file")
    return {r.file: frozenset(title_key(t) for t in r.top) for r in listed.report}


def section_sane(path: Sequence[str], top: frozenset[str]) -> bool:
    """It starts at a top-level heading, and no top-level heading sits below another ('Introduction › Methods'),
    except in a summary, which has its own 'Introduction', 'Methods' and 'Conclusion'."""
    keys = [title_key(title) for title in path]
    if not keys or keys[0] not in top:
        return False
    return is_summary(path[0]) or not any(key in top for key in keys[1:])


@dataclass(frozen=True)
class ReportProvenance:
    doc_id: str
    chunks: int
    paged_chunks: int
    citations: int
    paged_citations: int
    sane_chunks: int | None  # None: the report's headings are not listed

    @property
    def section_sanity(self) -> float | None:
        return None if self.sane_chunks is None else self.sane_chunks / self.chunks

    @property
    def chunk_page_coverage(self) -> float:
        return self.paged_chunks / self.chunks

    @property
    def citation_page_coverage(self) -> float | None:
        return self.paged_citations / self.citations if self.citations else None


def per_report(
    chunks: Sequence[Chunk], rows: Sequence[ResultRow], headings: dict[str, frozenset[str]]
) -> list[ReportProvenance]:
    cited: dict[str, list[str | None]] = {}
    for row in rows:
        for citation in row.citations:
            cited.setdefault(citation.source, []).append(citation.page)
    by_report: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        by_report.setdefault(chunk.doc_id, []).append(chunk)
    out = []
    for doc_id, own in sorted(by_report.items()):
        top = headings.get(doc_id)
        pages = cited.get(doc_id, [])
        out.append(
            ReportProvenance(
                doc_id=doc_id,
                chunks=len(own),
                paged_chunks=sum(c.page_start is not None for c in own),
                citations=len(pages),
                paged_citations=sum(p is not None for p in pages),
                sane_chunks=None if top is None else sum(section_sane(c.section_path, top) for c in own),
            )
        )
    return out


def section_sanity(reports: Sequence[ReportProvenance]) -> float | None:
    """Over all checked reports' chunks: one figure for the gate."""
    checked = [r for r in reports if r.sane_chunks is not None]
    total = sum(r.chunks for r in checked)
    return sum(r.sane_chunks or 0 for r in checked) / total if total else None


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def provenance_table(reports: Sequence[ReportProvenance]) -> list[str]:
    lines = [
        "| report | chunks | chunks with a page | citations | citations with a page | section sanity |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in reports:
        lines.append(
            f"| {r.doc_id} | {r.chunks} | {_share(r.chunk_page_coverage)} | {r.citations} | "
            f"{_share(r.citation_page_coverage)} | {_share(r.section_sanity)} |"
        )
    return lines


def insane_sections(chunks: Sequence[Chunk], headings: dict[str, frozenset[str]], limit: int = 10) -> list[str]:
    """The commonest section paths that fail the check, per report: where to look first."""
    counts: dict[tuple[str, str], int] = {}
    for chunk in chunks:
        top = headings.get(chunk.doc_id)
        if top is not None and not section_sane(chunk.section_path, top):
            key = (chunk.doc_id, chunk.section or "(no section)")
            counts[key] = counts.get(key, 0) + 1
    worst = sorted(counts.items(), key=lambda item: -item[1])[:limit]
    return [f"- {doc_id}: {section} ({n} chunks)" for (doc_id, section), n in worst]


class TagLabel(BaseModel):
    """One hand-checked chunk tag: does the passage holding `quote` discuss `programme`, or only name it?"""

    model_config = ConfigDict(extra="forbid")

    report: str
    programme: str
    quote: str = Field(min_length=10, description="The start of the sentence that names the programme.")
    discusses: bool
    sample: str = Field(description="'development' (rules were tuned on it) or 'held-out'.")


def load_tag_labels(path: Path) -> list[TagLabel]:
    """The labelled sample; no file means no tag figures."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [TagLabel.model_validate_json(line) for line in lines if line.strip()]


@dataclass(frozen=True)
class TagAgreement:
    precision: float | None  # kept tags the labels say are discussed
    recall: float | None  # discussed programmes the tags keep
    checked: int  # labels whose passage was found in the store


def tag_agreement(chunks: Sequence[Chunk], labels: Sequence[TagLabel]) -> TagAgreement:
    by_report: dict[str, list[tuple[str, Chunk]]] = {}
    for chunk in chunks:
        by_report.setdefault(chunk.doc_id, []).append((fold(chunk.text), chunk))
    hits = kept = right = checked = 0
    for label in labels:
        quote = fold(label.quote)
        holding = next((c for text, c in by_report.get(label.report, []) if quote in text), None)
        if holding is None:
            continue
        checked += 1
        tagged = label.programme in holding.programmes
        kept += tagged
        right += label.discusses
        hits += tagged and label.discusses
    return TagAgreement(hits / kept if kept else None, hits / right if right else None, checked)
