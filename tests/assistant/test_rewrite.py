"""Follow-ups made standalone by rule (no LLM): what is searched, what is asked now, what it leans on."""

from __future__ import annotations

from assistant.language.followup import is_follow_up, rule_based_rewrite
from assistant.schema import Turn


def _history(*questions: str) -> list[Turn]:
    turns = []
    for q in questions:
        turns += [Turn(role="user", content=q), Turn(role="assistant", content="…[1]")]
    return turns


def test_edition_swap_rewrites_the_year() -> None:
    r = rule_based_rewrite("And in 2026?", _history("When was the 2023 Zhongguancun Forum held?"))
    assert r.standalone == r.focus == "When was the 2026 Zhongguancun Forum held?"
    assert r.context is None


def test_follow_up_keeps_its_own_focus_and_the_earlier_question_as_context() -> None:
    r = rule_based_rewrite("一共举办了多少场活动？", _history("2026中关村论坛年会是什么时候举办的？"))
    assert r.focus == "一共举办了多少场活动？"
    assert r.context == "2026中关村论坛年会是什么时候举办的？"
    assert r.standalone == "2026中关村论坛年会是什么时候举办的？ 一共举办了多少场活动？"


def test_a_follow_up_without_pronoun_or_year_leans_on_the_conversation() -> None:
    history = _history("What was the annual theme of the 2023 Zhongguancun Forum?")
    assert is_follow_up("How many days did the forum last?", history)
    assert is_follow_up("他获得的是哪一年的什么奖？", _history("哪位诺贝尔奖得主发表了主旨演讲？"))


def test_a_question_naming_its_own_edition_stands_alone() -> None:
    history = _history("2023中关村论坛的主会场在哪里？")
    r = rule_based_rewrite("What was the theme of the 2026 Zhongguancun Forum annual meeting?", history)
    assert r.context is None and r.focus == r.standalone


def test_a_chain_of_follow_ups_keeps_the_first_subject() -> None:
    history = _history("When was the 2023 Zhongguancun Forum held?", "And in 2026?")
    r = rule_based_rewrite("How many parallel forums did it have?", history)
    assert r.context == "When was the 2026 Zhongguancun Forum held?"


def test_no_history_means_no_rewrite() -> None:
    r = rule_based_rewrite("它位于哪个公园？", [])
    assert r.standalone == r.focus == "它位于哪个公园？" and r.context is None
