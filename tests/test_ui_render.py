"""Report and user text as Streamlit Markdown: escaped to literal text, the answer's layout kept."""

from icassist.records import Answer, AnswerSentence
from icassist.ui.render import answer_markdown, escape_layout, escape_markdown, escape_paragraphs, highlighted


def test_every_markup_character_is_escaped_and_autolinks_defused() -> None:
    escaped = escape_markdown("<b>x</b> [a](http://e.com) *em* $x$ :smile: www.e.com")
    assert "<b>" not in escaped and "](" not in escaped and "*em*" not in escaped
    assert "\\$x\\$" in escaped and "\\:smile\\:" in escaped and "www\u200b\\.e" in escaped
    assert escape_markdown("  two\n\nlines  ") == " two lines "  # one line; edge spaces kept for streaming


def test_layout_keeps_paragraphs_and_bullets_only() -> None:
    assert escape_layout("Lead *x* [1].\n\n- Point [2].") == "Lead \\*x\\* \\[1\\]\\.\n\n- Point \\[2\\]\\."
    assert escape_layout(" token") == " token"


def test_answer_is_a_lead_paragraph_then_a_list_with_flags() -> None:
    answer = Answer(
        question="q",
        text="",
        sentences=[
            AnswerSentence(text="Lead [1].", citations=[1]),
            AnswerSentence(text="Point [2].", citations=[2], bullet=True),
            AnswerSentence(text="In Jönköping beds fell [1].", citations=[1], supported=False, bullet=True,
                           unsupported_names=["Jönköping"]),
        ],
    )  # fmt: skip
    lines = answer_markdown(answer).split("\n")
    assert lines[0] == "Lead \\[1\\]\\." and lines[1] == ""
    assert lines[2] == "- Point \\[2\\]\\."
    assert lines[3].startswith("- In Jönköping") and "names not in its sources\\: Jönköping" in lines[3]


def test_highlight_marks_only_the_quote() -> None:
    text = "First sentence. The quoted one. Last."
    start = text.index("The")
    marked = highlighted(text, [(start, start + len("The quoted one."))])
    assert marked == "First sentence\\. :orange-background[The quoted one\\.] Last\\."


def test_every_supporting_sentence_is_marked() -> None:
    """[1] may support four sentences of an answer; the card marked only the first."""
    text = "One.\n\nTwo is here. Three. Four."
    spans = [(text.index("Four"), len(text)), (0, 4), (text.index("Two"), text.index(" Three")), (1, 3)]
    marked = highlighted(text, spans)  # an overlapping span is skipped, order does not matter
    assert marked == (
        ":orange-background[One\\.]\n\n:orange-background[Two is here\\.] Three\\. :orange-background[Four\\.]"
    )
    assert highlighted(text, []) == "One\\.\n\nTwo is here\\. Three\\. Four\\."


def test_a_table_in_a_passage_is_drawn_as_a_table() -> None:
    """The King's Fund's Table 1 as ingest keeps it (corpus text): a header of three schemes over labelled rows."""
    text = (
        "Tables 1 and 2 summarise the programmes.\n\nPACE (USA) | SIPA (Canada) | PRISMA (Canada)\n"
        "Model type | Real integration | Real integration | Virtual (co-ordinated) integration\n"
        "Size | 36 sites | 1,254 persons | 272 persons\n\nAfter the table."
    )
    assert escape_paragraphs(text).split("\n\n") == [
        "Tables 1 and 2 summarise the programmes\\.",
        "|  | PACE \\(USA\\) | SIPA \\(Canada\\) | PRISMA \\(Canada\\) |\n| --- | --- | --- | --- |\n"
        "| Model type | Real integration | Real integration | Virtual \\(co\\-ordinated\\) integration |\n"
        "| Size | 36 sites | 1\\,254 persons | 272 persons |",
        "After the table\\.",
    ]
    assert escape_paragraphs("A | B on one line only.") == "A \\| B on one line only\\."
