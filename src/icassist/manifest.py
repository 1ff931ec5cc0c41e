"""Bibliographic metadata for corpus files: from the manifest, else inferred from the file itself."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from icassist.records import SourceMeta
from icassist.toml_files import load_toml

DOCUMENT_SUFFIXES = (".pdf", ".txt", ".md")


class ManifestError(ValueError):
    """The manifest cannot be used as written; the message names the file and the entry."""


def corpus_files(corpus_dir: Path) -> tuple[list[Path], list[str]]:
    """Report files in the corpus folder, sorted, and a warning for each entry that cannot be followed.

    The manifest and gazetteer (.toml) are not reports; a broken or looping symlink is named, not skipped silently.
    """
    files, warnings = [], []
    for path in sorted(corpus_dir.iterdir()):
        if path.name.startswith(".") or path.suffix.lower() not in DOCUMENT_SUFFIXES:
            continue
        try:
            path.stat()
        except OSError as exc:
            warnings.append(f"{path.name}: skipped, the link cannot be followed ({exc.strerror})")
            continue
        if path.is_file():
            files.append(path)
    return files, warnings


class ManifestEntry(BaseModel):
    """One ``[[source]]`` table: a report's bibliographic facts as its curator wrote them."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    file: str = Field(min_length=1, description="File name in the corpus folder.")
    title: str = Field(min_length=1)
    authors: list[str] = []
    publisher: str | None = None
    year: int | None = None
    kind: str | None = None
    aliases: list[str] = Field(
        [], description="Names a question may use for the report; a question naming one prefers its passages."
    )
    notes: str | None = Field(None, description="For curators; not shown to users.")

    def meta(self) -> SourceMeta:
        fields = self.model_dump(exclude={"file", "notes"})
        return SourceMeta(doc_id=self.file, from_manifest=True, **fields)


class Manifest(BaseModel):
    """The whole ``sources.toml``: each report listed once."""

    model_config = ConfigDict(extra="forbid")

    source: list[ManifestEntry] = []

    @model_validator(mode="after")
    def _each_file_once(self) -> Manifest:
        seen: set[str] = set()
        for number, entry in enumerate(self.source, start=1):
            if entry.file in seen:
                raise ValueError(f"[[source]] entry {number} repeats file {entry.file!r}")
            seen.add(entry.file)
        return self


def load_manifest(corpus_dir: Path, manifest_name: str) -> dict[str, SourceMeta]:
    """Manifest entries keyed by file name; a missing manifest is not an error (metadata is then inferred)."""
    path = corpus_dir / manifest_name
    if not path.exists():
        return {}
    manifest = load_toml(path, Manifest, ManifestError, entry_key="file")
    return {entry.file: entry.meta() for entry in manifest.source}


def infer_meta(path: Path) -> SourceMeta:
    """Metadata for a file the manifest does not list: the PDF's info dictionary, else the file name."""
    title: str | None = None
    authors: list[str] = []
    year: int | None = None
    if path.suffix.lower() == ".pdf":
        title, authors, year = _pdf_info(path)
    year = year or _year_in_name(path.stem)
    return SourceMeta(
        doc_id=path.name, title=title or _title_from_name(path.stem), authors=authors, year=year, from_manifest=False
    )


def _pdf_info(path: Path) -> tuple[str | None, list[str], int | None]:
    from pypdf import PdfReader

    try:
        info = PdfReader(path).metadata
    except Exception:  # an unreadable PDF is reported by the reader, not here
        return None, [], None
    if not info:
        return None, [], None
    title = str(info.title).strip() if info.title else None
    authors = [a for a in re.split(r"\s*(?:;|\band\b|&)\s*", str(info.author or "")) if a.strip()]
    year = None
    try:
        year = info.creation_date.year if info.creation_date else None
    except (ValueError, TypeError):
        year = None
    return title or None, [a.strip() for a in authors], year


def _year_in_name(stem: str) -> int | None:
    match = re.search(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)", stem)
    return int(match.group(1)) if match else None


def _title_from_name(stem: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[-_]+", " ", stem)).strip().title() or stem
