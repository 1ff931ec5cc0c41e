"""Adding a report from the app: checked like the CLI checks it, then written where the CLI looks for it.

The file goes into the corpus folder and its entry into the manifest, so `icassist ingest` and the app agree on
what the corpus is. Nothing is written unless the file reads: an encrypted, empty, scanned or unreadable upload
is refused with the reader's own reason. The manifest is rewritten whole, validated, then swapped in, so a
failure leaves it as it was.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from icassist.ingest.readers import UnreadableDocument, read_document
from icassist.manifest import DOCUMENT_SUFFIXES, ManifestEntry, ManifestError, infer_meta, load_manifest
from icassist.records import SourceMeta
from icassist.settings import Settings


class UploadRefused(ValueError):
    """The upload was not added; the message says why and what to do. Nothing was written."""


def upload_name(name: str) -> str:
    """The corpus file name for an upload: its base name only (never a path), with a report's suffix."""
    base = Path(name.replace("\\", "/")).name.strip()
    if not base or base.startswith("."):
        raise UploadRefused(f"{name!r} is not a usable file name; rename the file and upload it again")
    if Path(base).suffix.lower() not in DOCUMENT_SUFFIXES:
        raise UploadRefused(f"{base}: only PDF, .txt and .md reports can be added ({', '.join(DOCUMENT_SUFFIXES)})")
    return base


def prefill(name: str, data: bytes) -> SourceMeta:
    """Title, authors and year as the file itself gives them (a PDF's info dictionary, else its name)."""
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / upload_name(name)
        path.write_bytes(data)
        return infer_meta(path)


def add_report(settings: Settings, name: str, data: bytes, entry: ManifestEntry) -> Path:
    """Check the upload reads, then save it to the corpus folder and list it in the manifest; the saved path."""
    corpus = settings.corpus
    base = upload_name(name)
    if entry.file != base:
        raise UploadRefused(f"the manifest entry names {entry.file!r}, the upload is {base!r}")
    target = corpus.dir / base
    try:
        listed = load_manifest(corpus.dir, corpus.manifest)
    except ManifestError as error:
        raise UploadRefused(f"{error}. Fix the manifest first; nothing was added") from error
    if target.exists() or base in listed:
        raise UploadRefused(f"{base} is already in the corpus; rename the file to add it as another report")
    with tempfile.TemporaryDirectory() as scratch:
        trial = Path(scratch) / base
        trial.write_bytes(data)
        try:
            read_document(trial, entry.meta(), corpus.max_file_bytes)
        except UnreadableDocument as error:
            raise UploadRefused(f"{error}. Nothing was added") from error
    manifest = corpus.dir / corpus.manifest
    before = manifest.read_text(encoding="utf-8") if manifest.exists() else ""
    _replace(manifest, before.rstrip("\n") + ("\n\n" if before.strip() else "") + _toml_entry(entry))
    try:
        load_manifest(corpus.dir, corpus.manifest)
        _replace(target, data)
    except (ManifestError, OSError) as error:
        _replace(manifest, before)
        raise UploadRefused(f"{base} could not be saved ({error}); nothing was added") from error
    return target


def _toml_entry(entry: ManifestEntry) -> str:
    """One [[source]] table; JSON string and array syntax is valid TOML for these basic values."""
    lines = ["[[source]]"]
    for key, value in entry.model_dump(exclude_none=True).items():
        if value in ([], ""):
            continue
        lines.append(f"{key} = {value if isinstance(value, int) else json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def _replace(path: Path, content: str | bytes) -> None:
    """Write beside the file, then rename over it: a reader sees the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, scratch = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "wb") as out:
        out.write(content.encode("utf-8") if isinstance(content, str) else content)
    os.replace(scratch, path)
