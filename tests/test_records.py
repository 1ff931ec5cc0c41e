"""Records: what a chunk embeds, derived from its text rather than stored twice."""

from __future__ import annotations

from icassist.records import Chunk


def _chunk(words: int) -> Chunk:
    text = " ".join(f"w{i}" for i in range(words))
    return Chunk(chunk_id="c", doc_id="r.txt", title="Report", section_path=["A"], char_start=0, char_end=1, text=text)


def test_a_chunk_the_embedder_reads_whole_has_no_tail_windows() -> None:
    assert _chunk(170).tail_windows(180, 120) == []


def test_tail_windows_overlap_carry_the_context_and_reach_the_end() -> None:
    windows = _chunk(350).tail_windows(180, 120)
    assert [w.split("\n\n")[1].split()[0] for w in windows] == ["w120", "w240"]
    assert all(w.startswith("Report\nA\n\n") for w in windows)
    assert windows[-1].endswith("w349")
    assert len(windows[0].split("\n\n")[1].split()) == 180


def test_windows_stop_at_the_first_that_reaches_the_end() -> None:
    assert len(_chunk(290).tail_windows(180, 120)) == 1
