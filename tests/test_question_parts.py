"""Question analysis on real question shapes: sub-questions, listed items, compared sides, the setting left out."""

from __future__ import annotations

import pytest

from icassist.question_parts import analyse


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        (
            "After the US Veterans Health Administration reorganised into regional networks, what happened to its "
            "hospital bed use, membership and budget?",
            ("what happened to its hospital bed use", "membership", "budget"),
        ),
        (
            "What did it cost to set up the Scottish Cardiac Network, and did it save money?",
            ("What did it cost to set up the Scottish Cardiac Network", "did it save money"),
        ),
        (
            "In North Carolina's Medicaid medical-home networks (CCNC), what monthly payment per patient did "
            "participating doctors get, and did it depend on the patient's age?",
            ("what monthly payment per patient did participating doctors get", "did it depend on the patient's age"),
        ),
        (
            "How does the way PRISMA in Quebec is funded differ from the US PACE model?",
            ("How does the way PRISMA in Quebec is funded", "the US PACE model"),
        ),
        (
            "Was creating the care trust the key to Torbay's results? What do Curry and Ham say made the difference?",
            (
                "Was creating the care trust the key to Torbay's results",
                "What do Curry and Ham say made the difference",
            ),
        ),
    ],
)
def test_parts_of_real_questions(question: str, parts: tuple[str, ...]) -> None:
    assert analyse(question).parts == parts


@pytest.mark.parametrize(
    "question",
    [
        "What happened to hospital bed use in Torbay?",
        "Which country supplied the randomised trial evidence on joint health and social care funding?",
        "What do Curry and Ham mean by integration at the meso level?",
        "Overall, what does the Strategy Unit scan conclude about whether integrated care saves money?",
    ],
)
def test_a_single_ask_has_no_parts(question: str) -> None:
    """'health and social care', 'Curry and Ham' and a leading 'Overall,' do not split a question."""
    assert analyse(question).parts == ()


@pytest.mark.parametrize(
    ("question", "quantity"),
    [
        ("How much did Torbay's arrangement save in its first year?", True),
        ("What monthly payment per patient did participating doctors get?", True),
        ("What proportion of patients needed case management?", True),
        ("How was Sweden's Norrtalje model governed?", False),
    ],
)
def test_questions_asking_for_a_figure(question: str, quantity: bool) -> None:
    assert analyse(question).asks_quantity is quantity


def test_framing_words_are_those_only_in_the_setting_clause() -> None:
    """'Taking the stakeholder discussions and case studies together' frames the ask; 'barriers' is the ask."""
    asked = analyse(
        "Taking the stakeholder discussions and case studies together, which barriers does the Monitor report see "
        "as the most important?"
    )
    assert {"stakeholder", "discussion", "case", "study"} <= asked.framing
    assert "barrier" not in asked.framing
    assert analyse("What happened to hospital bed use in Torbay?").framing == frozenset()
