"""Report names in questions, from the real manifest's aliases."""

from __future__ import annotations

import pytest

from icassist.manifest import load_manifest
from icassist.records import SourceMeta
from icassist.report_names import ReportNames
from tests.conftest import CHE, CSU, KINGSFUND, MONITOR, REAL_CORPUS

NAMES = ReportNames.of(load_manifest(REAL_CORPUS, "sources.toml").values())


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("What do the Monitor report and the King's Fund paper say about Torbay?", {MONITOR, KINGSFUND}),
        ("According to the evidence scan, why is evaluation so rare?", {CSU}),
        ("What do Curry and Ham mean by the meso level?", {KINGSFUND}),
        ("In the York typology, what is structural integration?", {CHE}),
        ("What does the kings fund say?", {KINGSFUND}),  # longer aliases match however they are typed
        ("How do they monitor outcomes in york?", set()),  # one-word aliases need their capitals
        ("What happened to hospital bed use in Torbay?", set()),
    ],
)
def test_reports_named_in_real_questions(question: str, named: set[str]) -> None:
    assert NAMES.named(question) == named


def test_a_report_without_aliases_is_never_named() -> None:
    names = ReportNames.of([SourceMeta(doc_id="a.txt", title="Annual report"), SourceMeta(doc_id="b.txt", title="B")])
    assert names.named("What does the annual report say?") == frozenset()
