"""icassist chat page: cited answers from the integrated care reports, streamed, with sources and feedback.

Run with `streamlit run app.py` (scripts/run-app.sh ingests first). Models and store load once per server.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import streamlit as st

from icassist.chain import Assistant
from icassist.records import Answer, Filters
from icassist.store import StoreError, StoreStatus
from icassist.ui import resources
from icassist.ui.components import answer_details, exchange_view, feedback, navigation, question_bubble
from icassist.ui.export import conversation_markdown
from icassist.ui.render import answer_markdown, escape_layout, escape_markdown, readable_time, searched_text
from icassist.ui.resources import CorpusIndex
from icassist.ui.state import Exchange, conversation, history, new_conversation, pending_question

log = logging.getLogger("icassist.app")

FAILED = "Something went wrong while answering. Your conversation is kept: please try again or rephrase the question."


def choose_answerer() -> str:
    """Extractive unless a generative model is configured and chosen."""
    generative = resources.generative_name(resources.settings())
    st.header("Answerer")
    if generative is None:
        st.caption(
            "Extractive: answers with the reports' own sentences. No generative model is configured: run "
            "`icassist models install` and set ICASSIST\\_ANSWER\\_\\_GGUF\\_PATH as it says, then restart the app."
        )
        return "extractive"
    labels = {"extractive": "Extractive (the reports' own sentences)", "generative": f"Generative: {generative}"}
    return str(st.radio("Answer with", list(labels), format_func=labels.__getitem__, key="answerer"))


def load(answerer: str) -> tuple[Assistant, StoreStatus]:
    """Stops the page with the fix when the store is missing or stale; falls back to extractive if a model fails."""
    try:
        with st.spinner("Loading the reports and models…"):
            try:
                return resources.load(answerer)
            except StoreError:
                raise
            except Exception:
                if answerer == "extractive":
                    raise
                log.exception("loading the generative answerer failed")
                st.warning("The generative model could not be loaded; answering with the extractive answerer.")
                return resources.load("extractive")
    except StoreError as error:
        st.error(str(error), icon="🗄️")
    except Exception:
        log.exception("loading the assistant failed")
        st.error("The assistant could not start. Check the server log, then reload the page.")
    st.stop()
    raise AssertionError("st.stop() returned")


def choose_filters(index: CorpusIndex, labels: dict[str, str]) -> Filters:
    st.header("Filters")
    doc_ids = st.multiselect(
        "Reports",
        list(index.reports),
        format_func=index.reports.__getitem__,
        placeholder="All reports",
        key="filter_reports",
    )
    programme_ids = st.multiselect(
        "Programmes",
        sorted(index.mentions, key=lambda pid: labels.get(pid, pid)),
        format_func=lambda pid: labels.get(pid, pid),
        placeholder="All programmes",
        key="filter_programmes",
    )
    return Filters(doc_ids=doc_ids, programmes=programme_ids)


def answer_live(
    assistant: Assistant, question: str, filters: Filters, labels: dict[str, str], searched: str | None
) -> Exchange:
    """Stream the answer as it is written, then redraw it validated, with flags, notices and source cards."""
    exchange = Exchange(question=question, filters=filters)
    turns = history(conversation())
    question_bubble(question)
    with st.chat_message("assistant"):
        body = st.empty()
        final: list[Answer] = []

        def pieces() -> Iterator[str]:
            for item in assistant.stream(question, turns, filters):
                if isinstance(item, Answer):
                    final.append(item)
                else:
                    yield escape_layout(item)

        try:
            with body.container():
                st.write_stream(pieces())
        except StoreError as error:
            exchange.error = str(error)
        except Exception:
            log.exception("answering %r failed", question[:200])
            exchange.error = FAILED
        if exchange.error is None and not final:
            exchange.error = FAILED
        if exchange.error is not None:
            body.error(exchange.error)
            return exchange
        exchange.answer = final[-1]
        body.markdown(answer_markdown(exchange.answer))
        answer_details(exchange.answer, labels, resources.settings().answer.closest_passages, searched)
        feedback(exchange, resources.settings().app.feedback_path)
    return exchange


def start_over() -> None:
    new_conversation()
    st.toast("New conversation started. The filters stay as they are set.", icon="➕")


def conversation_tools(
    exchanges: list[Exchange], status: StoreStatus, index: CorpusIndex, labels: dict[str, str]
) -> None:
    st.header("Conversation")
    answered = [(e.question, e.answer, searched_text(e.filters, index.reports, labels)) for e in exchanges if e.answer]
    st.button(
        "New conversation",
        on_click=start_over,
        icon="➕",
        disabled=not exchanges,
        help="Clears the questions and answers; the filters above stay as they are.",
    )
    st.download_button(
        "Export as Markdown",
        data=conversation_markdown(answered, closest=resources.settings().answer.closest_passages),
        file_name="icassist-conversation.md",
        mime="text/markdown",
        icon="⬇️",
        disabled=not answered,
        on_click="ignore",
    )
    st.header("Corpus")
    st.markdown(
        f"**Documents:** {status.documents}  \n**Chunks:** {status.chunks}  \n"
        f"**Ingested:** {escape_markdown(readable_time(status.ingested_at))}  \n"
        f"**Embedding model:** {escape_markdown(status.embedding_model)}"
    )
    st.markdown(
        "\n".join(
            f"- {escape_markdown(r.title)} ({r.year or 'n.d.'}): {r.chunks} passages, {r.paged} with a page"
            for r in index.summaries.values()
        )
    )


def main() -> None:
    st.set_page_config(page_title="icassist · Ask the reports", page_icon="💬", layout="wide")
    navigation()
    st.title("Ask the integrated care reports")
    st.caption(
        "Answers quote the reports on integrating health and social care. Every sentence cites its source [n]; "
        "open a source card to check it. If the reports don't answer, you'll be told and shown the closest passages."
    )
    try:
        resources.store().active()  # a missing or stale store: the fix, and no chat box to type into
    except StoreError as error:
        st.error(str(error), icon="🗄️")
        st.stop()
    # drawn before the reports and models load, so a first-time user can type while they do
    typed = st.chat_input("Ask about the reports, e.g. What happened to hospital bed use in Torbay?")
    filter_box = st.sidebar.container()
    with st.sidebar:
        answerer = choose_answerer()
    assistant, status = load(answerer)
    labels = resources.programme_labels()
    index = resources.corpus_index(assistant, status.collection)
    with filter_box:
        filters = choose_filters(index, labels)

    exchanges = conversation()
    feedback_path = resources.settings().app.feedback_path
    closest = resources.settings().answer.closest_passages
    for exchange in exchanges:
        exchange_view(exchange, labels, feedback_path, closest, searched_text(exchange.filters, index.reports, labels))

    question = typed if typed is not None else pending_question()
    if question is not None and question.strip():
        resources.wait_until_ready(assistant)
        searched = searched_text(filters, index.reports, labels)
        exchanges.append(answer_live(assistant, question.strip(), filters, labels, searched))

    with st.sidebar:
        conversation_tools(exchanges, status, index, labels)


main()
