"""App benchmark: first render and question-to-cited-answer time of the real app in headless Chromium.

Run on demand, after `icassist ingest` has built data/chroma:

    .venv/bin/python benchmarks/app_bench.py [--questions 5] [--out benchmarks/results/app.json]

The app runs as `streamlit run` on a free local port against the real store, as a user would start it, and is
driven through Playwright in Debian's Chromium. First render is `streamlit run` starting → chat input visible;
each question is asked in a fresh browser session (so no history changes its retrieval query) and timed from
Enter to its answer drawn with source cards and feedback. Then `--sessions` browser sessions (default 4) ask
different questions at once against the one server, whose sessions share one cached `Assistant`: each is timed
in its own page (Enter → feedback row, measured by the page itself) and its answer compared with the one the
same question got alone, so a mixed-up answer shows. Speed targets live here, printed, not in the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, sync_playwright

from icassist.settings import Settings
from icassist.store import Store

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the UI tests' headless-browser helpers, shared with this benchmark
from tests.headless import CHROMIUM, CHROMIUM_ARGS, streamlit_server  # noqa: E402

TARGETS = {"first_render_s": 4.0, "answer_median_s": 0.8, "concurrent_p95_s": 3.0}  # issue 12
QUESTIONS = [
    "What happened to hospital bed use in Torbay?",
    "Did pooled budgets reduce hospital admissions?",
    "What are the barriers to integrated care?",
    "How does Kaiser Permanente integrate primary and secondary care?",
    "What is PACE and who does it serve?",
    "Which financial mechanisms integrate health and social care funds?",
    "How were integrated care pilots evaluated in England?",
]
TIMEOUT_MS = 180_000
_SERVER_SECONDS = re.compile(r"·\s*([\d.]+)\s*s")


def load_avg() -> float:
    return round(os.getloadavg()[0], 2)


def first_render(browser: Browser, url: str, started: float) -> float:
    """Seconds from process start until the chat input shows, i.e. the store and retriever are loaded."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(url)
    page.get_by_test_id("stChatInputTextArea").wait_for(state="visible", timeout=TIMEOUT_MS)
    seconds = time.perf_counter() - started
    page.close()
    return seconds


def ask(browser: Browser, url: str, question: str) -> dict[str, Any]:
    """One question in a fresh session; waits (in-page, not by polling) for the feedback row drawn after the cards."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(url)
    chat_input = page.get_by_test_id("stChatInputTextArea")
    chat_input.wait_for(state="visible", timeout=TIMEOUT_MS)
    chat_input.fill(question)
    started = time.perf_counter()
    chat_input.press("Enter")
    answer = page.get_by_test_id("stChatMessage").nth(1)
    answer.get_by_test_id("stFeedback").wait_for(state="visible", timeout=TIMEOUT_MS)
    seconds = time.perf_counter() - started
    body = answer.get_by_test_id("stMarkdown").first.inner_text()
    caption = answer.get_by_test_id("stCaptionContainer").last.inner_text()
    server = _SERVER_SECONDS.search(caption)
    cards = answer.get_by_test_id("stExpander").count()
    page.close()
    return {
        "question": question,
        "body": body,
        "enter_to_answer_s": round(seconds, 3),
        "server_total_s": float(server.group(1)) if server else None,  # the chain's own timing, shown to 0.1 s
        "cited": "[1]" in body and cards > 0,
        "cards": cards,
    }


_WATCH = """() => {
  window.__asked = performance.now();
  window.__answered = null;
  new MutationObserver((_, observer) => {
    const messages = document.querySelectorAll('[data-testid="stChatMessage"]');
    if (messages.length > 1 && messages[1].querySelector('[data-testid="stFeedback"]')) {
      window.__answered = performance.now();
      observer.disconnect();
    }
  }).observe(document.body, {childList: true, subtree: true});
}"""


def concurrent(browser: Browser, url: str, questions: list[str], alone: dict[str, str]) -> dict[str, Any]:
    """All sessions press Enter within a few milliseconds; each page times its own answer."""
    pages = []
    for question in questions:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(url)
        chat_input = page.get_by_test_id("stChatInputTextArea")
        chat_input.wait_for(state="visible", timeout=TIMEOUT_MS)
        chat_input.fill(question)
        pages.append((page, chat_input, question))
    before = load_avg()
    for page, chat_input, _ in pages:
        page.evaluate(_WATCH)
        chat_input.press("Enter")
    rows = []
    for page, _, question in pages:
        page.wait_for_function("window.__answered !== null", timeout=TIMEOUT_MS)
        seconds = page.evaluate("(window.__answered - window.__asked) / 1000")
        body = page.get_by_test_id("stChatMessage").nth(1).get_by_test_id("stMarkdown").first.inner_text()
        rows.append(
            {"question": question, "enter_to_answer_s": round(seconds, 3), "same_as_alone": body == alone[question]}
        )
        page.close()
    times = sorted(r["enter_to_answer_s"] for r in rows)
    return {
        "sessions": len(rows),
        "answers": rows,
        "median_s": round(statistics.median(times), 3),
        "p95_s": round(times[min(len(times) - 1, round(0.95 * (len(times) - 1)))], 3),
        "wrong_or_mixed_answers": sum(not r["same_as_alone"] for r in rows),
        "load_avg_before": before,
        "load_avg_after": load_avg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--questions", type=int, default=5, help=f"how many questions to time (at most {len(QUESTIONS)})"
    )
    parser.add_argument("--sessions", type=int, default=4, help="browser sessions asking at once (0: skip)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "app.json")
    args = parser.parse_args()
    # No inherited ICASSIST_* settings: the app reads the real store with default settings; feedback goes to tmp.
    for key in [k for k in os.environ if k.startswith("ICASSIST_")]:
        del os.environ[key]
    status = Store(Settings()).status()
    if status is None:
        raise SystemExit("No ingested corpus in data/chroma: run `icassist ingest` first.")
    questions = QUESTIONS[: args.questions]
    with tempfile.TemporaryDirectory() as tmp:
        env = os.environ | {"ICASSIST_APP__FEEDBACK_PATH": str(Path(tmp) / "feedback.sqlite"), "HF_HUB_OFFLINE": "1"}
        load_before = load_avg()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            with streamlit_server(ROOT / "app.py", env, Path(tmp) / "streamlit.log") as (url, started):
                render_s = first_render(browser, url, started)
                print(f"first render: {render_s:.2f} s (target ≤ {TARGETS['first_render_s']:.0f} s)")
                answers = []
                for question in questions:
                    answers.append(ask(browser, url, question))
                    a = answers[-1]
                    print(
                        f"  {a['enter_to_answer_s']:6.2f} s (chain {a['server_total_s']} s, cited={a['cited']}) "
                        f"{question}"
                    )
                alone = {a["question"]: a["body"] for a in answers}
                shared = [a["question"] for a in answers][: args.sessions]
                together = concurrent(browser, url, shared, alone) if args.sessions else None
                if together:
                    print(
                        f"{together['sessions']} sessions at once: median {together['median_s']:.2f} s, "
                        f"p95 {together['p95_s']:.2f} s, wrong or mixed answers: {together['wrong_or_mixed_answers']}"
                    )
            browser.close()
        load_after = load_avg()
    median = statistics.median(a["enter_to_answer_s"] for a in answers)
    print(f"Enter → cited answer, median of {len(answers)}: {median:.2f} s (target ≤ {TARGETS['answer_median_s']} s)")
    print(f"load average {load_before} → {load_after} on {os.cpu_count()} CPUs")
    result = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "load_avg_before": load_before,
        "load_avg_after": load_after,
        "store": {"collection": status.collection, "documents": status.documents, "chunks": status.chunks},
        "answerer": "extractive",
        "first_render_s": round(render_s, 3),
        "answers": answers,
        "answer_median_s": round(median, 3),
        "concurrent": together,
        "targets": TARGETS,
        "target_check": {
            "first_render_s": render_s <= TARGETS["first_render_s"],
            "answer_median_s": median <= TARGETS["answer_median_s"],
            "all_cited": all(a["cited"] for a in answers),
            "concurrent_p95_s": together["p95_s"] <= TARGETS["concurrent_p95_s"] if together else None,
            "no_mixed_answers": together["wrong_or_mixed_answers"] == 0 if together else None,
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
