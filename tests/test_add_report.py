"""Adding a report from the app: checked as ingest checks it, written where the CLI looks, nothing on refusal."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from icassist.add_report import UploadRefused, add_report, prefill, upload_name
from icassist.embeddings import LocalEmbeddings
from icassist.ingest.pipeline import ingest
from icassist.manifest import ManifestEntry, load_manifest
from icassist.settings import Settings
from icassist.store import Store
from tests.conftest import HRB, excerpt, make_pdf

REPORT = excerpt(HRB, 2400, 300)  # a real passage: Torbay in the HRB review


def _entry(name: str, **fields: object) -> ManifestEntry:
    return ManifestEntry.model_validate({"file": name, "title": "Board briefing: integrated care", **fields})


def _corpus_state(settings: Settings) -> tuple[list[str], str]:
    corpus = settings.corpus
    return sorted(p.name for p in corpus.dir.iterdir()), (corpus.dir / corpus.manifest).read_text(encoding="utf-8")


def test_an_added_report_is_in_the_corpus_folder_and_manifest_and_ingests(
    settings: Settings, embeddings: LocalEmbeddings
) -> None:
    before = load_manifest(settings.corpus.dir, settings.corpus.manifest)
    entry = _entry("briefing-2024.txt", authors=["A. Author", "B. Writer"], publisher="Trust “board”", year=2024)
    saved = add_report(settings, "briefing-2024.txt", REPORT.encode(), entry)
    assert saved == settings.corpus.dir / "briefing-2024.txt" and saved.read_text(encoding="utf-8") == REPORT
    after = load_manifest(settings.corpus.dir, settings.corpus.manifest)
    assert {k: v for k, v in after.items() if k in before} == before, "the other entries are untouched"
    added = after["briefing-2024.txt"]
    assert (added.title, added.authors, added.publisher, added.year) == (
        "Board briefing: integrated care",
        ["A. Author", "B. Writer"],
        "Trust “board”",
        2024,
    )
    seen: list[tuple[int, int]] = []
    report = ingest(settings, embeddings=embeddings, progress=False, on_embedded=lambda d, t: seen.append((d, t)))
    assert "briefing-2024.txt" in report.ingested and not report.failed
    assert seen and seen[-1][0] == seen[-1][1], "the app's progress bar reaches the end"
    assert any(c.doc_id == "briefing-2024.txt" for c in Store(settings, embeddings).chunks())


def _locked_pdf(tmp_path: Path) -> bytes:
    writer = PdfWriter()
    for page in PdfReader(make_pdf(tmp_path / "plain.pdf", [REPORT])).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "make", "reason"),
    [
        ("locked.pdf", _locked_pdf, "encrypted PDF"),
        ("empty.txt", lambda _: b"   \n", "empty file"),
        ("binary.txt", lambda _: b"\x00\x01binary\x00" * 100, "binary"),
        ("notes.docx", lambda _: REPORT.encode(), "only PDF, .txt and .md"),
        ("hrb-2014-integration-of-health-and-social-care.txt", lambda _: REPORT.encode(), "already in the corpus"),
    ],
)
def test_a_refused_upload_says_why_and_writes_nothing(
    settings: Settings, tmp_path: Path, name: str, make: object, reason: str
) -> None:
    if name.startswith("hrb-"):  # a name the manifest already lists, though its file is not in this test corpus
        add_report(settings, name, REPORT.encode(), _entry(name))
    state = _corpus_state(settings)
    with pytest.raises(UploadRefused, match=reason):
        add_report(settings, name, make(tmp_path), _entry(name))  # type: ignore[operator]
    assert _corpus_state(settings) == state


def test_an_upload_name_is_a_base_name_only() -> None:
    assert upload_name("../../etc/report-2019.txt") == "report-2019.txt"
    assert upload_name("C:\\Users\\me\\Report.PDF") == "Report.PDF"
    for bad in ("", ".hidden.txt", "folder/"):
        with pytest.raises(UploadRefused):
            upload_name(bad)


def test_details_are_prefilled_from_the_pdf(tmp_path: Path) -> None:
    data = make_pdf(tmp_path / "x.pdf", [REPORT], title="Integration: a review").read_bytes()
    guessed = prefill("review-2014.pdf", data)
    assert guessed.title == "Integration: a review" and guessed.doc_id == "review-2014.pdf"
