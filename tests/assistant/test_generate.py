"""An answer must say something the question did not (the check that sends empty generations to quotes),
and a draft that loops on one word ends before the loop."""

from __future__ import annotations

import pytest

from assistant.generate import Draft, _user_turn, draft_answer, restates_question
from assistant.language.loops import loops
from assistant.llm.protocol import Budget
from assistant.schema import Evidence
from tests.support import ScriptedLLM

DATES = ["On which dates was the 2023 Zhongguancun Forum held?", "2023年 中关村论坛在哪一天举行？"]


@pytest.mark.parametrize(
    ("answer", "questions"),
    [
        ("The 2023 Zhongguancun Forum was held on [1].", DATES),
        ("2023中关村论坛首次纳入中关村论坛 [1].", ["2023年哪个大会首次纳入中关村论坛？"]),
        ("2026 [1]", ["Quel était le thème de 2026 ?"]),
        ("港の見本市で初めて導入された仕組みは[1]。", ["港の見本市で初めて導入された仕組みは何ですか？"]),
        (
            "La réunion annuelle 2026 s'est tenue [1].",
            ["À quelles dates s'est tenue la réunion annuelle 2026 ?"],
        ),
        # Korean states what it asked by changing the endings (있습니까 → 있습니다); session 30's fresh question.
        (
            "360도로 회전하는 바퀴를 가진 콘셉트카는 주행할 수 있습니다[1].",
            ["360도로 회전하는 바퀴를 가진 콘셉트카는 어떻게 주행할 수 있습니까?"],
        ),
    ],
)
def test_an_answer_that_only_repeats_the_question_is_caught(answer: str, questions: list[str]) -> None:
    assert restates_question(answer, questions)


@pytest.mark.parametrize(
    ("answer", "questions"),
    [
        ("It was held from May 25 to 30 [1].", DATES),
        ("55 [1].", ["How many parallel forums were held in 2023?"]),
        ("2023年举办了55场平行论坛[1]。", ["2023年举办了多少场平行论坛？"]),
        ("中国科幻大会首次纳入中关村论坛[1]。", ["2023年哪个大会首次纳入中关村论坛？"]),
        (
            "이 콘셉트카는 게처럼 옆으로 주행할 수 있습니다[1].",
            ["360도로 회전하는 바퀴를 가진 콘셉트카는 어떻게 주행할 수 있습니까?"],
        ),
        # A Japanese answer names the thing in kanji forms jieba's dictionary does not hold (評価, 協同).
        (
            "港の見本市で初めて導入された仕組みは、多辺評価協同機制です[1]。",
            ["港の見本市で初めて導入された仕組みは何ですか？", "港口博览会首次引入了什么机制？"],
        ),
    ],
)
def test_a_figure_or_a_new_name_is_an_answer(answer: str, questions: list[str]) -> None:
    assert not restates_question(answer, questions)


@pytest.mark.parametrize(
    ("language", "last_line"),
    [("en", "Answer in English."), ("fr", "Answer in French. Réponds en français.")],
)
def test_the_prompt_names_the_answer_language_once_in_english_and_once_in_it(
    language: str, last_line: str
) -> None:
    turn = _user_turn("[1] (2024) 市图书馆共有7层阅览室。", "How many floors?", language)
    assert turn.splitlines()[-1] == last_line


def _draft(llm: ScriptedLLM, language: str = "en") -> Draft:
    quote = "港口博览会设有36个展台。"
    evidence = [
        Evidence(doc_id="d", source="d.txt", title="", date=None, quote=quote, start=0, end=12, score=1.0)
    ]
    steps = draft_answer(llm, "How many stands?", evidence, language, mode="generate", budget=Budget(60.0))
    try:
        while True:
            next(steps)
    except StopIteration as done:
        return done.value


def test_a_draft_that_loops_on_a_word_ends_before_the_loop() -> None:
    looping = ScriptedLLM(
        reply="The fair's stands share share share share share share share share share share"
    )
    assert _draft(looping).text == "The fair's stands share"


def test_a_draft_that_says_one_phrase_over_and_over_stops_soon_after_the_third_time() -> None:
    # Kept past the loop's third time, so that verification sees the loop and removes its sentence (as it
    # does for a whole looping draft), and stopped there: the rest of the script is never asked for.
    phrase = "the stands by the pier, "
    looping = ScriptedLLM(reply="The fair had 36 stands [1]. Then " + phrase * 40)
    text = _draft(looping).text
    assert text.startswith("The fair had 36 stands [1]. Then ")
    assert 3 <= text.count(phrase) <= 4 and loops(text)


@pytest.mark.parametrize(
    "reply", ["The fair had 36 stands [1].", "It cost 1,000,000,000 yuan [1].", "Das ist sehr sehr gut [1]."]
)
def test_a_draft_without_a_loop_is_kept_whole(reply: str) -> None:
    assert _draft(ScriptedLLM(reply=reply)).text == reply
