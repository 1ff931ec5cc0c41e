"""Read one corpus file into a ParsedDocument, or refuse it with a message a user can act on."""

from __future__ import annotations

import codecs
import hashlib
import io
from pathlib import Path

from icassist.ingest.cleaning import Cleaned, clean, clean_pages
from icassist.records import ParsedDocument, SourceMeta


class UnreadableDocument(Exception):
    """A file that cannot be turned into text; str() is one line naming the file and what to do."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path.name}: {reason}")
        self.path = path
        self.reason = reason


def read_document(path: Path, meta: SourceMeta, max_bytes: int | None = None) -> ParsedDocument:
    """A fully cleaned document or UnreadableDocument; never a partial result."""
    data = read_bytes(path, max_bytes)
    if not data.strip():
        raise UnreadableDocument(path, "empty file: nothing to ingest; remove it or replace it with the report")
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        cleaned = _read_pdf(path, data)
    elif suffix in (".txt", ".md"):
        cleaned = clean(_decode_text(path, data), markdown=True if suffix == ".md" else None)
    else:
        raise UnreadableDocument(path, f"unsupported file type {suffix!r}; use PDF, .txt or .md")
    if not cleaned.text.strip():
        raise UnreadableDocument(path, "no text left after cleaning; check the file's content")
    return ParsedDocument(
        meta=meta,
        text=cleaned.text,
        pages=cleaned.pages,
        headings=cleaned.headings,
        contents=cleaned.contents,
        file_hash=hashlib.sha256(data).hexdigest(),
    )


def read_bytes(path: Path, max_bytes: int | None = None) -> bytes:
    """The file's bytes, or UnreadableDocument naming why not (permissions, a symlink loop, a size limit)."""
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise UnreadableDocument(
                path,
                f"{size / 1e6:.0f} MB is over the {max_bytes / 1e6:.0f} MB limit for one report; split it, or raise "
                "ICASSIST_CORPUS__MAX_FILE_MB",
            )
        return path.read_bytes()
    except OSError as exc:
        raise UnreadableDocument(path, f"cannot be opened ({exc.strerror}); check the file permissions") from exc


def _decode_text(path: Path, data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UnreadableDocument(path, "UTF-16 text with a bad byte sequence: re-save it as UTF-8") from exc
    if b"\x00" in data:
        raise UnreadableDocument(path, "binary file, not text (contains NUL bytes); export the report as text or PDF")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableDocument(path, f"not UTF-8 (bad byte at offset {exc.start}): re-save as UTF-8") from exc
    control = sum(1 for c in text if ord(c) < 32 and c not in "\t\n\r\f")
    if control > 0.05 * len(text):
        raise UnreadableDocument(path, "mostly non-text bytes; export the report as text or PDF")
    return text


def _read_pdf(path: Path, data: bytes) -> Cleaned:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not _decrypts(reader):
            raise UnreadableDocument(path, "encrypted PDF: save an unprotected copy and ingest that")
        pages = [(_page_label(reader, i), page.extract_text() or "") for i, page in enumerate(reader.pages)]
    except UnreadableDocument:
        raise
    except Exception as exc:  # pypdf raises many types on damaged files; any of them is this file's failure
        reason = f"corrupt or truncated PDF ({type(exc).__name__}); re-download or re-export it"
        raise UnreadableDocument(path, reason) from exc
    if not any(text.strip() for _, text in pages):
        raise UnreadableDocument(path, "empty or scanned PDF: no text layer; OCR it first")
    return clean_pages(pages)


def _decrypts(reader: object) -> bool:
    try:
        return bool(reader.decrypt(""))  # type: ignore[attr-defined]
    except Exception:  # missing crypto backend or unsupported scheme: treat as locked
        return False


def _page_label(reader: object, index: int) -> str:
    try:
        return str(reader.page_labels[index])  # type: ignore[attr-defined]
    except Exception:  # malformed /PageLabels tree: fall back to the position
        return str(index + 1)
