"""Ingest benchmark: full and no-change ingest of the real corpus, scaling with corpus size, and torch threading.

Run on demand (16x takes ~20 min on 2 cores):

    .venv/bin/python benchmarks/ingest_bench.py [--scales 1,4,16] [--threads 1,2] [--parts ingest,threads]

Each ingest runs as a fresh `icassist ingest` process, as a user would, so its wall time includes start-up and
model load and its peak RSS is its own. Thread and OpenMP wait-policy probes each run in a fresh interpreter,
because OMP_WAIT_POLICY is read once when torch loads. The machine may be shared: every figure carries the
1-minute load average before and after it was measured.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
ICASSIST = ROOT / ".venv" / "bin" / "icassist"
TARGETS = {"full_ingest_s": 90.0, "no_change_s": 3.0}
QUERIES = [
    "Did pooled budgets reduce hospital admissions?",
    "What happened to hospital bed use in Torbay?",
    "What are the barriers to integrated care?",
    "How does Kaiser Permanente integrate primary and secondary care?",
    "What is the evidence on care coordination for older people?",
    "Which financial mechanisms integrate health and social care funds?",
    "What is the difference between vertical and horizontal integration?",
    "How were integrated care pilots evaluated in England?",
    "What role does information technology play in integration?",
    "Does integration save money?",
    "What is PACE and who does it serve?",
    "How did the Veterans Health Administration improve quality?",
    "What are the enablers of integrated care identified for Monitor?",
    "What did the Australian coordinated care trials find?",
    "How does capitation support integrated care?",
    "What leadership is needed for integration to succeed?",
    "Were patient experience outcomes improved by integrated care?",
    "What are macro, meso and micro levels of integration?",
    "How do care trusts combine health and social care?",
    "What outcomes did case management achieve for people with long-term conditions?",
]
PROBE_TEXTS = 48  # chunk-sized texts per throughput probe: ~5-10 s at this machine's speed


def load_avg() -> float:
    return round(os.getloadavg()[0], 2)


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def clean_env(**extra: str) -> dict[str, str]:
    """No inherited ICASSIST_* settings: the benchmark says exactly where corpus and store are."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ICASSIST_")}
    env.update(extra)
    return env


# ---------------------------------------------------------------- corpus at scale


def build_corpus(dest: Path, scale: int) -> Path:
    """`scale` copies of the corpus; copy k>1 gets its own title and a first line, so every chunk's embed_text
    (title + section + text) is new and nothing can be reused from a cache."""
    dest.mkdir(parents=True)
    shutil.copy(CORPUS / "programmes.toml", dest / "programmes.toml")
    manifest = tomllib.loads((CORPUS / "sources.toml").read_text(encoding="utf-8"))["source"]
    entries: list[str] = []
    for k in range(1, scale + 1):
        for entry in manifest:
            src = CORPUS / entry["file"]
            name = src.name if k == 1 else f"{src.stem}-copy{k}{src.suffix}"
            text = src.read_text(encoding="utf-8")
            title = entry["title"] if k == 1 else f"{entry['title']} (benchmark copy {k})"
            if k > 1:
                text = f"Benchmark copy {k} of {src.name}.\n\n{text}"
            (dest / name).write_text(text, encoding="utf-8")
            fields = {**{f: entry[f] for f in ("authors", "publisher", "year", "kind") if f in entry}, "title": title}
            lines = [f"file = {json.dumps(name)}"] + [f"{key} = {json.dumps(value)}" for key, value in fields.items()]
            entries.append("[[source]]\n" + "\n".join(lines) + "\n")
    (dest / "sources.toml").write_text("\n".join(entries), encoding="utf-8")
    return dest


# ---------------------------------------------------------------- one ingest as a user runs it


def run_ingest(corpus: Path, store: Path, log_dir: Path, label: str) -> dict[str, Any]:
    """Wall seconds, the pipeline's own seconds and counts, and the process's peak RSS (from wait4)."""
    out_path, err_path = log_dir / f"{label}.out", log_dir / f"{label}.err"
    load_before = load_avg()
    started = time.perf_counter()
    with out_path.open("w") as out, err_path.open("w") as err:
        proc = subprocess.Popen(
            [str(ICASSIST), "ingest", "--quiet", "--corpus", str(corpus), "--store", str(store)],
            stdout=out,
            stderr=err,
            env=clean_env(),
        )
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    text = out_path.read_text()
    if proc.returncode != 0:
        raise RuntimeError(f"ingest {label} exited {proc.returncode}:\n{text}\n{err_path.read_text()[-2000:]}")
    numbers = re.search(r"chunks in store: (\d+) \((\d+) embedded, (\d+) reused\)", text)
    seconds = re.search(r"seconds: ([\d.]+)", text)
    assert numbers and seconds, text
    chunks, embedded = int(numbers.group(1)), int(numbers.group(2))
    pipeline_s = float(seconds.group(1))
    return {
        "wall_s": round(wall, 2),
        "pipeline_s": pipeline_s,
        "chunks": chunks,
        "embedded": embedded,
        "chunks_per_s": round(embedded / pipeline_s, 2) if embedded else None,
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "store_mb": round(dir_bytes(store) / 2**20, 2),
        "load_avg_before": load_before,
        "load_avg_after": load_avg(),
    }


def query_latency(corpus: Path, store: Path) -> dict[str, Any]:
    """Median of 20 queries: embedding alone, and the whole hybrid retrieval (embedding, dense, BM25, fusion)."""
    from icassist.embeddings import LocalEmbeddings
    from icassist.retrieval import HybridRetriever
    from icassist.settings import Settings
    from icassist.store import Store

    settings = Settings().model_copy(deep=True)
    settings.corpus.dir, settings.store.path, settings.store.chroma_url = corpus, store, None
    embeddings = LocalEmbeddings(settings.embedding)
    started = time.perf_counter()
    retriever = HybridRetriever.open(Store(settings, embeddings), settings.retrieval)
    startup_s = time.perf_counter() - started  # what an assistant builds at start: vectors, BM25, lexicon, glossary
    retriever.retrieve("warm-up")
    load_before = load_avg()
    embed_ms, total = [], []
    for query in QUERIES:
        t0 = time.perf_counter()
        embeddings.embed_query(query)
        t1 = time.perf_counter()
        retriever.retrieve(query)
        t2 = time.perf_counter()
        embed_ms.append((t1 - t0) * 1000)
        total.append((t2 - t1) * 1000)
    return {
        "retriever_startup_s": round(startup_s, 2),
        "queries": len(QUERIES),
        "k": settings.retrieval.candidates,
        "embed_ms_median": round(statistics.median(embed_ms), 2),
        "search_ms_median": round(statistics.median(total) - statistics.median(embed_ms), 2),
        "total_ms_median": round(statistics.median(total), 2),
        "load_avg_before": load_before,
        "load_avg_after": load_avg(),
    }


def bench_scales(scales: list[int], work: Path) -> list[dict[str, Any]]:
    results = []
    for scale in scales:
        corpus = build_corpus(work / f"corpus-x{scale}", scale)
        store = work / f"store-x{scale}"
        files = len(list(corpus.glob("*.txt")))
        print(f"[x{scale}] {files} reports: full ingest …", flush=True)
        full = run_ingest(corpus, store, work, f"x{scale}-full")
        print(f"[x{scale}] full: {json.dumps(full)}", flush=True)
        again = run_ingest(corpus, store, work, f"x{scale}-again")
        assert again["embedded"] == 0, again
        print(f"[x{scale}] no change: {json.dumps(again)}", flush=True)
        query = query_latency(corpus, store)
        print(f"[x{scale}] query: {json.dumps(query)}", flush=True)
        results.append({"scale": scale, "reports": files, "full": full, "no_change": again, "query": query})
    return results


# ---------------------------------------------------------------- torch threads x OpenMP wait policy


def probe(threads: int) -> None:
    """Runs in a fresh interpreter (OMP_WAIT_POLICY already in its environment); prints one JSON line."""
    from icassist.embeddings import LocalEmbeddings
    from icassist.settings import EmbeddingSettings

    t0 = time.perf_counter()
    embeddings = LocalEmbeddings(EmbeddingSettings(threads=threads, query_backend="sentence-transformers"))
    embeddings.embed_query("warm-up")
    load_s = time.perf_counter() - t0
    words = (CORPUS / "kingsfund-2010-clinical-and-service-integration.txt").read_text(encoding="utf-8").split()
    texts = [" ".join(words[i * 250 : (i + 1) * 250]) for i in range(PROBE_TEXTS)]
    latencies = []
    for i in range(50):
        t = time.perf_counter()
        embeddings.embed_query(QUERIES[i % len(QUERIES)])
        latencies.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    embeddings.embed_documents(texts)
    batch_s = time.perf_counter() - t

    import torch

    print(
        json.dumps(
            {
                "torch_threads": torch.get_num_threads(),
                "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
                "model_load_s": round(load_s, 2),
                "query_ms_median": round(statistics.median(latencies), 2),
                "batch_texts": len(texts),
                "batch_chunks_per_s": round(len(texts) / batch_s, 2),
            }
        )
    )


def bench_threads(thread_counts: list[int]) -> list[dict[str, Any]]:
    results = []
    for busy in (False, True):
        hog = None
        if busy:  # keep one core spinning, as another engineer's job would
            hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
            time.sleep(1.0)
        try:
            for threads in thread_counts:
                for policy in ("PASSIVE", "ACTIVE"):
                    load_before = load_avg()
                    proc = subprocess.run(
                        [sys.executable, __file__, "--probe", str(threads)],
                        capture_output=True,
                        text=True,
                        env=clean_env(OMP_WAIT_POLICY=policy),
                        timeout=900,
                        check=True,
                    )
                    row = json.loads(proc.stdout.strip().splitlines()[-1])
                    row.update(other_core_busy=busy, load_avg_before=load_before, load_avg_after=load_avg())
                    print(f"[threads] {json.dumps(row)}", flush=True)
                    results.append(row)
        finally:
            if hog is not None:
                hog.terminate()
                hog.wait()
    return results


# ---------------------------------------------------------------- report


def plot(data: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    scaling = data.get("scaling") or []
    xs = [r["scale"] for r in scaling]
    panels = [
        (axes[0][0], [r["full"]["wall_s"] for r in scaling], "full ingest wall s", TARGETS["full_ingest_s"]),
        (axes[0][1], [r["full"]["store_mb"] for r in scaling], "store size MB", None),
        (axes[1][0], [r["query"]["total_ms_median"] for r in scaling], "query ms (embed + search), median", None),
    ]
    for ax, ys, title, target in panels:
        ax.plot(xs, ys, marker="o")
        for x, y, r in zip(xs, ys, scaling, strict=True):
            ax.annotate(f"load {r['full']['load_avg_before']}", (x, y), fontsize=7, textcoords="offset points",
                        xytext=(4, 4))  # fmt: skip
        if target and xs:
            ax.axhline(target * 1, color="red", linestyle="--", linewidth=0.8, label=f"target (1x) {target:g}s")
            ax.legend(fontsize=8)
        ax.set_xscale("log", base=2)
        ax.set_xticks(xs or [1], [f"{x}x" for x in xs] or ["1x"])
        ax.set_xlabel("corpus copies")
        ax.set_title(title)
    ax = axes[1][1]
    rows = data.get("threads") or []
    labels = [f"{r['torch_threads']}t {r['omp_wait_policy'][:4]}\n{'+spin' if r['other_core_busy'] else 'as is'}"
              f"\nload {r['load_avg_before']}" for r in rows]  # fmt: skip
    ax.bar(range(len(rows)), [r["batch_chunks_per_s"] for r in rows], color=["C0" if not r["other_core_busy"]
           else "C1" for r in rows])  # fmt: skip
    ax.set_xticks(range(len(rows)), labels, fontsize=7)
    ax.set_title("batch embedding chunks/s (orange: + a spinning process)")
    fig.suptitle(f"icassist ingest benchmark — {data.get('machine', {}).get('cpus')} CPUs, {data.get('run_at')}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,4", help="corpus copies to ingest, e.g. 1,4,16")
    parser.add_argument("--threads", default="1,2", help="torch thread counts to probe")
    parser.add_argument("--parts", default="ingest,threads", help="ingest, threads or both")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--plot-only", action="store_true", help="redraw ingest.png from ingest.json")
    parser.add_argument("--probe", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        probe(args.probe)
        return 0
    if args.plot_only:
        plot(json.loads((args.out / "ingest.json").read_text()), args.out / "ingest.png")
        return 0

    parts = set(args.parts.split(","))
    args.out.mkdir(parents=True, exist_ok=True)
    json_path = args.out / "ingest.json"
    data: dict[str, Any] = json.loads(json_path.read_text()) if json_path.exists() else {}
    data.update(
        run_at=time.strftime("%Y-%m-%dT%H:%M:%S"),
        machine={"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        targets=TARGETS,
    )
    if "threads" in parts:
        data["threads"] = bench_threads([int(t) for t in args.threads.split(",")])
    if "ingest" in parts:
        with tempfile.TemporaryDirectory(prefix="icassist-bench-") as tmp:
            data["scaling"] = bench_scales([int(s) for s in args.scales.split(",")], Path(tmp))
        one = next((r for r in data["scaling"] if r["scale"] == 1), None)
        if one:
            data["target_check"] = {
                "full_ingest_s": one["full"]["wall_s"],
                "full_ingest_ok": one["full"]["wall_s"] <= TARGETS["full_ingest_s"],
                "no_change_wall_s": one["no_change"]["wall_s"],
                "no_change_pipeline_s": one["no_change"]["pipeline_s"],
                "no_change_ok": one["no_change"]["wall_s"] <= TARGETS["no_change_s"],
                "no_change_pipeline_ok": one["no_change"]["pipeline_s"] <= TARGETS["no_change_s"],
            }
    json_path.write_text(json.dumps(data, indent=2) + "\n")
    plot(data, args.out / "ingest.png")
    print(json.dumps(data.get("target_check", {}), indent=2))
    print(f"wrote {json_path} and {args.out / 'ingest.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
