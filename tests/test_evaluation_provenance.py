"""Provenance per report: page coverage of chunks and citations, and section sanity against hand-listed headings."""

from __future__ import annotations

from pathlib import Path

import pytest

from icassist.evaluation.provenance import (
    HeadingsError,
    TagAgreement,
    TagLabel,
    insane_sections,
    load_headings,
    load_tag_labels,
    per_report,
    provenance_table,
    section_sane,
    section_sanity,
    tag_agreement,
)
from icassist.evaluation.results import CitedRow, ResultRow
from icassist.records import Chunk
from tests.conftest import KINGSFUND, PROJECT_ROOT, REAL_CORPUS

EVALS = PROJECT_ROOT / "evals"

CHE_TOP = frozenset({"executive summary", "introduction", "methods", "results", "discussion"})


@pytest.mark.parametrize(
    ("path", "sane"),
    [
        (["Results", "Description of IRM categories", "Service use and costs"], True),
        (["4. English language", "EXCLUSION CRITERIA"], False),  # a line of the method list taken as a heading
        (["Introduction", "Methods"], False),  # a top-level section filed under another
        (["Executive summary", "Introduction", "Aims"], True),  # a summary has its own Introduction
        ([], False),  # front matter with no heading
    ],
)
def test_section_sane(path: list[str], sane: bool) -> None:
    assert section_sane(path, CHE_TOP) is sane


def _chunk(doc_id: str, path: list[str], page: str | None) -> Chunk:
    return Chunk(
        chunk_id=f"{doc_id}:{len(path)}:{page}",
        doc_id=doc_id,
        title="T",
        section_path=path,
        page_start=page,
        char_start=0,
        char_end=1,
        text="x",
    )


def _cited(source: str, page: str | None) -> CitedRow:
    return CitedRow(
        n=1, source=source, title="T", section="", page=page, text="x", chunk_id="c", char_start=0, char_end=1
    )


def test_per_report_counts_pages_and_sections_of_each_report() -> None:
    chunks = [
        _chunk("che.txt", ["Results"], "13"),
        _chunk("che.txt", ["4. English language"], None),
        _chunk("other.txt", ["Anything"], None),
    ]
    rows = [ResultRow(id="q", type="fact", question="?", latency_s=0.1, citations=[_cited("che.txt", "13")])]
    che, other = per_report(chunks, rows, {"che.txt": CHE_TOP})
    assert (che.chunks, che.paged_chunks, che.citations, che.paged_citations, che.sane_chunks) == (2, 1, 1, 1, 1)
    assert che.section_sanity == 0.5 and che.citation_page_coverage == 1.0
    assert other.sane_chunks is None and other.citation_page_coverage is None, "unlisted: not checked"
    assert section_sanity([che, other]) == 0.5
    assert provenance_table([che, other])[2] == "| che.txt | 2 | 0.500 | 1 | 1.000 | 0.500 |"
    assert insane_sections(chunks, {"che.txt": CHE_TOP}) == ["- che.txt: 4. English language (1 chunks)"]


def test_a_bad_headings_file_names_the_entry_and_field(tmp_path: Path) -> None:
    path = tmp_path / "headings.toml"
    path.write_text('[[report]]\nfile = "a.txt"\ntop = []\n', encoding="utf-8")
    with pytest.raises(HeadingsError, match=r"\[\[report\]\] entry 1 \(file='a.txt'\): top"):
        load_headings(path)
    assert load_headings(tmp_path / "missing.toml") == {}


def test_the_five_reports_section_paths_are_their_own(real_chunks: dict[str, list[Chunk]]) -> None:
    """Against the hand-listed headings: the CHE paper scored 0.17 before its method list stopped being headings."""
    headings = load_headings(REAL_CORPUS / "headings.toml")
    assert set(headings) == set(real_chunks)
    for name, chunks in real_chunks.items():
        sane = sum(section_sane(c.section_path, headings[name]) for c in chunks) / len(chunks)
        assert sane >= 0.96, (name, sane, insane_sections(chunks, headings))


def test_tag_agreement_counts_kept_and_missed_tags() -> None:
    about_torbay = _chunk("kf.txt", ["Torbay"], None).model_copy(
        update={"text": "Torbay cut bed days. PRISMA is named in a table.", "programmes": ["torbay"]}
    )
    labels = [
        TagLabel(report="kf.txt", programme="torbay", quote="Torbay cut bed days", discusses=True, sample="held-out"),
        TagLabel(report="kf.txt", programme="prisma", quote="PRISMA is named", discusses=False, sample="held-out"),
        TagLabel(report="kf.txt", programme="pace", quote="not in the store at all", discusses=True, sample="x"),
    ]
    assert tag_agreement([about_torbay], labels) == TagAgreement(precision=1.0, recall=1.0, checked=2)
    assert (
        tag_agreement([about_torbay.model_copy(update={"programmes": ["torbay", "prisma"]})], labels).precision == 0.5
    )


def test_the_five_reports_tags_agree_with_the_hand_checked_sample(real_chunks: dict[str, list[Chunk]]) -> None:
    """Tagging every mention: precision 0.61 on these 70 pairs (a PRISMA filter returned Torbay's table)."""
    labels = load_tag_labels(EVALS / "tag-sample.jsonl")
    chunks = [c for report in real_chunks.values() for c in report]
    agreement = tag_agreement(chunks, labels)
    assert agreement.checked == len(labels) == 70
    assert agreement.precision is not None and agreement.precision >= 0.78
    assert agreement.recall is not None and agreement.recall >= 0.95
    held_out = tag_agreement(chunks, [label for label in labels if label.sample == "held-out"])
    assert held_out.precision is not None and held_out.precision >= 0.7
    torbay_table = next(c for c in real_chunks[KINGSFUND] if "PACE (USA) | SIPA (Canada)" in c.text)
    assert "prisma" not in torbay_table.programmes and "torbay" in torbay_table.programmes
