"""Follow-up questions are searched together with the subject of earlier turns."""

from icassist.conversation import heuristic_query, recent_user_turns
from icassist.records import Turn

HISTORY = [
    Turn(role="user", content="What is PACE?"),
    Turn(role="assistant", content="PACE is a US programme for frail older people [1]."),
    Turn(role="user", content="Where did it start?"),
    Turn(role="assistant", content="It began at On Lok in San Francisco [1]."),
]


def test_follow_up_carries_the_earlier_user_turns() -> None:
    assert (
        heuristic_query("And what did it cost?", HISTORY, 2)
        == "What is PACE? Where did it start? And what did it cost?"
    )
    assert heuristic_query("And what did it cost?", HISTORY, 1) == "Where did it start? And what did it cost?"


def test_question_without_history_is_searched_as_asked() -> None:
    assert heuristic_query("What is PACE?", [], 2) == "What is PACE?"


def test_only_user_turns_are_used() -> None:
    assert recent_user_turns(HISTORY, 5) == ["What is PACE?", "Where did it start?"]
