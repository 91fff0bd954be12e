"""The figure-anchoring check: a figure answers the question only when its words in the cited source are
about the asked thing. Sentences are invented (a harbour town, a fair), not taken from the eval; the engine case uses the corpus."""

from __future__ import annotations

import pytest

from assistant.checks.anchoring import miscounted_figure, unanchored_figure
from assistant.checks.verify import split_answer
from assistant.engine import ForumEngine
from assistant.schema import Evidence, Question, Turn
from kernel.settings import Settings
from tests.support import ScriptedLLM
from vectorstore.index import ForumIndex


def _evidence(quote: str) -> Evidence:
    return Evidence(
        doc_id="d", source="d.txt", title="", date=None, quote=quote, start=0, end=len(quote), score=1.0
    )


def _unanchored(answer: str, quote: str, terms: list[str]) -> str | None:
    (sentence,) = split_answer(answer)
    return unanchored_figure(sentence, [_evidence(quote)], terms)


@pytest.mark.parametrize(
    ("answer", "quote", "terms"),
    [
        # The figure's own clause names the asked thing.
        ("The fair had 36 stands [1].", "港口博览会设有36个展台，吸引了来自12个城市的商户。", ["展台"]),
        # A lead clause without a figure of its own frames the next one: the census is what 8,450 is about.
        (
            "The town had 8,450 inhabitants in 1887 [1].",
            "根据1887年的人口普查，8,450名居民中有一半是渔民。",
            ["人口"],
        ),
        # After a colon or semicolon a new part begins, and its opening clause frames its first figure.
        (
            "The harbour expansion rested on 5 years of work [1].",
            "本届博览会成果丰硕：一座港口完成扩建，背后是五年的施工。",
            ["港口"],
        ),
        # A year is when, not how many: the question's 1887 is not judged by the words of its clause.
        (
            "In 1887 the town had 8,450 inhabitants [1].",
            "1887年，镇上的人口普查显示共有8,450名居民。",
            ["居民"],
        ),
        # A date at the head of a sentence dates its whole event: its month and day go with the sentence's
        # words, not with the date's own clause, which is the date alone.
        (
            "On June 3 visitors tried VR headsets at the stands [1].",
            "6月3日，参观者在展台体验VR设备。",
            ["展台"],
        ),
        (
            "Le 3 juin, les visiteurs ont essayé des casques VR [1].",
            "6月3日，参观者在展台体验VR设备。",
            ["展台"],
        ),
    ],
)
def test_a_figure_whose_words_name_the_asked_thing_is_anchored(
    answer: str, quote: str, terms: list[str]
) -> None:
    assert _unanchored(answer, quote, terms) is None


@pytest.mark.parametrize(
    ("answer", "quote", "terms", "figure"),
    [
        # 12 counts cities; the clause before it has a figure of its own (the stands), so it is no frame for 12.
        ("The fair had 12 stands [1].", "港口博览会设有36个展台，吸引了来自12个城市的商户。", ["展台"], "12"),
        # Only the sentence's opening clause frames the figure after it, not a clause further on.
        (
            "The fair had 12 stands [1].",
            "博览会周末开幕，设有展台，吸引了来自12个城市的商户。",
            ["展台"],
            "12",
        ),
        # A part's opening clause with a figure of its own (3 piers) frames nothing after it.
        (
            "The fair had 12 piers [1].",
            "博览会成果丰硕；港口新建3座码头，吸引了来自12个城市的商户。",
            ["码头"],
            "12",
        ),
        # The sentence's opening clause frames nothing beyond a semicolon: the part after it has its own.
        ("The harbour had 12 merchants [1].", "港口扩建完成；商户众多，来自12个城市。", ["港口"], "12"),
        # The asked word is in the clause after the figure's, not before it.
        ("The fair had 12 stands [1].", "来自12个城市的商户，布置了展台。", ["展台"], "12"),
        # A date whose sentence says nothing of the asked thing dates another event.
        ("The stands opened on June 3 [1].", "6月3日，港口小镇举行了龙舟赛。", ["展台"], "3"),
    ],
)
def test_a_figure_about_something_else_is_caught(
    answer: str, quote: str, terms: list[str], figure: str
) -> None:
    assert _unanchored(answer, quote, terms) == figure


@pytest.mark.parametrize(
    ("answer", "quote", "asked", "figure"),
    [
        # 3,000 counts engineers; the question counts students.
        (
            "The fair drew 3000 students [1].",
            "博览会吸引了超3000名工程师、设计师参展。",
            "多少名学生",
            "3000",
        ),
        # The same figure in the right words is no miscount.
        (
            "The fair drew 3000 engineers [1].",
            "博览会吸引了超3000名工程师、设计师参展。",
            "多少名工程师",
            None,
        ),
        # A rendered question may name the counted thing in other words of the same kind (Cilin: 成就, 成果).
        (
            "Ten achievements were shown [1].",
            "博览会开幕式上发布了十项重大成果。",
            "博览会开幕式上发布了多少项重大成就",
            None,
        ),
        # ... but young people are not scientists.
        ("3000 young people [1].", "博览会吸引了超3000名科学家参会。", "首批入选的青年有多少名", "3000"),
        # A figure with no noun after its measure word is not judged.
        ("The fair had 36 stands [1].", "港口博览会共设36个。", "多少个展台", None),
    ],
)
def test_a_count_of_another_thing_is_caught(answer: str, quote: str, asked: str, figure: str | None) -> None:
    (sentence,) = split_answer(answer)
    assert miscounted_figure(sentence, [_evidence(quote)], asked) == figure


def test_a_date_does_not_pull_the_citation_away_from_the_sentence_that_holds_the_answer(
    corpus_settings: Settings, corpus_index: ForumIndex
) -> None:
    # A fresh question (session 31): the draft cited the caption 5月26日，参观者……内体验VR设备 ([1]); its date,
    # judged by its clause (5月26日) alone, was "not about" the question, and the citation was moved to
    # another caption of that day that says nothing of VR.
    scripted = ScriptedLLM(
        name="scripted-vr",
        replies=["2023年5月26日，哪些设备可以在这个展览中心试用？"],
        reply="Besucher konnten am 26. Mai 2023 im Ausstellungszentrum VR-Geräte ausprobieren [1].",
    )
    question = "Welches Gerät konnten Besucher am 26. Mai 2023 im Ausstellungszentrum ausprobieren?"
    answer = ForumEngine(corpus_settings, corpus_index, scripted).answer(
        Question(message=question, mode="generate")
    )
    cited = [c.quote for c in answer.citations if f"[{c.n}]" in answer.answer]
    assert cited and all("VR" in quote for quote in cited), (answer.answer, cited)


def test_a_follow_up_that_names_nothing_itself_is_not_held_to_the_earlier_questions_words(
    corpus_settings: Settings, corpus_index: ForumIndex
) -> None:
    # "For how many days did it run?" names nothing but days; search and evidence lean on the earlier
    # question's words (the foundation, the video speech), which the sentence with the forum's length does
    # not hold. Those words say what the conversation is about, not what the figure counts: the figure
    # was removed as "not about" them, and a right answer refused.
    scripted = ScriptedLLM(
        name="scripted-follow-up",
        # The renderings as the 1.5B wrote them; the focus keeps no word but the forum and its days.
        replies=["哪个基金会的联席主席在2023中关村论坛上发表了视频演讲？", "论坛 多少天？"],
        reply="The forum ran for 6 days [2].",
    )
    history = [
        Turn(role="user", content="Which foundation's co-chair spoke by video at the 2023 forum?"),
        Turn(role="assistant", content="The Bill & Melinda Gates Foundation's [1]."),
    ]
    answer = ForumEngine(corpus_settings, corpus_index, scripted).answer(
        Question(message="For how many days did it run?", history=history, mode="generate")
    )
    assert not answer.refused and "6 days" in answer.answer, (answer.answer, answer.removed)
    cited = [c.quote for c in answer.citations if f"[{c.n}]" in answer.answer]
    assert any("为期6天" in quote for quote in cited), cited
