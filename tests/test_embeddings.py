"""The bundled all-MiniLM-L6-v2: loads with the hub switched off and gives unit, deterministic 384-d vectors."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from icassist.embeddings import LocalEmbeddings
from tests.conftest import cli_env

SENTENCE = "Pooled budgets let the NHS and councils share money for integrated care."
OFFLINE_SCRIPT = f"""
import json, os
from icassist.embeddings import LocalEmbeddings
vector = LocalEmbeddings().embed_query({SENTENCE!r})
print(json.dumps({{"offline": os.environ.get("HF_HUB_OFFLINE"), "vector": vector}}))
"""


def test_vectors_are_unit_384d_and_deterministic(embeddings: LocalEmbeddings) -> None:
    texts = [SENTENCE, "Torbay Care Trust brought health and social care teams together.", "x"]
    vectors = embeddings.embed_documents(texts)
    assert len(vectors) == 3 and all(len(v) == 384 for v in vectors)
    assert all(math.isclose(math.fsum(x * x for x in v), 1.0, abs_tol=1e-5) for v in vectors)
    again = embeddings.embed_documents(texts)
    assert all(a == pytest.approx(b, abs=1e-6) for a, b in zip(again, vectors, strict=True))
    assert embeddings.embed_documents([SENTENCE])[0] == pytest.approx(vectors[0], abs=1e-5)  # padding changes nothing
    assert embeddings.embed_documents([]) == []
    assert os.environ["HF_HUB_OFFLINE"] == "1" and os.environ["TRANSFORMERS_OFFLINE"] == "1"


def test_loads_offline_with_no_hub_cache_and_no_network(tmp_path: Path, embeddings: LocalEmbeddings) -> None:
    """A fresh process with an empty HF cache and every proxy pointing nowhere still embeds, identically."""
    dead = "http://127.0.0.1:9"
    env = cli_env(
        HF_HUB_OFFLINE="1",
        HF_HOME=str(tmp_path / "hf"),
        SENTENCE_TRANSFORMERS_HOME=str(tmp_path / "st"),
        HTTP_PROXY=dead,
        HTTPS_PROXY=dead,
        http_proxy=dead,
        https_proxy=dead,
        NO_PROXY="",
    )
    result = subprocess.run(
        [sys.executable, "-c", OFFLINE_SCRIPT], capture_output=True, text=True, env=env, timeout=180, check=False
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["offline"] == "1"
    assert out["vector"] == pytest.approx(embeddings.embed_query(SENTENCE), abs=1e-5)
    assert not (tmp_path / "hf").exists() or not any((tmp_path / "hf").rglob("*.safetensors"))


def test_sentence_vectors_are_kept_between_questions_up_to_the_limit(embeddings: LocalEmbeddings) -> None:
    cached = LocalEmbeddings(embeddings.settings.model_copy(update={"query_cache_texts": 2}))
    texts = [SENTENCE, "Torbay Care Trust brought health and social care teams together.", SENTENCE]
    first = cached.embed_for_query(texts)
    assert first.shape == (3, 384) and np.allclose(first[0], first[2])
    assert np.allclose(first, np.asarray([cached.embed_query(t) for t in texts]), atol=1e-5)
    assert list(cached._cached) == texts[:2]
    cached.embed_for_query(["A third sentence about pooled budgets."])
    assert list(cached._cached) == [texts[1], "A third sentence about pooled budgets."]  # the oldest went first
    assert cached.embed_for_query([]).shape[0] == 0
