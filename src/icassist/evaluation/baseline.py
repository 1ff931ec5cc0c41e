"""The pipeline a user would build from the LangChain RAG tutorial, kept as the yardstick for our retrieval.

Raw corpus files → RecursiveCharacterTextSplitter(1000, 200) → the same local embedding model → Chroma
similarity top-k on the question alone. Its passages go to the system's own answerer, so a comparison
isolates chunking and retrieval. The Chroma store is cached under a key of the corpus bytes, the splitter
and the model, so repeated evaluation runs do not re-embed the corpus.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import chromadb
from chromadb.config import Settings as ChromaSettings
from filelock import FileLock
from langchain_chroma import Chroma
from langchain_core.documents import Document
from langchain_text_splitters import RecursiveCharacterTextSplitter

from icassist.embeddings import LocalEmbeddings
from icassist.manifest import corpus_files, infer_meta, load_manifest
from icassist.records import Chunk, Passage, SourceMeta
from icassist.settings import Settings

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
TEXT_SUFFIXES = (".txt", ".md")
COLLECTION_PREFIX = "baseline-"


def corpus_key(files: list[Path], model_name: str) -> str:
    """Changes whenever a file's name or bytes, the splitter or the embedding model change."""
    digest = hashlib.sha256(f"{CHUNK_SIZE}/{CHUNK_OVERLAP}/{model_name}".encode())
    for path in files:
        digest.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:24]


def split_corpus(files: list[Path]) -> list[Document]:
    """The tutorial's splitter with start indices, so baseline chunks carry character offsets."""
    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, add_start_index=True)
    documents = [Document(page_content=p.read_text(encoding="utf-8"), metadata={"source": p.name}) for p in files]
    return splitter.split_documents(documents)


def chunk_id(document: Document) -> str:
    return f"{document.metadata['source']}:{document.metadata['start_index']}"


class Baseline:
    """Tutorial-style retrieval returning the same Passage records as the system's retriever."""

    def __init__(self, settings: Settings, embeddings: LocalEmbeddings | None = None, path: Path | None = None):
        corpus_dir = settings.corpus.dir
        files = [p for p in corpus_files(corpus_dir)[0] if p.suffix.lower() in TEXT_SUFFIXES]
        if not files:
            raise ValueError(
                f"No .txt or .md reports in {corpus_dir} for the baseline (the tutorial reads text files)."
            )
        manifest = load_manifest(corpus_dir, settings.corpus.manifest)
        self.meta: dict[str, SourceMeta] = {p.name: manifest.get(p.name) or infer_meta(p) for p in files}
        self.embeddings = embeddings or LocalEmbeddings(settings.embedding)
        self.key = corpus_key(files, self.embeddings.model_name)
        path = path or settings.home / "data" / "baseline-chroma"
        path.mkdir(parents=True, exist_ok=True)
        self.client = chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))
        self.documents = split_corpus(files)
        with FileLock(str(path / "build.lock")):
            self.vectors = self._open()

    @property
    def collection_name(self) -> str:
        return COLLECTION_PREFIX + self.key

    def _open(self) -> Chroma:
        """Reuse a complete cached collection; otherwise embed the split corpus and drop stale collections."""
        ids = [chunk_id(d) for d in self.documents]
        vectors = Chroma(
            collection_name=self.collection_name,
            embedding_function=self.embeddings,
            client=self.client,
            collection_configuration={"hnsw": {"space": "cosine"}},
        )
        if set(vectors.get(include=[])["ids"]) != set(ids):
            vectors.reset_collection()
            vectors.add_documents(self.documents, ids=ids)
        for collection in self.client.list_collections():
            name = collection if isinstance(collection, str) else collection.name
            if name.startswith(COLLECTION_PREFIX) and name != self.collection_name:
                self.client.delete_collection(name)
        return vectors

    def retrieve(self, question: str, k: int) -> list[Passage]:
        """Top-k by cosine similarity; the relevance score is that similarity, so the refusal gate reads it as usual."""
        hits = self.vectors.similarity_search_with_relevance_scores(question, k=k)
        return [
            Passage(chunk=self._chunk(document), score=score, dense_similarity=score, dense_rank=rank)
            for rank, (document, score) in enumerate(hits, start=1)
        ]

    def chunks(self) -> list[Chunk]:
        return [self._chunk(d) for d in self.documents]

    def _chunk(self, document: Document) -> Chunk:
        source = document.metadata["source"]
        start = int(document.metadata["start_index"])
        meta = self.meta[source]
        return Chunk(
            chunk_id=chunk_id(document),
            doc_id=source,
            title=meta.title,
            authors=meta.authors,
            year=meta.year,
            section_path=[],
            char_start=start,
            char_end=start + len(document.page_content),
            text=document.page_content,
        )
