"""The fragment detector on real lines of the five reports: table debris is caught, report prose is not."""

import pytest

from icassist.answering.fragments import fragment_reason, strip_footnote_marks

FRAGMENTS = {
    # CHE annex table: a scheme, its references, a check-mark column, then a cell
    "Knowsley PCT x Clinical care is main focus (includes social care assessment).": "table check-mark column",
    "General description | Demonstration project run by three local authorities |": "table row",
    # HRB: footnote numbers glued to the last word
    "and ‘vertical’ integration focus on the ‘levels’ of services that are integrated:11, 13, 14": "footnote numbers",
    "Integration is described at the levels of services that are integrated:11, 13, 14.": "footnote numbers",
    "Urgent care (1) : patients were seen by the community team within two hours of referral.": "list or heading",
    "Table 3 Emergency admissions per 1,000 population in the pilot sites.": "caption",
    "Further details of the programme are at https://www.kingsfund.org.uk/publications/torbay today.": "URL",
    "3. Pooled budgets were used by most of the partnerships in the sample.": "list or heading",
    "2010 2011 2012 4,177 4,800 13% 12% 1,200 pilot sites": "table of figures",
    # King's Fund: the report pointing at its own tables, not evidence
    "Tables 1, below, and 2, opposite, summarise the key features and impacts of the programmes included.": (
        "signposting"
    ),
    "This section examines a small number of examples of programmes that seek to better integrate care.": (
        "signposting"
    ),
    # HRB: a paragraph break inside "(Delayed Discharges etc.)" cut the sentence inside the bracket
    "Discharges etc.) Act 2003 introduced an incentive system whereby councils were charged around £100/day.": (
        "fragment"
    ),
    # CHE annex and HRB: a line break ended the sentence inside a bracket it opened
    "Three trials did not receive pooled social care (HACC) funds (SA Healthplus; SHCN;": "fragment",
    "Individuals with complex care needs: multiple medical conditions, dependent on others (e.g.": "fragment",
    # Monitor: a section heading glued to the section's signposting sentence
    "Barriers to integrated care – stakeholder discussions and case studies This section presents a summary of "
    "stakeholder discussions.": "signposting",
}
PROSE = [
    "Overall we found that the POPP interventions we studied did not appear to have reduced use of acute hospitals.",
    "Although use of acute hospitals is low, there are no data available for cost-effectiveness.",
    "Torbay had the lowest use of hospital bed days in the region, 1,920 per 1,000 population in 2007/08.",
    "In 2005, Torbay Care Trust set up five integrated health and social care teams organised in zones.",
    "They use the term ‘person-centred’ to recognise that a) care should meet the needs of people and b) more.",
    "Care (including social care assessment) was the main focus (see Table 3) of the scheme.",
    "As Table 2 sets out, inpatient costs fell by 27% for enrolled patients, more than offsetting other costs.",
    # CHE: a ratio in brackets is not a list enumerator ('38)'), so its bracket is closed
    "Most of the schemes (31/38) in our review used pooled funds.",
]


@pytest.mark.parametrize(("line", "reason"), FRAGMENTS.items())
def test_table_debris_and_glued_text_are_fragments(line: str, reason: str) -> None:
    found = fragment_reason(line)
    assert found is not None, line
    assert found.split()[0] == reason.split()[0], (line, found)


@pytest.mark.parametrize("line", PROSE)
def test_report_prose_is_not_a_fragment(line: str) -> None:
    assert fragment_reason(line) is None


def test_footnote_numbers_are_stripped_but_figures_kept() -> None:
    assert strip_footnote_marks("services that are integrated:11, 13, 14.") == "services that are integrated:."
    assert (
        strip_footnote_marks("JOINT FINANCING ARRANGEMENTS IN THE UK48, 50") == "JOINT FINANCING ARRANGEMENTS IN THE UK"
    )
    kept = "In 2007/08 Torbay used 1,920 bed days per 1,000 (13%), £250,000 less, at 10:30, COVID-19 aside."
    assert strip_footnote_marks(kept) == kept
