"""Query-side growth benchmark: in-memory dense and BM25 scoring on synthetic corpora of 1x to 64x the real one.

Nothing is embedded, so 64x (~40,000 chunks) takes minutes, not a day: copy k of every real chunk gets its vector
and tail-window vectors perturbed (Gaussian noise, renormalised) and every fifth word a copy-specific variant, so
BM25's vocabulary and postings grow as with new reports instead of repeating one report's. Per scale: the
retriever's start-up (vectors, BM25, lexicon, glossary), and per query the dense scoring, the BM25 scoring and the
whole `retrieve()` (which includes embedding the query with ONNX, ~3 ms whatever the corpus size).
Resident memory is this process's after each scale (scales run smallest first). The machine may be shared: each
scale records the load average before and after.

    .venv/bin/python benchmarks/growth_bench.py [--scales 1,4,16,64]

Needs the real store (`icassist ingest`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest_bench import QUERIES, load_avg
from query_bench import percentiles

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results"
TARGETS = {"retrieval_p50_ms": 20.0}  # issue 12: warm retrieval p50 at the real corpus size; shown for every scale


def variant(text: str, copy: int) -> str:
    """Every fifth word gets a copy suffix of letters (digits would split off as their own token): new
    vocabulary, the same length and shape."""
    suffix = "q" + "".join(chr(97 + int(d)) for d in str(copy))
    words = text.split(" ")
    return " ".join(w + suffix if i % 5 == 4 and w.isalpha() else w for i, w in enumerate(words))


def synthetic(real: Any, scale: int, rng: np.random.Generator) -> Any:
    from icassist.retrieval import Corpus

    if scale == 1:
        return real
    chunks, vectors, windows, owners = [], [], [], []
    for copy in range(scale):
        base = len(chunks)
        for chunk in real.chunks:
            chunks.append(
                chunk
                if copy == 0
                else chunk.model_copy(
                    update={
                        "chunk_id": f"{chunk.chunk_id}~{copy}",
                        "doc_id": f"{chunk.doc_id}~{copy}",
                        "text": variant(chunk.text, copy),
                    }
                )
            )
        noise = 0.0 if copy == 0 else 0.05
        vectors.append(_perturb(real.vectors, noise, rng))
        windows.append(_perturb(real.windows, noise, rng))
        owners.append(real.owners + base)
    return Corpus(
        f"{real.version}x{scale}",
        chunks,
        np.concatenate(vectors),
        {c.chunk_id: i for i, c in enumerate(chunks)},
        np.concatenate(windows),
        np.concatenate(owners),
    )


def _perturb(rows: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    if not noise or not len(rows):
        return rows.copy()
    moved = rows + rng.normal(0.0, noise, rows.shape).astype(np.float32)
    return moved / np.linalg.norm(moved, axis=1, keepdims=True)


def rss_mb() -> float:
    import psutil

    return round(psutil.Process().memory_info().rss / 1e6, 1)


def bench_scale(real: Any, embeddings: Any, settings: Any, scale: int, rng: np.random.Generator) -> dict[str, Any]:
    from icassist import startup_cache
    from icassist.retrieval import Corpus, HybridRetriever
    from icassist.text import tokens

    corpus = synthetic(real, scale, rng)
    before = load_avg()
    started = time.perf_counter()
    retriever = HybridRetriever(corpus, embeddings, settings.retrieval)
    startup_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as scratch:  # the next start of the same store version: from the cache
        folder = Path(scratch) / "startup" / corpus.version
        startup_cache.save(folder, retriever.cached())
        started = time.perf_counter()
        cached = startup_cache.load(folder)
        assert cached is not None
        again = Corpus.of(corpus.version, cached.chunks, cached.vectors, cached.windows, cached.owners)
        HybridRetriever(again, embeddings, settings.retrieval, cached)
        cached_startup_s = time.perf_counter() - started
    for query in QUERIES:  # warm: vectors cached, first-call costs paid
        retriever.retrieve(query)
    dense, keyword, whole = [], [], []
    for _ in range(3):
        for query in QUERIES:
            vector = np.asarray(embeddings.embed_query(retriever.expand(query)), dtype=np.float32)
            t0 = time.perf_counter()
            corpus.similarities(vector)
            t1 = time.perf_counter()
            assert retriever.bm25 is not None
            retriever.bm25.get_scores(tokens(query))
            t2 = time.perf_counter()
            retriever.retrieve(query)
            t3 = time.perf_counter()
            dense.append(t1 - t0)
            keyword.append(t2 - t1)
            whole.append(t3 - t2)
    return {
        "scale": scale,
        "chunks": len(corpus.chunks),
        "windows": len(corpus.owners),
        "vocabulary": len(retriever.idf),
        "retriever_startup_s": round(startup_s, 2),
        "cached_startup_s": round(cached_startup_s, 2),
        "dense": percentiles(dense),
        "bm25": percentiles(keyword),
        "retrieve": percentiles(whole),
        "rss_mb": rss_mb(),
        "load_avg_before": before,
        "load_avg_after": load_avg(),
    }


def plot(data: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = data["scaling"]
    xs = [r["scale"] for r in rows]
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    for part, label in (("dense", "dense scoring"), ("bm25", "BM25 scoring"), ("retrieve", "whole retrieve()")):
        axes[0].plot(xs, [r[part]["p50_ms"] for r in rows], marker="o", label=f"{label} p50")
    axes[0].axhline(TARGETS["retrieval_p50_ms"], color="red", linestyle="--", linewidth=0.8, label="20 ms target")
    axes[0].set_yscale("log")
    axes[0].set_title("query ms, p50 (retrieve() includes ~3 ms embedding)")
    axes[0].legend(fontsize=8)
    axes[1].plot(xs, [r["retriever_startup_s"] for r in rows], marker="o", label="built")
    axes[1].plot(xs, [r.get("cached_startup_s") for r in rows], marker="o", label="from the start-up cache")
    axes[1].set_title("retriever start-up s")
    axes[1].legend()
    axes[2].plot(xs, [r["rss_mb"] for r in rows], marker="o")
    axes[2].set_title("process RSS MB after each scale")
    for ax in axes:
        ax.set_xscale("log", base=2)
        ax.set_xticks(
            xs, [f"{x}x\n{r['chunks']} ch\nload {r['load_avg_before']}" for x, r in zip(xs, rows, strict=True)]
        )
    fig.suptitle(f"icassist query-side growth (synthetic) — {data['machine']['cpus']} CPUs, {data['run_at']}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,4,16,64")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--label", default="growth", help="result files: <label>.json and <label>.png")
    args = parser.parse_args()

    from icassist.retrieval import Corpus
    from icassist.settings import Settings
    from icassist.store import Store

    settings = Settings()
    store = Store(settings)
    real = Corpus.load(store)
    rng = np.random.default_rng(0)
    data: dict[str, Any] = {
        "run_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "real_chunks": len(real.chunks),
        "queries": len(QUERIES),
        "targets": TARGETS,
        "scaling": [],
    }
    for scale in sorted(int(s) for s in args.scales.split(",")):
        row = bench_scale(real, store.embeddings, settings, scale, rng)
        data["scaling"].append(row)
        print(json.dumps(row), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{args.label}.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    plot(data, args.out / f"{args.label}.png")
    print(f"wrote {args.out / (args.label + '.json')} and {args.out / (args.label + '.png')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
