"""Embedding backends: sentence-transformers (reference), ONNX fp32 and ONNX int8, on the real corpus's texts.

    .venv/bin/python benchmarks/embedding_bench.py [--texts 384] [--out benchmarks/results]

Each backend is probed in a fresh interpreter, so import and load times are what a new process pays: seconds to
import and load, a single question's embedding (median of 50), batch throughput on chunk heads and tail windows
taken from the ingested store (what ingest embeds), and the worst cosine against the reference vectors. Then a
cold `icassist ask` per backend, as a user types it. Every figure carries the 1-minute load average.
Writes `results/embedding.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ICASSIST = ROOT / ".venv" / "bin" / "icassist"
QUESTIONS = [
    "What did Torbay's integrated care teams change, and what happened to bed days?",
    "Did pooled budgets reduce hospital admissions?",
    "What are the barriers to integrated care?",
    "How does Kaiser Permanente integrate primary and secondary care?",
    "What is PACE and who does it serve?",
]


def load_avg() -> float:
    return round(os.getloadavg()[0], 2)


def corpus_texts(limit: int) -> list[str]:
    """What ingest embeds: every chunk's head text and its tail windows, from the store in this checkout."""
    from icassist.settings import get_settings
    from icassist.store import Store

    settings = get_settings()
    chunks = Store(settings).chunks()
    words, stride = settings.embedding.window_words, settings.embedding.window_stride
    texts = [text for c in chunks for text in [c.embed_text, *c.tail_windows(words, stride)]]
    return texts[:limit]


def int8_file(fp32: Path) -> Path:
    """Dynamically quantised copy of the fp32 export (weights int8, activations quantised at run time)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    dest = fp32.with_name(fp32.stem + "-int8.onnx")
    if not dest.exists():
        quantize_dynamic(str(fp32), str(dest), weight_type=QuantType.QInt8)
    return dest


def probe(backend: str, texts_file: Path) -> None:
    """Fresh interpreter: prints one JSON line for `backend`."""
    texts = json.loads(texts_file.read_text(encoding="utf-8"))
    load_before = load_avg()
    t0 = time.perf_counter()
    if backend == "sentence-transformers":
        from icassist.embeddings import load_model

        model = load_model(2)

        def encode(batch: list[str]) -> Any:
            return model.encode(batch, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
    else:
        from icassist.embeddings import bundled_model_dir
        from icassist.onnx_encoder import OnnxEncoder, export, onnx_file
        from icassist.settings import get_settings

        model_dir = bundled_model_dir()
        path = onnx_file(model_dir, get_settings().embedding.onnx_dir)
        if not path.exists():
            export(model_dir, path)
        if backend == "onnx-int8":
            path = int8_file(path)
        encoder = OnnxEncoder(model_dir, path, 2)

        def encode(batch: list[str]) -> Any:
            return encoder.encode(batch, 32)

    encode(["warm-up"])
    load_s = time.perf_counter() - t0
    latencies = []
    for i in range(50):
        t = time.perf_counter()
        encode([QUESTIONS[i % len(QUESTIONS)]])
        latencies.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    vectors = encode(texts)
    batch_s = time.perf_counter() - t
    out = Path(texts_file.with_name(f"{backend}.npy"))
    import numpy as np

    np.save(out, np.asarray(vectors, dtype=np.float32))
    print(
        json.dumps(
            {
                "backend": backend,
                "torch_imported": "torch" in sys.modules,
                "import_and_load_s": round(load_s, 2),
                "query_ms_median": round(statistics.median(latencies), 2),
                "batch_texts": len(texts),
                "texts_per_s": round(len(texts) / batch_s, 1),
                "load_avg_before": load_before,
                "load_avg_after": load_avg(),
            }
        )
    )


def cold_ask(backend: str) -> dict[str, Any]:
    env = {**os.environ, "ICASSIST_EMBEDDING__BACKEND": backend}
    load_before = load_avg()
    t = time.perf_counter()
    run = subprocess.run(
        [str(ICASSIST), "ask", QUESTIONS[0]], capture_output=True, text=True, env=env, cwd=ROOT, check=False
    )
    return {
        "backend": backend,
        "cold_ask_s": round(time.perf_counter() - t, 2),
        "ok": run.returncode == 0,
        "load_avg_before": load_before,
        "load_avg_after": load_avg(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=384, help="corpus texts for the throughput probe")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--probe", nargs=2, metavar=("BACKEND", "TEXTS_JSON"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        probe(args.probe[0], Path(args.probe[1]))
        return 0
    import numpy as np

    backends = ["sentence-transformers", "onnx", "onnx-int8"]
    with tempfile.TemporaryDirectory() as work:
        texts_file = Path(work) / "texts.json"
        texts_file.write_text(json.dumps(corpus_texts(args.texts)), encoding="utf-8")
        probes = []
        for backend in backends:
            run = subprocess.run(
                [sys.executable, __file__, "--probe", backend, str(texts_file)],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            )
            probes.append(json.loads(run.stdout.strip().splitlines()[-1]))
            print(json.dumps(probes[-1]), flush=True)
        reference = np.load(Path(work) / "sentence-transformers.npy")
        for result in probes:
            cosines = (np.load(Path(work) / f"{result['backend']}.npy") * reference).sum(axis=1)
            result["min_cosine_vs_reference"] = round(float(cosines.min()), 5)
            result["mean_cosine_vs_reference"] = round(float(cosines.mean()), 5)
    asks = [cold_ask(backend) for backend in ("sentence-transformers", "onnx")]
    for ask in asks:
        print(json.dumps(ask), flush=True)
    base = next(p for p in probes if p["backend"] == "sentence-transformers")["texts_per_s"]
    for result in probes:
        result["throughput_vs_reference"] = round(result["texts_per_s"] / base, 2)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "embedding.json"
    payload = {"measured_at": time.strftime("%Y-%m-%dT%H:%M:%S"), "probes": probes, "cold_ask": asks}
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
