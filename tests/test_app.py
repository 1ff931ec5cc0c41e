"""The chat app through Streamlit's AppTest, against the real chain and a real store built from two reports.

The store is built once into pytest's cache folder (an unchanged corpus re-ingests in a second) and the
app reads it through ICASSIST_* variables, exactly as a deployment would.
"""

from __future__ import annotations

import os
import re
import time
import tomllib
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from icassist.chain import Assistant
from icassist.references import reference
from icassist.text import tokens
from icassist.ui import resources
from icassist.ui.context import encode_spans
from icassist.ui.feedback import list_feedback
from icassist.ui.render import escape_markdown
from icassist.ui.state import Exchange
from tests.conftest import PROJECT_ROOT

APP = str(PROJECT_ROOT / "app.py")
TORBAY = "What happened to hospital bed use in Torbay?"
CSU = "csu-2016-rapid-evidence-scan-integrated-care.txt"


def _clear_app_caches() -> None:
    for cached in (resources._settings, resources.store, resources.assistant, resources.corpus_index):
        cached.clear()


@pytest.fixture(scope="session")
def app_env(ui_store: dict[str, str]) -> Iterator[dict[str, str]]:
    """The app reads the shared UI store through ICASSIST_* variables for the whole session."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in ui_store.items():
            patch.setenv(key, value)
        _clear_app_caches()
        yield ui_store
    _clear_app_caches()


@pytest.fixture
def app(app_env: dict[str, str]) -> AppTest:
    return AppTest.from_file(APP, default_timeout=60).run()


def ask(at: AppTest, question: str) -> Exchange:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, [e.value for e in at.exception]
    exchange: Exchange = at.session_state["conversation"][-1]
    return exchange


def test_first_render_shows_chat_and_corpus_status(app_env: dict[str, str]) -> None:
    started = time.perf_counter()
    at = AppTest.from_file(APP, default_timeout=60).run()
    print(f"first render in AppTest: {time.perf_counter() - started:.1f} s (targets: benchmarks/app_bench.py)")
    assert not at.exception and not at.error
    assert at.title[0].value == "Ask the integrated care reports"
    assert len(at.chat_input) == 1
    status = "\n".join(m.value for m in at.sidebar.markdown)
    assert "**Documents:** 2" in status and "all\\-MiniLM\\-L6\\-v2" in status
    assert re.search(r"\*\*Ingested:\*\* \d{1,2} [A-Z][a-z]{2} 20\d\d, \d\d:\d\d", unescape(status)), status  # not ISO
    assert re.search(
        r"- Clinical and service integration: the route to improved outcomes \(2010\): \d+ passages, "
        r"\d+ with a page",
        unescape(status),
    ), status
    assert "Extractive" in "\n".join(c.value for c in at.sidebar.caption)


def unescape(markdown: str) -> str:
    """Displayed text of escaped Markdown: backslash escapes resolved, autolink-defusing zero-width spaces gone."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u200b", "")


def test_cited_answer_with_source_cards(app: AppTest) -> None:
    """Which sentences answer depends on the answerer's tuning, so the test checks what must hold for any of them."""
    exchange = ask(app, TORBAY)
    answer = exchange.answer
    assert answer is not None and not answer.refused and answer.citations
    print(f"answer timings: {answer.timings}")
    assert "Torbay" in answer.text and re.search(r"(?i)\bbed[ -](use|days?)\b", answer.text), answer.text
    assistant_message = app.chat_message[1]
    body = assistant_message.markdown[0].value
    assert "Torbay" in unescape(body)
    markers = {int(n) for n in re.findall(r"\\\[(\d+)\\\]", body)}
    assert 1 in markers and markers == {c.n for c in answer.citations}
    assert [e.label.split(" ")[0] for e in assistant_message.expander] == [f"\\[{c.n}\\]" for c in answer.citations]
    card = assistant_message.expander[0]
    assert "Clinical and service integration" in card.label
    details = "\n".join(m.value for m in card.markdown)
    assert card.code[0].value == reference(answer.citations[0].chunk)  # the one reference format, copyable
    assert ":blue-badge[Torbay Care Trust \\(England\\)]" in details
    first = answer.citations[0]
    assert first.quote.strip() and first.chunk.text[first.quote_start : first.quote_end] == first.quote
    shown = [unescape(s) for s in re.findall(r":orange-background\[(.*?)(?<!\\)\]", details)]
    assert shown == [" ".join(first.chunk.text[a:b].split()) for a, b in first.spans], "every sentence it supports"
    assert " ".join(first.quote.split()) in shown
    citing = next(s for s in answer.sentences if 1 in s.citations)
    assert set(tokens(first.quote)) & set(tokens(citing.text)), (first.quote, citing.text)


def test_follow_up_passes_history(app: AppTest) -> None:
    ask(app, TORBAY)
    follow_up = ask(app, "And what about length of stay?")
    assert follow_up.answer is not None
    assert "Torbay" in follow_up.answer.retrieval_query
    assert len(app.chat_message) == 4


def test_question_the_reports_cannot_answer(app: AppTest) -> None:
    exchange = ask(app, "What does Japan's long-term care insurance pay for?")
    answer = exchange.answer
    assert answer is not None and answer.refused
    message = app.chat_message[1]
    assert message.markdown[0].value.startswith("The reports do not answer this question\\.")
    assert "##### Closest evidence" in [m.value for m in message.markdown]
    assert [e.label.split(" ")[0] for e in message.expander] == ["1\\.", "2\\.", "3\\."]


def test_report_filter_restricts_sources(app: AppTest) -> None:
    app.sidebar.multiselect(key="filter_reports").set_value([CSU]).run()
    exchange = ask(app, "What are the barriers to integrated care?")
    answer = exchange.answer
    assert answer is not None and exchange.filters.doc_ids == [CSU]
    sources = {c.chunk.doc_id for c in answer.citations} | {p.chunk.doc_id for p in answer.retrieved}
    assert sources == {CSU}
    captions = [unescape(c.value) for c in app.chat_message[1].caption]
    assert "Searched: Rapid Evidence Scan: Integrated Care only" in captions, captions


def test_feedback_is_saved_with_question_answer_and_citations(app: AppTest, app_env: dict[str, str]) -> None:
    exchange = ask(app, TORBAY)
    app.feedback(key=f"feedback-{exchange.id}").set_value(1).run()
    app.text_input(key=f"comment-{exchange.id}").input("Exactly what I needed").run()
    rows = [r for r in list_feedback(Path(app_env["ICASSIST_APP__FEEDBACK_PATH"])) if r.answer_id == exchange.id]
    assert len(rows) == 1
    row = rows[0]
    assert (row.rating, row.comment, row.question) == (1, "Exactly what I needed", TORBAY)
    assert exchange.answer is not None and row.answer == exchange.answer.text
    assert row.citations[0]["chunk"]["title"] == "Clinical and service integration: the route to improved outcomes"


def test_export_offers_markdown_with_references(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    saved: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def spy(
        self: MemoryMediaFileStorage,
        path_or_data: str | bytes,
        mimetype: str,
        kind: object,
        filename: str | None = None,
    ) -> str:
        file_id = original(self, path_or_data, mimetype, kind, filename)
        if isinstance(path_or_data, bytes):
            saved[file_id] = path_or_data
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy)
    ask(app, TORBAY)
    button = app.get("download_button")[0]
    assert button.proto.label == "Export as Markdown" and not button.proto.disabled
    file_id = button.proto.url.rsplit("/", 1)[-1].split(".")[0]
    exported = saved[file_id].decode()
    assert "## 1. What happened to hospital bed use in Torbay?" in exported
    assert "## References" in exported
    assert "1. Natasha Curry and Chris Ham \\(2010\\). Clinical and service integration: the route" in exported
    assert re.search(r"Torbay .*\[1\]", exported)


def test_blank_question_is_ignored_and_long_one_truncated_with_notice(app: AppTest) -> None:
    app.chat_input[0].set_value("   ").run()
    assert not app.chat_message and not app.exception
    exchange = ask(app, TORBAY + " " + "x" * 2500)
    assert exchange.answer is not None
    bubble = app.chat_message[0]
    assert len(bubble.markdown[0].value) < 700 and bubble.markdown[0].value.endswith(" …")
    assert bubble.caption[0].value == f"Your question is {len(TORBAY) + 2501:,} characters long; shown shortened."
    notices = [i.value for i in app.chat_message[1].info]
    assert any("only the first 2\\,000 were used" in n for n in notices), notices


def test_chain_failure_shows_short_error_and_keeps_conversation(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    ask(app, TORBAY)

    def broken(*args: object, **kwargs: object) -> Iterator[str]:
        raise RuntimeError("model server went away")
        yield ""

    monkeypatch.setattr(Assistant, "stream", broken)
    app.chat_input[0].set_value("And the cost?").run()
    assert not app.exception
    assert "Something went wrong while answering" in app.error[0].value
    assert "model server" not in app.error[0].value
    assert len(app.chat_message) == 4 and "Torbay" in app.chat_message[1].markdown[0].value


def test_missing_store_says_which_command_to_run(app_env: dict[str, str], tmp_path: Path) -> None:
    os.environ["ICASSIST_STORE__PATH"] = str(tmp_path / "empty")
    _clear_app_caches()
    try:
        at = AppTest.from_file(APP, default_timeout=60).run()
    finally:
        os.environ["ICASSIST_STORE__PATH"] = app_env["ICASSIST_STORE__PATH"]
        _clear_app_caches()
    assert not at.exception
    assert "Run `icassist ingest` first." in at.error[0].value
    assert not at.chat_input


def test_generative_answerer_offered_only_when_configured(app_env: dict[str, str]) -> None:
    os.environ["ICASSIST_ANSWER__GGUF_PATH"] = "/models/tiny-chat.Q4_K_M.gguf"
    resources._settings.clear()
    try:
        at = AppTest.from_file(APP, default_timeout=60).run()
    finally:
        del os.environ["ICASSIST_ANSWER__GGUF_PATH"]
        resources._settings.clear()
    choice = at.sidebar.radio(key="answerer")
    assert choice.value == "extractive"
    assert choice.options == ["Extractive (the reports' own sentences)", "Generative: tiny-chat.Q4_K_M (local GGUF)"]


def test_new_conversation_clears_history(app: AppTest) -> None:
    ask(app, TORBAY)
    app.sidebar.button[0].click().run()
    assert not app.chat_message and app.session_state["conversation"] == []
    assert "filters stay" in app.toast[0].value


def test_programme_browser_lists_programmes_and_asks_about_one(app: AppTest) -> None:
    app.switch_page("pages/programmes.py").run()
    assert not app.exception
    (chart,) = app.get("vega_lite_chart")  # programmes per country, discussed or not
    assert "discussed in the reports" in chart.proto.spec
    torbay = next(e for e in app.expander if e.label.startswith("Torbay Care Trust — England"))
    text = "\n".join(m.value for m in torbay.markdown)
    assert "**Clinical and service integration\\: the route to improved outcomes**" in text
    assert "Torbay" in text
    torbay.button[0].click().run()
    assert not app.exception
    exchange: Exchange = app.session_state["conversation"][-1]
    assert exchange.question == "What do the reports say about Torbay Care Trust?"
    assert exchange.answer is not None and exchange.answer.citations


def test_streamlit_config_names_real_options_and_watches_nothing() -> None:
    """A misspelt option is silently ignored by Streamlit; the watcher would set inotify watches on .venv/ and data/."""
    from streamlit import config

    with (PROJECT_ROOT / ".streamlit" / "config.toml").open("rb") as handle:
        sections = tomllib.load(handle)
    known = config.get_config_options()
    names = [f"{section}.{key}" for section, options in sections.items() for key in options]
    assert [n for n in names if n not in known] == []
    assert sections["server"]["fileWatcherType"] == "none"


def test_read_in_context_opens_the_section_with_every_cited_sentence_marked(app: AppTest) -> None:
    exchange = ask(app, TORBAY)
    assert exchange.answer is not None
    citation = exchange.answer.citations[0]
    links = [link.proto for link in app.chat_message[1].get("page_link")]
    assert [link.label for link in links] == ["Read in context"] * len(exchange.answer.citations)
    query = urllib.parse.parse_qs(links[0].query_string)
    assert query == {"chunk": [citation.chunk.chunk_id], "spans": [encode_spans(citation.spans)]}, links[0]
    app.switch_page("pages/passage.py")
    app.query_params["chunk"] = citation.chunk.chunk_id
    app.query_params["spans"] = encode_spans(citation.spans)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.title[0].value == escape_markdown(citation.chunk.title)
    page = "\n".join(m.value for m in app.markdown)
    assert app.code[0].value == reference(citation.chunk)
    marked = [unescape(s) for s in re.findall(r":orange-background\[(.*?)(?<!\\)\]", page)]
    assert marked == [" ".join(citation.chunk.text[a:b].split()) for a, b in citation.spans]
    labels = [link.proto.label for link in app.get("page_link")]
    assert any(label.startswith(("Previous passage: ", "Next passage: ")) for label in labels), labels
    assert app.get("download_button")[0].proto.label == "Open the original file"


def test_read_in_context_for_a_passage_no_longer_stored_says_so(app: AppTest) -> None:
    app.switch_page("pages/passage.py")
    app.query_params["chunk"] = "gone.txt:0:abc"
    app.run()
    assert not app.exception
    assert "not in the store" in app.warning[0].value


def test_add_a_report_page_offers_an_upload_or_says_it_is_turned_off(app: AppTest) -> None:
    app.switch_page("pages/add_report.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.title[0].value == "Add a report"
    assert len(app.get("file_uploader")) == 1 and "checked as `icassist ingest` checks files" in app.caption[0].value
    os.environ["ICASSIST_APP__UPLOADS"] = "false"
    resources._settings.clear()
    try:
        app.run()
    finally:
        del os.environ["ICASSIST_APP__UPLOADS"]
        resources._settings.clear()
    assert not app.get("file_uploader") and "turned off" in app.info[0].value
