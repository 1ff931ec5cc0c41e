"""End to end in Debian's Chromium: the real app answers with citations, and report text renders only as text.

Uses the system browser (never a downloaded one) through Playwright, and `streamlit run` as a subprocess on a
free local port, with the small real store of the `ui_store` fixture.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from icassist.text import tokens
from tests.conftest import PROJECT_ROOT
from tests.headless import CHROMIUM, CHROMIUM_ARGS, streamlit_server

TORBAY = "What happened to hospital bed use in Torbay?"
OUTPUT = PROJECT_ROOT / "test-output"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install chromium"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def save_screenshot(page: Page, tmp_path: Path, name: str) -> Path:
    shot = tmp_path / name
    page.screenshot(path=str(shot), full_page=True)
    OUTPUT.mkdir(exist_ok=True)
    shutil.copy2(shot, OUTPUT / name)
    return OUTPUT / name


def citing_sentence(answer: str, n: int) -> str:
    """The first answer sentence that cites [n]; answer sentences end with their markers."""
    return next(s for s in re.split(r"(?<=\])[.!?]\s+", answer) if f"[{n}]" in s)


def test_question_gets_cited_answer_with_source_card(
    browser: Browser, tmp_path: Path, ui_store: dict[str, str]
) -> None:
    """Which sentences answer depends on the answerer's tuning, so the test checks what must hold for any of them."""
    env = ui_store | {"ICASSIST_APP__FEEDBACK_PATH": str(tmp_path / "feedback.sqlite")}
    started = time.monotonic()
    with streamlit_server(PROJECT_ROOT / "app.py", os.environ | env, tmp_path / "streamlit.log") as (url, _):
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(url)
        chat_input = page.get_by_test_id("stChatInputTextArea")
        expect(chat_input).to_be_visible(timeout=60_000)
        first_render_s = time.monotonic() - started
        chat_input.fill(TORBAY)
        chat_input.press("Enter")
        cards = page.get_by_test_id("stExpander")
        expect(cards.first).to_contain_text("[1] Clinical and service integration", timeout=120_000)
        answer = page.get_by_test_id("stChatMessage").nth(1)
        expect(answer.get_by_test_id("stFeedback")).to_be_visible()
        expect(page.locator("[data-stale='true']")).to_have_count(0)
        answer_text = answer.get_by_test_id("stMarkdown").first.inner_text()
        assert "[1]" in answer_text and "Torbay" in answer_text, answer_text
        assert re.search(r"(?i)\bbed[ -](use|days?)\b", answer_text), answer_text
        cards.first.locator("summary").click()
        details = cards.first.get_by_test_id("stExpanderDetails")
        expect(details).to_contain_text("Natasha Curry and Chris Ham (2010). Clinical and service integration")
        expect(details).to_contain_text("Torbay Care Trust (England)")
        highlights = details.locator(".stMarkdownColoredBackground")  # one per answer sentence citing [1]
        expect(highlights.first).to_be_visible()
        quotes = [h.strip() for h in highlights.all_inner_texts()]
        highlight = highlights.first
        quote = quotes[0]
        passage = highlight.locator("xpath=ancestor::*[@data-testid='stMarkdown'][1]").inner_text()
        assert quote and quote in passage and len(quote) < len(passage.strip()), (quote, passage)
        sentence = citing_sentence(answer_text, 1)
        assert set(tokens(" ".join(quotes))) & set(tokens(sentence)), (quotes, sentence)
        shot = save_screenshot(page, tmp_path, "browser-torbay-answer.png")
        details.get_by_text("Read in context").click()  # the viewer: the section around the passage, marked alike
        expect(page.get_by_test_id("stHeading").first).to_contain_text("Clinical and service integration")
        marked = page.locator(".stMarkdownColoredBackground")
        expect(marked.first).to_be_visible(timeout=60_000)
        assert [m.strip() for m in marked.all_inner_texts()] == quotes
        expect(page.get_by_text("Open the original file")).to_be_visible()
        viewer_shot = save_screenshot(page, tmp_path, "browser-passage-in-context.png")
        page.close()
    # the README promises local only: no font, icon or script is fetched from anywhere but the app itself
    hosts = {urlparse(u).hostname for u in requested if urlparse(u).scheme in ("http", "https", "ws", "wss")}
    assert hosts == {"127.0.0.1"}, sorted(u for u in requested if urlparse(u).hostname != "127.0.0.1")
    print(f"first render {first_render_s:.1f} s after `streamlit run`; screenshots {shot}, {viewer_shot}")


def test_report_text_renders_as_text_not_markup(browser: Browser, tmp_path: Path) -> None:
    passage = (
        "Intro <script>alert(1)</script> text. The [click](http://evil) sentence is *here* at www.evil.com. "
        "After :smile: and $x^2$ <img src=x onerror=alert(2)>, see https://evil.com/x or me@evil.com."
    )
    start, end = passage.index("The [click]"), passage.index(" After")
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "passage.py").write_text("", encoding="utf-8")  # the card's "Read in context" target
    script = tmp_path / "evil_card.py"
    script.write_text(
        "from icassist.records import Chunk\n"
        "from icassist.ui.components import source_card\n"
        "chunk = Chunk(chunk_id='c', doc_id='d.txt', title='Title [x](http://evil) <b>b</b>', authors=['A'], "
        f"year=2020, section_path=['S'], page_start='3', char_start=0, char_end=1, text={passage!r}, "
        "programmes=['torbay'])\n"
        f"source_card('[1]', chunk, {{'torbay': 'Torbay <i>x</i>'}}, [({start}, {end})])\n"
    )
    with streamlit_server(script, dict(os.environ), tmp_path / "streamlit.log") as (url, _):
        page = browser.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(url)
        card = page.get_by_test_id("stExpander")
        expect(card).to_contain_text("[1] Title [x](http://evil) <b>b</b> (2020)", timeout=60_000)
        card.locator("summary").click()
        details = card.get_by_test_id("stExpanderDetails")
        expect(details).to_contain_text("Intro <script>alert(1)</script> text.")
        assert passage in details.inner_text().replace("\u200b", "")  # zero-width spaces defuse autolinks
        expect(details).to_contain_text("Torbay <i>x</i>")
        highlight = details.locator("span", has_text="The [click](http://evil) sentence is *here* at www")
        expect(highlight.last).to_be_visible()
        assert "After" not in highlight.last.inner_text()
        expect(details.get_by_text("Read in context")).to_be_visible()  # the card has drawn to its end
        assert page.locator("a[href*='evil']").count() == 0
        assert page.locator("[data-testid='stMarkdown'] script, [data-testid='stMarkdown'] img").count() == 0
        assert details.locator("em, strong >> text=here").count() == 0
        save_screenshot(page, tmp_path, "browser-escaped-card.png")
        page.wait_for_timeout(300)
        assert dialogs == []
        page.close()


def test_a_report_added_in_the_app_answers_in_the_chat(
    browser: Browser, tmp_path: Path, ui_store: dict[str, str]
) -> None:
    """Upload, details, ingest with a progress bar, then the chat cites it: no restart, nothing else touched."""
    corpus = Path(shutil.copytree(ui_store["ICASSIST_CORPUS__DIR"], tmp_path / "corpus"))
    store = Path(shutil.copytree(ui_store["ICASSIST_STORE__PATH"], tmp_path / "chroma"))
    env = ui_store | {"ICASSIST_CORPUS__DIR": str(corpus), "ICASSIST_STORE__PATH": str(store)}
    report = tmp_path / "wexford-pilot-2023.txt"
    report.write_text(
        "Wexford discharge pilot\n\nThe Wexford discharge pilot paired a hospital social worker with each ward. "
        "Over its first year the Wexford pilot cut delayed discharges by 41 per cent, and readmissions within "
        "30 days did not change. The pilot was funded from a pooled budget held by the county council.\n",
        encoding="utf-8",
    )
    with streamlit_server(PROJECT_ROOT / "app.py", os.environ | env, tmp_path / "streamlit.log") as (url, _):
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(url.rstrip("/") + "/add_report")
        page.locator("input[type='file']").set_input_files(str(report))
        title = page.get_by_label("Title")
        expect(title).to_have_value("Wexford Pilot 2023", timeout=60_000)  # prefilled from the file name
        title.fill("The Wexford discharge pilot: first-year evaluation")
        page.get_by_label("Year").fill("2023")
        page.get_by_role("button", name="Add and ingest").click()
        expect(page.get_by_test_id("stAlert")).to_contain_text("Added The Wexford discharge pilot", timeout=120_000)
        save_screenshot(page, tmp_path, "browser-report-added.png")
        page.get_by_role("link", name="Ask the reports").click()
        chat_input = page.get_by_test_id("stChatInputTextArea")
        expect(chat_input).to_be_visible(timeout=60_000)
        chat_input.fill("What did the Wexford pilot do to delayed discharges?")
        chat_input.press("Enter")
        cards = page.get_by_test_id("stExpander")
        expect(cards.first).to_contain_text("The Wexford discharge pilot", timeout=120_000)
        answer = page.get_by_test_id("stChatMessage").nth(1).get_by_test_id("stMarkdown").first.inner_text()
        assert "41 per cent" in answer, answer
        page.close()
    assert "wexford-pilot-2023.txt" in (corpus / "sources.toml").read_text(encoding="utf-8")
    assert (corpus / "wexford-pilot-2023.txt").read_text(encoding="utf-8") == report.read_text(encoding="utf-8")
