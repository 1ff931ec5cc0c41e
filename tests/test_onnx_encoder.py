"""The ONNX query path: the reference model's vectors and rankings without importing torch."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from icassist.embeddings import LocalEmbeddings, bundled_model_dir, load_model
from icassist.evaluation.questions import load_questions
from icassist.onnx_encoder import OnnxEncoder, export, onnx_file
from icassist.retrieval import HybridRetriever
from icassist.settings import Settings
from icassist.store import Store
from tests.conftest import PROJECT_ROOT, REAL_CORPUS, cli_env, qa_env

NO_TORCH_SCRIPT = """
import json, sys
from icassist.chain import Assistant
from icassist.settings import Settings
answer = Assistant(Settings()).ask("What happened to hospital bed use in Torbay?")
print(json.dumps({"cited": len(answer.citations), "heavy": sorted(m for m in ("torch", "sentence_transformers")
      if m in sys.modules)}))
"""


@pytest.fixture(scope="module")
def encoder(embeddings: LocalEmbeddings) -> OnnxEncoder:
    embeddings.embed_query("makes the export if this checkout has none")
    return OnnxEncoder(bundled_model_dir(), onnx_file(bundled_model_dir(), embeddings.settings.onnx_dir), 2)


def _corpus_sentences() -> list[str]:
    text = (REAL_CORPUS / "kingsfund-2010-clinical-and-service-integration.txt").read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines() if len(line.split()) >= 8]
    long = " ".join(lines[200:600])  # past the 256 word-pieces the model reads: truncation must match too
    return [*lines[100:164], long]


def test_onnx_vectors_equal_the_reference_on_real_corpus_sentences(encoder: OnnxEncoder) -> None:
    texts = _corpus_sentences()
    reference = load_model(2).encode(texts, batch_size=16, normalize_embeddings=True, convert_to_numpy=True)
    vectors = encoder.encode(texts, 16)
    assert vectors.shape == reference.shape == (len(texts), 384)
    assert (vectors * reference).sum(axis=1).min() >= 0.999
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(encoder.encode(texts[::-1], 7)[::-1], vectors, atol=1e-5)  # batching and order change nothing


def test_the_eval_questions_get_the_same_top5_from_either_query_backend(qa_settings: Settings) -> None:
    questions = [q.question for q in load_questions(PROJECT_ROOT / "evals" / "questions.jsonl") if q.question]
    retrievers = {}
    for backend in ("onnx", "sentence-transformers"):
        embedding = qa_settings.embedding.model_copy(update={"query_backend": backend})
        settings = qa_settings.model_copy(update={"embedding": embedding})
        retrievers[backend] = HybridRetriever.open(Store(settings, LocalEmbeddings(embedding)), settings.retrieval)
    same = [
        [p.chunk.chunk_id for p in retrievers["onnx"].retrieve(q, 5)]
        == [p.chunk.chunk_id for p in retrievers["sentence-transformers"].retrieve(q, 5)]
        for q in questions
    ]
    assert len(same) >= 90 and all(same), [q for q, ok in zip(questions, same, strict=True) if not ok]


def test_the_export_is_keyed_by_the_model_files_and_written_whole(tmp_path: Path) -> None:
    model = tmp_path / "gt_model" / "model"
    shutil.copytree(bundled_model_dir(), model)
    first = onnx_file(model, tmp_path / "onnx")
    assert onnx_file(model, tmp_path / "onnx") == first
    (model / "config.json").write_text((model / "config.json").read_text() + "\n")
    assert onnx_file(model, tmp_path / "onnx") != first  # a changed model gets a new export

    made = export(model, first)
    assert made.exists() and [p.name for p in made.parent.iterdir()] == [first.name]  # no temporary left behind


def test_asking_never_imports_torch(qa_settings: Settings, embeddings: LocalEmbeddings) -> None:
    embeddings.embed_query("makes the export if this checkout has none")
    env = cli_env(**qa_env(qa_settings), ICASSIST_HOME=str(PROJECT_ROOT))
    result = subprocess.run(
        [sys.executable, "-c", NO_TORCH_SCRIPT], capture_output=True, text=True, env=env, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out == {"cited": out["cited"], "heavy": []} and out["cited"] >= 1
