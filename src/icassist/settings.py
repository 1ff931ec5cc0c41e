"""One settings object for the whole tool; every field can be set as ICASSIST_<GROUP>__<FIELD>."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class CorpusSettings(BaseModel):
    dir: Path = Field(
        Path("corpus"), description="Folder of reports (PDF, .txt, .md) and their manifest; relative to home."
    )
    manifest: str = Field("sources.toml", description="Manifest file name inside the corpus folder.")
    gazetteer: str = Field("programmes.toml", description="Case-study gazetteer file name inside the corpus folder.")
    headings: str = Field(
        "headings.toml", description="Hand-listed top-level headings per report, which the evaluation checks against."
    )
    max_file_mb: float = Field(20.0, description="Larger files are refused: the biggest report here is under 2 MB.")

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1_000_000)


class ChunkSettings(BaseModel):
    min_words: int = Field(180, description="Chunks shorter than this are merged with a neighbour in the same section.")
    target_words: int = Field(300, description="Preferred chunk length; boundaries fall on sentence ends.")
    max_words: int = Field(350, description="Hard ceiling on chunk length.")


class EmbeddingSettings(BaseModel):
    model_name: str = Field("all-MiniLM-L6-v2", description="Recorded in the store; a different model is refused.")
    batch_size: int = Field(32, description="Chunks embedded per forward pass.")
    window_words: int = Field(
        180,
        description="MiniLM reads only the first 256 word-pieces (about 200 words) of what it embeds, so a longer "
        "chunk also gets vectors for later windows of this many words; retrieval counts them at half weight. "
        "After changing this or the stride, run `icassist ingest --rebuild`.",
    )
    window_stride: int = Field(120, description="Words between the starts of a chunk's windows (they overlap).")
    query_backend: Literal["onnx", "sentence-transformers"] = Field(
        "onnx",
        description="Embeds questions and answer sentences. onnx: the bundled model exported once to ONNX (torch only "
        "for that step) and run with onnxruntime, so asking never imports torch (measured: 1.5 s to load instead of "
        "6 s, 4 ms a question instead of 17); vectors match the reference to cosine 0.9999.",
    )
    ingest_backend: Literal["onnx", "sentence-transformers"] = Field(
        "sentence-transformers",
        description="Embeds chunks at ingest; sentence-transformers measured 1.3x faster than onnx on batches here.",
    )
    threads: int = Field(2, description="Intra-op threads of the embedding engine; measured in the ingest benchmark.")
    query_cache_texts: int = Field(
        20000, description="Sentence vectors kept between questions (1.5 KB each; the five reports have ~9,000)."
    )
    onnx_dir: Path = Field(Path("data/models"), description="Where the ONNX export is kept; relative to home.")
    omp_wait_policy: Literal["PASSIVE", "ACTIVE"] = Field(
        "PASSIVE", description="OpenMP wait policy; PASSIVE avoids 10x slow-downs on a busy machine."
    )


class StoreSettings(BaseModel):
    path: Path = Field(Path("data/chroma"), description="Persistent Chroma folder (local mode); relative to home.")
    chroma_url: str | None = Field(None, description="Chroma server URL (team mode), e.g. http://127.0.0.1:8000.")
    collection_prefix: str = Field("icassist", description="Prefix of the Chroma collections this tool owns.")
    startup_cache: bool = Field(
        True,
        description="Keep what the retriever builds at start beside the store (`<path>-startup/`), keyed by store "
        "version, so the next start reads it instead of re-reading and re-indexing every chunk.",
    )
    lock_timeout_s: float = Field(0.0, description="Seconds a second ingest waits for a running one before giving up.")
    lease_ttl_s: float = Field(
        300.0, description="An ingest renews its lease on the store every quarter of this; a silent one is taken over."
    )


class RetrievalSettings(BaseModel):
    k: int = Field(5, description="Passages handed to the answerer.")
    candidates: int = Field(40, description="Candidates taken from each of the dense and keyword retrievers.")
    rrf_k: int = Field(60, description="Reciprocal-rank-fusion constant.")
    part_weight: float = Field(
        1.0, description="Weight of each sub-question's ranking fused with the whole question's (evals/quality-log.md)."
    )
    dense_weight: float = Field(0.3, description="Weight of the dense ranking in fusion.")
    keyword_weight: float = Field(0.7, description="Weight of the BM25 ranking in fusion.")
    bm25_method: Literal["robertson", "lucene", "atire"] = Field(
        "lucene", description="BM25 variant (bm25s): lucene's idf stays positive for words most chunks share."
    )
    max_per_section: int = Field(2, description="Diversification: at most this many passages from one section.")
    named_report_bonus: float = Field(
        0.003,
        description="Added to the fused score of passages from a report the question names (manifest aliases): "
        "about a fifth of a first-ranked passage's score, enough to lift it over near neighbours, not over a "
        "clearly better passage from another report.",
    )
    history_turns: int = Field(2, description="Earlier user turns folded into a follow-up's retrieval query.")


class AnswerSettings(BaseModel):
    answerer: Literal["extractive", "generative"] = Field("extractive", description="Default answerer.")
    max_sentences: int = Field(
        8,
        description="Most sentences in an extractive answer: a case study needs its change, numbers and caveat "
        "(8 measured better than 7 within the same word limit; 9 barely more, evals/quality-log.md).",
    )
    max_words: int = Field(220, description="Word limit of an extractive answer: a paragraph and a few bullets.")
    max_caveats: int = Field(2, description="Qualifying sentences added beside what they qualify, beyond the limit.")
    caveat_words: int = Field(
        20, description="Words past `max_words` that caveats may take: a full answer still keeps its qualification."
    )
    refusal_threshold: float = Field(
        0.25,
        description="Best dense cosine similarity below which the reports are taken not to answer; calibrated on "
        "evals/questions.jsonl (answerable questions' best passage scored 0.25 or more).",
    )
    closest_passages: int = Field(3, description="Passages shown as the closest evidence beside a refusal.")
    semantic_candidates: int = Field(
        40,
        description="Best keyword-matching sentences re-scored with the embedding model: more is slower (40 let "
        "in answers with few of the question's words, synthesis key facts 0.23 -> 0.27; 80 found no more).",
    )
    max_question_chars: int = Field(2000, description="Longer questions are truncated with a notice.")
    max_history_bytes: int = Field(1_000_000, description="Larger conversation-history files are refused.")
    openai_base_url: str | None = Field(None, description="OpenAI-compatible server (Ollama, vLLM, llama.cpp).")
    openai_model: str | None = Field(None, description="Model name on that server.")
    openai_api_key: SecretStr | None = Field(None, description="Key for that server; never logged.")
    gguf_path: Path | None = Field(None, description="Local GGUF chat model run in-process with xllamacpp.")
    gguf_threads: int = Field(2, description="CPU threads for the local GGUF model.")
    gguf_context: int = Field(4096, description="Context window for the local GGUF model.")
    max_tokens: int = Field(400, description="Generation limit for generative answers.")
    temperature: float = Field(0.0, description="Sampling temperature for generative answers.")


class AppSettings(BaseModel):
    feedback_path: Path = Field(
        Path("data/feedback.sqlite"), description="Where answer feedback is kept; relative to home."
    )
    uploads: bool = Field(
        True, description="Whether the app's 'Add a report' page may add reports (team deployments may turn it off)."
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ICASSIST_", env_nested_delimiter="__", extra="ignore")

    home: Path = Field(
        default_factory=Path.cwd,
        description="Project folder the relative paths below are taken from (corpus, store, evals, models); "
        "the current folder unless set, so an installed copy works from wherever it is run.",
    )

    corpus: CorpusSettings = CorpusSettings()
    chunking: ChunkSettings = ChunkSettings()
    embedding: EmbeddingSettings = EmbeddingSettings()
    store: StoreSettings = StoreSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    answer: AnswerSettings = AnswerSettings()
    app: AppSettings = AppSettings()

    @model_validator(mode="after")
    def _anchor_paths(self) -> Settings:
        """Relative paths mean "inside home", fixed once here so no module joins them again."""
        self.home = self.home.resolve()
        self.corpus = self.corpus.model_copy(update={"dir": self.home / self.corpus.dir})
        self.store = self.store.model_copy(update={"path": self.home / self.store.path})
        self.embedding = self.embedding.model_copy(update={"onnx_dir": self.home / self.embedding.onnx_dir})
        self.app = self.app.model_copy(update={"feedback_path": self.home / self.app.feedback_path})
        return self

    def with_paths(self, corpus: str | Path | None = None, store: str | Path | None = None) -> Settings:
        """A copy on another corpus folder or store, for command-line options (relative to the current folder)."""
        copy = self.model_copy(deep=True)
        if corpus:
            copy.corpus.dir = Path(corpus).resolve()
        if store:
            copy.store.path = Path(store).resolve()
        return copy

    @property
    def evals_dir(self) -> Path:
        return self.home / "evals"

    @property
    def models_dir(self) -> Path:
        return self.home / "data" / "models"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
