"""Add a report: upload a PDF, .txt or .md file, check its details, and have it ingested for the chat.

The file and its manifest entry are written where the command line looks (corpus/ and sources.toml), then the
store is brought up to date; the chat answers from it at its next question, without a restart.
"""

from __future__ import annotations

import streamlit as st
from pydantic import ValidationError

from icassist.add_report import UploadRefused, add_report, prefill, upload_name
from icassist.ingest.pipeline import ingest
from icassist.ingest_lease import IngestBusy, LeaseLost
from icassist.manifest import ManifestEntry
from icassist.store import StoreError
from icassist.ui import resources
from icassist.ui.components import navigation
from icassist.ui.render import escape_markdown


def details_form(name: str, data: bytes) -> ManifestEntry | None:
    """The report's bibliographic details, prefilled from the file; None until submitted and valid."""
    guessed = prefill(name, data)
    with st.form("report-details"):
        title = st.text_input("Title", value=guessed.title)
        authors = st.text_area("Authors, one per line", value="\n".join(guessed.authors))
        publisher = st.text_input("Publisher", value=guessed.publisher or "")
        year = st.text_input("Year", value=str(guessed.year or ""), placeholder="e.g. 2014")
        kind = st.text_input("Kind", placeholder="e.g. evidence review, evaluation, briefing")
        if not st.form_submit_button("Add and ingest", icon="➕"):
            return None
    try:
        return ManifestEntry(
            file=name,
            title=title,
            authors=[a.strip() for a in authors.splitlines() if a.strip()],
            publisher=publisher or None,
            year=int(year) if year.strip() else None,
            kind=kind or None,
        )
    except (ValidationError, ValueError) as error:
        problem = error.errors()[0]["msg"] if isinstance(error, ValidationError) else "the year must be a number"
        st.error(f"Check the details: {problem}.")
        return None


def add_and_ingest(name: str, data: bytes, entry: ManifestEntry) -> None:
    settings = resources.settings()
    try:
        saved = add_report(settings, name, data, entry)
    except UploadRefused as error:
        st.error(escape_markdown(str(error)), icon="🚫")
        return
    bar = st.progress(0.0, text="Reading and embedding the report…")

    def embedded(done: int, total: int) -> None:
        bar.progress(done / total, text=f"Embedding {done} of {total} passages")

    try:
        report = ingest(settings, progress=False, on_embedded=embedded)
    except (IngestBusy, LeaseLost, StoreError) as error:
        st.warning(
            escape_markdown(
                f"Saved to {saved}, but the store could not be updated now: {error}. It is included at "
                "the next ingest (`icassist ingest`, or adding another report)."
            ),
            icon="⏳",
        )
        return
    bar.progress(1.0, text="Done")
    failed = dict(report.failed)
    if saved.name in failed:
        st.error(escape_markdown(f"{saved.name}: {failed[saved.name]}"), icon="🚫")
        return
    store = resources.store()
    status = store.status()
    st.success(
        escape_markdown(
            f"Added {entry.title}: saved to {saved}, listed in {settings.corpus.dir / settings.corpus.manifest}; "
            f"the store at {store.location} now holds {status.chunks if status else '?'} passages. "
            "The chat answers from it at its next question."
        ),
        icon="✅",
    )


def main() -> None:
    st.set_page_config(page_title="icassist · Add a report", page_icon="➕", layout="wide")
    navigation()
    st.title("Add a report")
    settings = resources.settings()
    if not settings.app.uploads:
        st.info("Adding reports is turned off on this server (ICASSIST_APP__UPLOADS). Ask whoever runs it.")
        st.stop()
    st.caption(
        "Upload a PDF, .txt or .md report. It is checked as `icassist ingest` checks files (encrypted, empty, "
        f"scanned without text or unreadable files are refused), saved to {settings.corpus.dir} with its details in "
        f"{settings.corpus.manifest}, and added to the store the chat answers from."
    )
    upload = st.file_uploader("Report", type=["pdf", "txt", "md"])
    if upload is None:
        st.stop()
    data = upload.getvalue()
    try:
        name = upload_name(upload.name)
    except UploadRefused as error:
        st.error(escape_markdown(str(error)), icon="🚫")
        st.stop()
    entry = details_form(name, data)
    if entry is not None:
        add_and_ingest(name, data, entry)


main()
