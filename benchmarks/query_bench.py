"""Query benchmark: warm retrieval and extractive-answer latency, cold start, and follow-up recall by query kind.

Run on demand against the real store (`icassist ingest` first):

    .venv/bin/python benchmarks/query_bench.py [--cold-runs 3] [--followups 10] [--no-llm]

Warm figures time the same Assistant over every question in evals/questions.jsonl after one warm-up question.
Concurrency asks the questions from 1, 4 and 8 threads at once through one shared Assistant, checking each
answer against the one its question gets alone.
Cold start is a fresh interpreter doing what `icassist ask` does: import, open the store, answer once. Follow-up
recall compares the heuristic retrieval query (earlier user turns + question) with one condensed by a local chat
model (Qwen2.5-Coder-1.5B if installed, else SmolLM2-135M), on one thread. The machine may be shared: every
part records the 1-minute load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "evals" / "questions.jsonl"
QWEN = ROOT / "data" / "models" / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
OUT = ROOT / "benchmarks" / "results" / "query.json"
TARGETS = {"warm_answer_p50_ms": 300.0, "cold_start_s": 2.5, "warm_retrieval_p50_ms": 20.0, "concurrent_8_p95_s": 3.0}
COLD = """
import time
started = time.perf_counter()
from icassist.chain import Assistant
Assistant().ask("What happened to hospital bed use in Torbay?")
print(time.perf_counter() - started)
"""


def load_avg() -> float:
    return round(os.getloadavg()[0], 2)


def percentiles(seconds: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in seconds)
    return {
        "n": len(ms),
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))], 1),
        "max_ms": round(ms[-1], 1),
    }


def timed(part: dict[str, Any], started_load: float) -> dict[str, Any]:
    return {**part, "load_avg_before": started_load, "load_avg_after": load_avg()}


def warm(assistant: Any, questions: list[Any]) -> dict[str, Any]:
    """Retrieval alone, then the whole extractive ask (retrieval + gate + answer + validation), per question."""
    from icassist.conversation import heuristic_query

    before = load_avg()
    assistant.ask("What are the barriers to integrated care?")  # warm-up: first embedding, caches
    turns = assistant.settings.retrieval.history_turns
    retrieval, answer = [], []
    for q in questions:
        query = heuristic_query(q.question, list(q.history), turns)
        started = time.perf_counter()
        assistant.retriever.retrieve(query)
        retrieval.append(time.perf_counter() - started)
        started = time.perf_counter()
        assistant.ask(q.question, history=list(q.history) or None)
        answer.append(time.perf_counter() - started)
    return timed({"retrieval": percentiles(retrieval), "extractive_answer": percentiles(answer)}, before)


def cold(runs: int) -> dict[str, Any]:
    """Wall time of a fresh interpreter, measured outside it so interpreter start-up counts too."""
    before = load_avg()
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    walls, inside = [], []
    for _ in range(runs):
        started = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", COLD], capture_output=True, text=True, env=env, check=True)
        walls.append(time.perf_counter() - started)
        inside.append(float(out.stdout.strip().splitlines()[-1]))
    return timed(
        {
            "runs_s": [round(w, 2) for w in walls],
            "median_s": round(statistics.median(walls), 2),
            "median_in_process_s": round(statistics.median(inside), 2),
        },
        before,
    )


def concurrency(questions: list[Any], thread_counts: tuple[int, ...] = (1, 4, 8)) -> dict[str, Any]:
    """Many staff at once through one shared Assistant (as the app shares it): throughput, latency, and whether
    every answer is the one its question gets alone (text and cited chunks). Each run gets a fresh Assistant, so
    no run is served from the sentence vectors another one cached."""
    from concurrent.futures import ThreadPoolExecutor

    from icassist.chain import Assistant

    def fingerprint(answer: Any) -> tuple[Any, ...]:
        return answer.text, tuple(c.chunk.chunk_id for c in answer.citations)

    def timed_ask(assistant: Any, question: Any) -> tuple[str, float, tuple[Any, ...]]:
        started = time.perf_counter()
        answer = assistant.ask(question.question)
        return question.question, time.perf_counter() - started, fingerprint(answer)

    asked = [q for q in questions if not q.history]
    reference = Assistant()
    alone = {q.question: fingerprint(reference.ask(q.question)) for q in asked}
    runs = {}
    for threads in thread_counts:
        assistant = Assistant()
        assistant.ask("What are the barriers to integrated care?")  # warm-up, as in the warm part
        before = load_avg()

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=threads) as pool:
            results = list(pool.map(lambda q, shared=assistant: timed_ask(shared, q), asked))
        wall = time.perf_counter() - started
        latencies = [seconds for _, seconds, _ in results]
        runs[str(threads)] = timed(
            {
                "questions": len(results),
                "throughput_per_s": round(len(results) / wall, 2),
                "latency": percentiles(latencies),
                "wrong_or_mixed_answers": sum(alone[q] != f for q, _, f in results),
            },
            before,
        )
    return runs


def recall_at(assistant: Any, question: Any, query: str, k: int) -> float:
    from icassist.evaluation.metrics import Evidence, quote_rank

    passages = assistant.retriever.retrieve(query, k)
    evidence = [Evidence(p.chunk.doc_id, p.chunk.text, p.chunk.char_start, p.chunk.char_end) for p in passages]
    ranks = [quote_rank(quote, evidence) for quote in question.quotes]
    return sum(r is not None and r <= k for r in ranks) / len(ranks)


def followups(assistant: Any, questions: list[Any], use_llm: bool, k: int = 5) -> dict[str, Any]:
    from icassist.chat_models import LocalLlama
    from icassist.conversation import condensed_query, heuristic_query

    before = load_avg()
    turns = assistant.settings.retrieval.history_turns
    rows = [{"id": q.id, "heuristic_query": heuristic_query(q.question, list(q.history), turns)} for q in questions]
    for q, row in zip(questions, rows, strict=True):
        row["heuristic_recall"] = recall_at(assistant, q, row["heuristic_query"], k)
    result: dict[str, Any] = {"k": k, "questions": len(questions)}
    result["heuristic_recall_at_k"] = round(statistics.mean(r["heuristic_recall"] for r in rows), 3)
    if use_llm:
        from tests.test_chat_models import smollm2_path

        path = QWEN if QWEN.is_file() else smollm2_path()
        if path is not None:
            with LocalLlama(path, n_ctx=2048, n_threads=1) as llama:
                model = llama.chat_model(max_tokens=48)
                result["condense_model"] = llama.display_name
                seconds = []
                for q, row in zip(questions, rows, strict=True):
                    started = time.perf_counter()
                    row["condensed_query"] = condensed_query(q.question, list(q.history), model, turns)
                    seconds.append(time.perf_counter() - started)
                    row["condensed_recall"] = recall_at(assistant, q, row["condensed_query"], k)
            result["condensed_recall_at_k"] = round(statistics.mean(r["condensed_recall"] for r in rows), 3)
            result["condense_latency"] = percentiles(seconds)
    return timed({**result, "rows": rows}, before)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--followups", type=int, default=10, help="follow-up questions condensed by the LLM")
    parser.add_argument("--no-llm", action="store_true", help="skip the LLM-condensed follow-up queries")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))  # tests.test_chat_models locates the SmolLM2 fallback

    from icassist.chain import Assistant
    from icassist.evaluation.questions import load_questions

    questions = load_questions(QUESTIONS)
    started = time.perf_counter()
    assistant = Assistant()
    startup_s = time.perf_counter() - started
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "store": str(assistant.store.location),
        "questions": str(QUESTIONS.relative_to(ROOT)),
        "warm_assistant_startup_s": round(startup_s, 2),
        "warm": warm(assistant, questions),
        "cold_start": cold(args.cold_runs),
        "concurrency": concurrency(questions),
        "followup": followups(
            assistant, [q for q in questions if q.type == "followup"][: args.followups], not args.no_llm
        ),
    }
    eight = results["concurrency"]["8"]
    figures = {
        "warm_answer_p50_ms": results["warm"]["extractive_answer"]["p50_ms"],
        "cold_start_s": results["cold_start"]["median_s"],
        "warm_retrieval_p50_ms": results["warm"]["retrieval"]["p50_ms"],
        "concurrent_8_p95_s": eight["latency"]["p95_ms"] / 1000,
    }
    results["target_check"] = {name: [round(value, 3), TARGETS[name]] for name, value in figures.items()}
    results["target_check"]["met"] = all(value <= TARGETS[name] for name, value in figures.items()) and (
        eight["wrong_or_mixed_answers"] == 0
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    summary = {key: value for key, value in results.items() if key != "followup"}
    summary["followup"] = {key: value for key, value in results["followup"].items() if key != "rows"}
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
