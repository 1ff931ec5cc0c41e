"""Hand-made passages for the pure-logic tests of answering and validation."""

from icassist.records import Chunk, Passage, content_hash


def passage(text: str, *, doc: str = "report.txt", section: str = "Results", similarity: float = 0.6) -> Passage:
    chunk = Chunk(
        chunk_id=f"{doc}:{content_hash(text)[:8]}",
        doc_id=doc,
        title=f"Title of {doc}",
        authors=["A. Author"],
        year=2012,
        section_path=[section],
        page_start="7",
        char_start=0,
        char_end=len(text),
        text=text,
        programmes=["torbay"],
    )
    return Passage(chunk=chunk, score=1.0, dense_similarity=similarity)
