"""Bibliographic metadata for corpus files: from the manifest, else inferred from the file itself."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from pydantic import ValidationError

from icassist.records import SourceMeta

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


def load_manifest(corpus_dir: Path, manifest_name: str) -> dict[str, SourceMeta]:
    """Manifest entries keyed by file name; a missing manifest is not an error (metadata is then inferred)."""
    path = corpus_dir / manifest_name
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path}: not valid TOML ({exc})") from exc
    entries = data.get("source", [])
    if not isinstance(entries, list):
        raise ManifestError(f"{path}: 'source' must be an array of tables ([[source]])")
    metas: dict[str, SourceMeta] = {}
    for i, entry in enumerate(entries, start=1):
        meta = _entry_meta(path, i, entry)
        if meta.doc_id in metas:
            raise ManifestError(f"{path}: [[source]] entry {i} repeats file {meta.doc_id!r}")
        metas[meta.doc_id] = meta
    return metas


def _entry_meta(path: Path, index: int, entry: object) -> SourceMeta:
    label = f"{path}: [[source]] entry {index}"
    if not isinstance(entry, dict):
        raise ManifestError(f"{label} is not a table")
    file = entry.get("file")
    if not isinstance(file, str) or not file.strip():
        raise ManifestError(f"{label} has no 'file'")
    fields = {k: v for k, v in entry.items() if k in SourceMeta.model_fields and k != "doc_id"}
    try:
        return SourceMeta(doc_id=file, from_manifest=True, **fields)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ManifestError(f"{label} ({file}): {problems}") from exc


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
