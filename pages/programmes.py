"""Programme browser: every case-study programme, its country, and where the reports discuss it.

Choosing one queues a question about it and opens the chat page, which answers it straight away.
"""

from __future__ import annotations

import streamlit as st

from icassist.gazetteer import Programme
from icassist.ui import resources
from icassist.ui.components import load_reports, navigation
from icassist.ui.render import escape_markdown
from icassist.ui.resources import ReportMentions
from icassist.ui.state import ask_later

ALL_COUNTRIES = "All countries"


def question_about(programme: Programme) -> str:
    return f"What do the reports say about {programme.name}?"


def matches(programme: Programme, country: str, search: str) -> bool:
    if country != ALL_COUNTRIES and programme.country != country:
        return False
    text = " ".join([programme.name, programme.kind, programme.country, *programme.aliases]).casefold()
    return search.casefold().strip() in text


def where_discussed(reports: list[ReportMentions]) -> str:
    """One line per report, then its sections with pages, all escaped: titles and headings are report text."""
    lines = []
    for report in reports:
        lines.append(f"**{escape_markdown(report.title)}** \\({report.year or 'n.d.'}\\)")
        for section, pages in sorted(report.sections.items()):
            where = f" — p\\. {escape_markdown(', '.join(sorted(pages)))}" if pages else ""
            lines.append(f"- {escape_markdown(section)}{where}")
        lines.append("")
    return "\n".join(lines)


def countries_chart(programmes: list[Programme], mentions: dict[str, list[ReportMentions]]) -> None:
    """Programmes per country, split by whether the stored reports discuss them: where the evidence comes from."""
    countries = sorted({p.country for p in programmes})
    discussed = [sum(1 for p in programmes if p.country == c and mentions.get(p.id)) for c in countries]
    listed = [sum(1 for p in programmes if p.country == c) - d for c, d in zip(countries, discussed, strict=True)]
    data = {"country": countries, "discussed in the reports": discussed, "not in them": listed}
    st.bar_chart(
        data,
        x="country",
        y=["discussed in the reports", "not in them"],
        x_label="programmes",
        y_label="",
        horizontal=True,
        color=["#1f77b4", "#c7c7c7"],
        height=max(220, 26 * len(countries)),
    )


def programme_card(programme: Programme, reports: list[ReportMentions]) -> None:
    passages = sum(r.passages for r in reports)
    found = (
        f"{passages} passage{'s' if passages != 1 else ''} in {len(reports)} report{'s' if len(reports) != 1 else ''}"
    )
    label = f"{programme.name} — {programme.country} · {found if reports else 'not in the stored reports'}"
    with st.expander(escape_markdown(label)):
        st.markdown(f"*{escape_markdown(programme.kind)}*. {escape_markdown(programme.summary)}")
        if reports:
            st.markdown(where_discussed(reports))
        if st.button(f"Ask about {programme.name}", key=f"ask-{programme.id}", disabled=not reports):
            ask_later(question_about(programme))
            st.switch_page("app.py")


def main() -> None:
    st.set_page_config(page_title="icassist · Programmes", page_icon="🔎", layout="wide")
    navigation()
    st.title("Programmes and case studies")
    st.caption(
        "The programmes, schemes and pilots the reports use as examples, with the sections that discuss them. "
        "Open one and choose *Ask about…* to put a question about it to the reports."
    )
    assistant, status = load_reports()
    index = resources.corpus_index(assistant, status.collection)
    programmes = sorted(resources.programmes(), key=lambda p: (p.country, p.name))
    countries_chart(programmes, index.mentions)
    country_col, search_col = st.columns(2)
    country = country_col.selectbox("Country", [ALL_COUNTRIES, *sorted({p.country for p in programmes})])
    search = search_col.text_input("Search", placeholder="Name, alias or kind, e.g. Torbay or PACE")
    shown = [p for p in programmes if matches(p, country, search)]
    st.caption(f"{len(shown)} of {len(programmes)} programmes")
    for programme in shown:
        programme_card(programme, index.mentions.get(programme.id, []))


main()
