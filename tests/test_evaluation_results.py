"""results.jsonl rows: what metrics are recomputed from, so offsets must survive the file."""

from __future__ import annotations

from pathlib import Path

from icassist.evaluation.questions import Question
from icassist.evaluation.results import ResultRow, write_results
from icassist.records import Answer, AnswerSentence, Chunk, Citation, Passage

QUESTION = Question.model_validate(
    {"id": "q", "question": "How many?", "type": "number", "answer": "31.", "key_facts": ["31"],
     "sources": ["che.txt"], "quotes": ["Pooled budgets were used by thirty-one schemes in all."]}
)  # fmt: skip


def passage(text: str, start: int) -> Passage:
    chunk = Chunk(chunk_id=f"che.txt:{start}", doc_id="che.txt", title="CHE", char_start=start,
                  char_end=start + len(text), text=text, page_start="12")  # fmt: skip
    return Passage(chunk=chunk, score=0.123456789, dense_similarity=0.5)


def test_row_keeps_offsets_ranks_and_pages_through_the_file(tmp_path: Path) -> None:
    cited, other = passage("Thirty-one schemes pooled budgets.", 40), passage("Workforce.", 400)
    answer = Answer(question="How many?", text="Thirty-one [1].", citations=[Citation(n=1, chunk=cited.chunk)],
                    retrieved=[other, cited])  # fmt: skip
    row = ResultRow.of(QUESTION, answer, latency_s=0.123456)
    write_results(tmp_path / "results.jsonl", [row])
    (line,) = (tmp_path / "results.jsonl").read_text(encoding="utf-8").splitlines()
    back = ResultRow.model_validate_json(line)
    assert back == row and back.latency_s == 0.1235
    assert [(r.rank, r.char_start) for r in back.retrieved] == [(1, 400), (2, 40)]
    assert (back.citations[0].page, back.citations[0].char_start, back.citations[0].char_end) == ("12", 40, 74)
    outcome = back.outcome()
    assert outcome.answered and outcome.citations[0].start == 40 and outcome.retrieved[0].text == "Workforce."


def test_a_failed_question_is_a_row_with_its_error() -> None:
    row = ResultRow.of(QUESTION, None, latency_s=2.0, error="TimeoutError: store")
    assert (row.answer, row.citations, row.error) == ("", [], "TimeoutError: store")
    assert not row.outcome().answered


def test_each_answer_sentence_keeps_the_programme_tags_of_what_it_cites(tmp_path: Path) -> None:
    """The misattribution metric is recomputed from the file: sentence → its [n] → that passage's tags."""
    cited = passage("Bed days fell from 750 to 528.", 40).chunk.model_copy(update={"programmes": ["torbay"]})
    answer = Answer(question="How many?", text="Bed days fell from 750 to 528 [1].",
                    sentences=[AnswerSentence(text="Bed days fell from 750 to 528.", citations=[1])],
                    citations=[Citation(n=1, chunk=cited)])  # fmt: skip
    write_results(tmp_path / "results.jsonl", [ResultRow.of(QUESTION, answer, latency_s=0.1)])
    back = ResultRow.model_validate_json((tmp_path / "results.jsonl").read_text(encoding="utf-8"))
    (sentence,) = back.outcome().sentences
    assert sentence.text == "Bed days fell from 750 to 528." and sentence.cited_programmes == (frozenset({"torbay"}),)
