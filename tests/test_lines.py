"""The line records and line-level steps: what later stages rely on knowing about each line."""

from __future__ import annotations

from icassist.ingest.lines import drop_debris, split_lines, strip_markup, title_key


def test_split_lines_remembers_gaps_and_indents_and_drops_invisible_characters() -> None:
    lines = split_lines("First\r\n\n\n   Indented co\u00adoperation\n\ue000 item\f")
    assert [(ln.text, ln.gap, ln.blank_before, ln.indented) for ln in lines] == [
        ("First", 2, True, False),
        ("Indented cooperation", 2, True, True),
        ("• item", 0, False, False),
    ]


def test_strip_markup_reads_markdown_levels_and_removes_inline_markup() -> None:
    lines = strip_markup(split_lines("## Pooled **budgets**\n---\nText with <b>bold</b> and *stress*.\n"), True)
    assert [(ln.text, ln.md_level, ln.blank_before) for ln in lines] == [
        ("Pooled budgets", 2, True),
        ("Text with bold and stress.", 0, True),
    ]


def test_markdown_signs_are_text_when_the_file_is_not_markdown() -> None:
    assert [ln.text for ln in strip_markup(split_lines("# 1 not a heading\n"), False)] == ["# 1 not a heading"]


def test_drop_debris_removes_runs_of_exploded_figure_labels_only() -> None:
    lines = drop_debris(split_lines("Figure text\nti\ne\nn\nt\nAfter the figure.\nOK\nno\n"))
    assert [ln.text for ln in lines] == ["Figure text", "After the figure.", "OK", "no"]
    assert lines[1].blank_before


def test_title_key_ignores_numbering_leaders_and_punctuation() -> None:
    assert title_key("2.1 Pooled budgets ..........") == title_key("Pooled Budgets") == "pooled budgets"
