"""Follow-up questions are searched together with the subject of earlier turns."""

from icassist.conversation import heuristic_query, names_in_last_answer, recent_user_turns
from icassist.records import Turn

HISTORY = [
    Turn(role="user", content="What is PACE?"),
    Turn(role="assistant", content="PACE is a US programme for frail older people [1]."),
    Turn(role="user", content="Where did it start?"),
    Turn(role="assistant", content="It began at On Lok in San Francisco [1]."),
]


def test_follow_up_carries_the_earlier_user_turns() -> None:
    query = heuristic_query("And what did it cost?", HISTORY, 2)
    assert query.startswith("What is PACE? Where did it start? ")
    assert query.endswith(" And what did it cost?")
    assert "San Francisco" in query  # named in the last answer
    assert heuristic_query("And what did it cost?", HISTORY, 1).startswith("Where did it start? ")


def test_question_without_history_is_searched_as_asked() -> None:
    assert heuristic_query("What is PACE?", [], 2) == "What is PACE?"


def test_only_user_turns_are_used() -> None:
    assert recent_user_turns(HISTORY, 5) == ["What is PACE?", "Where did it start?"]


def test_names_in_the_last_answer_join_the_query() -> None:
    history = [
        Turn(role="user", content="Is there an English example of a pooled equipment budget?"),
        Turn(role="assistant", content="Yes. Herefordshire Council and the PCT pooled their funds in 2004 [1]."),
    ]
    assert names_in_last_answer(history) == ["Herefordshire", "Council", "PCT"]
    assert "Herefordshire" in heuristic_query("How did the two partners split the risk?", history, 2)
