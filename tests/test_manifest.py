"""Manifest loading, its error messages, metadata inference and the corpus file list."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfWriter

from icassist.manifest import ManifestError, corpus_files, infer_meta, load_manifest

CORPUS = Path(__file__).resolve().parents[1] / "corpus"

GOOD = """
[[source]]
file = "a-report.txt"
title = "A report"
authors = ["Ann Author", "Bob Writer"]
publisher = "Somebody"
year = 2014
kind = "review"
notes = "not a SourceMeta field; ignored"

[[source]]
file = "b.pdf"
title = "B"
"""


def test_load_manifest(tmp_path: Path) -> None:
    (tmp_path / "sources.toml").write_text(GOOD, encoding="utf-8")
    metas = load_manifest(tmp_path, "sources.toml")
    assert list(metas) == ["a-report.txt", "b.pdf"]
    a = metas["a-report.txt"]
    assert (a.doc_id, a.title, a.authors, a.year, a.kind, a.from_manifest) == (
        "a-report.txt",
        "A report",
        ["Ann Author", "Bob Writer"],
        2014,
        "review",
        True,
    )
    assert metas["b.pdf"].authors == [] and metas["b.pdf"].year is None


def test_real_manifest_covers_the_corpus() -> None:
    metas = load_manifest(CORPUS, "sources.toml")
    assert {p.name for p in corpus_files(CORPUS)[0]} == set(metas)
    assert metas["kingsfund-2010-clinical-and-service-integration.txt"].authors == ["Natasha Curry", "Chris Ham"]


def test_missing_manifest_is_empty(tmp_path: Path) -> None:
    assert load_manifest(tmp_path, "sources.toml") == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[[source]\nfile = ", "not valid TOML"),
        ('[[source]]\ntitle = "No file"\n', "[[source]] entry 1: file: Field required"),
        ('[[source]]\nfile = "x.txt"\ntitle = "X"\nyear = "soon"\n', "entry 1 (file='x.txt'): year"),
        ('[[source]]\nfile = "x.txt"\n', "entry 1 (file='x.txt'): title"),
        ('[[source]]\nfile = "x.txt"\ntitle = "X"\n[[source]]\nfile = "x.txt"\ntitle = "Y"\n', "entry 2 repeats"),
        ('source = "x"\n', "array of tables"),
        ('[[source]]\nfile = "x.txt"\ntitle = "X"\nyaer = 2010\n', "entry 1 (file='x.txt'): yaer: unknown key"),
        ('[sources]\nfile = "x.txt"\n', "sources: unknown key"),
    ],
)
def test_malformed_manifest_names_file_and_entry(tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / "sources.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError) as info:
        load_manifest(tmp_path, "sources.toml")
    assert "sources.toml" in str(info.value) and expected in str(info.value)


def test_infer_meta_from_file_name(tmp_path: Path) -> None:
    path = tmp_path / "nuffield_trust-2011-integrated-care.txt"
    path.write_text("text", encoding="utf-8")
    meta = infer_meta(path)
    assert meta.title == "Nuffield Trust 2011 Integrated Care"
    assert (meta.doc_id, meta.year, meta.from_manifest) == (path.name, 2011, False)


def test_infer_meta_from_pdf_info(tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_metadata(
        {"/Title": "Integrated care pilots", "/Author": "Ann Author; Bob Writer", "/CreationDate": "D:20120611120000"}
    )
    path = tmp_path / "pilots.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    meta = infer_meta(path)
    assert (meta.title, meta.authors, meta.year, meta.from_manifest) == (
        "Integrated care pilots",
        ["Ann Author", "Bob Writer"],
        2012,
        False,
    )


def test_corpus_files_lists_reports_only(tmp_path: Path) -> None:
    for name in ("b.txt", "a.pdf", "c.md", "sources.toml", "programmes.toml", ".hidden.txt", "x.docx"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert corpus_files(tmp_path) == ([tmp_path / "a.pdf", tmp_path / "b.txt", tmp_path / "c.md"], [])


def test_symlink_loop_and_dangling_link_are_named(tmp_path: Path) -> None:
    (tmp_path / "loop.txt").symlink_to(tmp_path / "loop.txt")
    (tmp_path / "gone.pdf").symlink_to(tmp_path / "missing.pdf")
    (tmp_path / "real.txt").write_text("x", encoding="utf-8")
    files, warnings = corpus_files(tmp_path)
    assert files == [tmp_path / "real.txt"]
    assert len(warnings) == 2
    assert warnings[0].startswith("gone.pdf: skipped") and warnings[1].startswith("loop.txt: skipped")
