"""A model caught in a loop: what `loops` recognises as one phrase said over and over, and what it leaves."""

from __future__ import annotations

import pytest

from assistant.language.loops import loops

# A small model caught in a loop writes one phrase until its token limit (drafts seen in eval records).
LOOPING = "주로 주차를 하기 전에 " + "주차선을 넘어가서 주차를 하면 주차선을 주차하고, " * 8


@pytest.mark.parametrize(
    "text",
    [
        LOOPING,
        "現在、中国は160国と地区間で科技関係を築き、" + "世界中の技術関係を築き、" * 5,
        "Die Form der Bestrafung wurde durch Schläge, Schläge, Schläge, Schläge und Schläge verbreitet.",
        "11.0000000000000000000",
    ],
)
def test_a_loop_is_recognised(text: str) -> None:
    assert loops(text)


@pytest.mark.parametrize(
    "text",
    [
        "3月25日至29日，2026中关村论坛年会在北京举办。",
        "Der Umsatz stieg von 1.000.000 auf 2.000.000 Yuan.",
        "It grew from 100,000,000 to 200,000,000 yuan [1] [2] [3].",
        "The forum, the forum, the forum.",  # twice the same, then another: emphasis, not a loop
        "ha ha ha ha",
    ],
)
def test_repetition_short_of_a_loop_is_left_alone(text: str) -> None:
    assert not loops(text)
