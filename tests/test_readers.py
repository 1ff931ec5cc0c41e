"""read_document on real PDFs made here, and on every kind of file it must refuse."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from icassist.ingest.readers import UnreadableDocument, read_document
from icassist.records import SourceMeta

PAGES = [
    "Integrated care joins health and social care around the person.",
    "Pooled budgets let the NHS and councils share money for services.",
    "Evaluations found fewer emergency admissions in some schemes.",
]


def _meta(path: Path) -> SourceMeta:
    return SourceMeta(doc_id=path.name, title="Test report")


def _make_pdf(path: Path, pages: list[str | None]) -> Path:
    c = canvas.Canvas(str(path), pagesize=A4)
    for text in pages:
        if text:
            c.drawString(72, 760, "Integrated care test report")
            c.drawString(72, 700, text)
        c.showPage()
    c.save()
    return path


def test_pdf_pages_become_page_spans(tmp_path: Path) -> None:
    path = _make_pdf(tmp_path / "report.pdf", PAGES)
    doc = read_document(path, _meta(path))
    assert [p.page for p in doc.pages] == ["1", "2", "3"]
    for span, expected in zip(doc.pages, PAGES, strict=True):
        assert doc.text[span.start : span.end] == expected
    assert "Integrated care test report" not in doc.text  # repeated on every page: a running header
    assert doc.file_hash == hashlib.sha256(path.read_bytes()).hexdigest()


def test_text_and_markdown_files(tmp_path: Path) -> None:
    txt = tmp_path / "notes.txt"
    txt.write_text("Pooled budgets were used in\nEngland and Scotland.\n", encoding="utf-8")
    assert read_document(txt, _meta(txt)).text == "Pooled budgets were used in England and Scotland."
    md = tmp_path / "notes.md"
    md.write_text("# Findings\n\nSchemes **reduced** admissions in several evaluations of integrated care.\n")
    doc = read_document(md, _meta(md))
    assert doc.headings[0].title == "Findings" and "**" not in doc.text


def _encrypted(tmp_path: Path, user_password: str = "secret", algorithm: str | None = None) -> Path:
    source = _make_pdf(tmp_path / "plain.pdf", PAGES[:1])
    writer = PdfWriter()
    for page in PdfReader(source).pages:
        writer.add_page(page)
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm=algorithm)
    path = tmp_path / "locked.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def _corrupt(tmp_path: Path) -> Path:
    data = _make_pdf(tmp_path / "whole.pdf", PAGES).read_bytes()
    path = tmp_path / "broken.pdf"
    path.write_bytes(data[: len(data) // 3])
    return path


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_encrypted, "encrypted PDF"),
        (lambda d: _encrypted(d, algorithm="AES-256"), "encrypted PDF"),
        (lambda d: _write(d, "huge.txt", b"word " * 300_000), "over the 1 MB limit"),
        (lambda d: _link(d, "memory.txt", Path("/proc/self/mem")), "cannot be opened"),
        (_corrupt, "corrupt or truncated PDF"),
        (lambda d: _make_pdf(d / "scan.pdf", [None, None]), "empty or scanned PDF: no text layer; OCR it first"),
        (lambda d: _write(d, "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20), "binary file"),
        (lambda d: _write(d, "control.md", bytes(range(1, 9)) * 50 + b"some text"), "mostly non-text"),
        (lambda d: _write(d, "latin.txt", "Integración de cuidados".encode("latin-1")), "not UTF-8"),
        (lambda d: _write(d, "empty.txt", b""), "empty file"),
        (lambda d: _write(d, "blank.txt", b"  \n\n "), "empty file"),
        (lambda d: _write(d, "report.docx", b"PK\x03\x04 stuff"), "unsupported file type"),
    ],
)
def test_unreadable_files_name_the_file_and_the_remedy(tmp_path: Path, make, reason: str) -> None:
    path = make(tmp_path)
    with pytest.raises(UnreadableDocument) as info:
        read_document(path, _meta(path), max_bytes=1_000_000)
    message = str(info.value)
    assert message.startswith(f"{path.name}: ") and reason in message
    assert "\n" not in message and info.value.path == path


def _link(directory: Path, name: str, target: Path) -> Path:
    """A corpus entry that exists but cannot be read (root ignores permission bits; /proc/self/mem never reads)."""
    path = directory / name
    path.symlink_to(target)
    return path


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-128", "AES-256"])
def test_pdf_locked_only_against_editing_is_read(tmp_path: Path, algorithm: str) -> None:
    """What `qpdf --encrypt "" owner 256` writes: every viewer opens it without a password, so must we."""
    path = _encrypted(tmp_path, user_password="", algorithm=algorithm)
    doc = read_document(path, _meta(path))
    assert PAGES[0] in doc.text


def test_utf16_text_with_a_bom_is_read(tmp_path: Path) -> None:
    text = "Integración de cuidados\n\nPooled budgets let the NHS and councils share money for services.\n"
    for encoding in ("utf-16", "utf-16-be"):
        data = (b"\xfe\xff" if encoding == "utf-16-be" else b"") + text.encode(encoding)
        path = _write(tmp_path, f"{encoding}.txt", data)
        assert "Integración de cuidados" in read_document(path, _meta(path)).text


def test_pdf_page_labels_are_the_pages_a_reader_sees(tmp_path: Path) -> None:
    """Roman front matter, then numbering restarting at 1: the printed label, not the PDF's page index."""
    texts = [
        "Foreword by the commissioning board on integrated care.",
        "Contents and acknowledgements for this evidence review.",
        *PAGES,
    ]
    plain = _make_pdf(tmp_path / "plain.pdf", list(texts))
    writer = PdfWriter(clone_from=plain)
    writer.set_page_label(0, 1, style="/r")
    writer.set_page_label(2, 4, style="/D", start=1)
    labelled = tmp_path / "labelled.pdf"
    with labelled.open("wb") as handle:
        writer.write(handle)
    assert PdfReader(labelled).page_labels == ["i", "ii", "1", "2", "3"]
    doc = read_document(labelled, _meta(labelled))
    assert [p.page for p in doc.pages] == ["i", "ii", "1", "2", "3"]
    first = next(span for span in doc.pages if span.page == "1")
    assert doc.text[first.start : first.end] == PAGES[0]
