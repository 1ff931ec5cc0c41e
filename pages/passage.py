"""The passage in context: a citation's report, section and page, the section around it with the cited sentences
marked, the passages before and after, and the original file.

Opened from a source card's "Read in context" link (query parameters: chunk id and highlighted spans).
"""

from __future__ import annotations

import streamlit as st

from icassist.records import Chunk
from icassist.references import reference
from icassist.ui import resources
from icassist.ui.components import load_reports, navigation
from icassist.ui.context import decode_spans, passage_context
from icassist.ui.render import badges, escape_markdown, escape_paragraphs, highlighted

PAGE = "pages/passage.py"


def neighbour_link(chunk: Chunk | None, label: str, icon: str) -> None:
    if chunk is None:
        st.button(label, icon=icon, disabled=True, key=f"none-{label}")
        return
    where = chunk.section or "no section heading"
    st.page_link(PAGE, label=f"{label}: {where}", icon=icon, query_params={"chunk": chunk.chunk_id})


def main() -> None:
    st.set_page_config(page_title="icassist · Passage in context", page_icon="📖", layout="wide")
    navigation()
    assistant, _ = load_reports()
    chunk_id = st.query_params.get("chunk")
    context = passage_context(assistant.retriever.corpus.chunks, chunk_id) if chunk_id else None
    if context is None:
        st.title("Passage in context")
        st.warning(
            "This passage is not in the store: the reports were re-ingested or the link is incomplete. "
            "Ask the question again to get current citations.",
            icon="📖",
        )
        st.page_link("app.py", label="Back to the chat", icon="💬")
        st.stop()
    chunk = context.chunk
    st.title(escape_markdown(chunk.title))
    st.code(reference(chunk), language=None, wrap_lines=True)  # the citation to copy, with its page or "page unknown"
    if chunk.programmes:
        st.markdown(badges(chunk.programmes, resources.programme_labels()))
    spans = decode_spans(st.query_params.get("spans"))
    if context.clipped:
        st.caption(f"The section is long: the {len(context.section)} passages around the cited one are shown.")
    for passage in context.section:
        if passage.chunk_id == chunk.chunk_id:
            with st.container(border=True):
                st.markdown(highlighted(passage.text, spans))
        else:
            st.markdown(escape_paragraphs(passage.text))
    before, after = st.columns(2)
    with before:
        neighbour_link(context.previous, "Previous passage", "⬅️")
    with after:
        neighbour_link(context.following, "Next passage", "➡️")
    source = resources.settings().corpus.dir / chunk.doc_id
    if source.is_file():
        st.download_button("Open the original file", data=source.read_bytes(), file_name=chunk.doc_id, icon="📄")
    st.page_link("app.py", label="Back to the chat", icon="💬")


main()
