"""Stage 6b on its own (no index, no real model): the clause that holds the answer, the faithfulness check
of a rendering, the figure written for the reader when no rendering can be shown, and which of the two a
question gets (a scripted model forces the rendering)."""

from __future__ import annotations

import pytest

from assistant.clause import (
    answer_for_reader,
    best_clause,
    clauses,
    count_to_read_off,
    counted_figure,
    counted_in_best_clause,
    faithful,
    figure_answer,
)
from assistant.evidence import EvidenceSet, EvidenceSignals
from assistant.llm.protocol import Budget
from assistant.retrieval import Retrieval
from assistant.schema import Evidence
from tests.support import ScriptedLLM

SENTENCE = "初夏时节，一场前沿科技的盛会吸引各方目光——5月25日到30日，2023中关村论坛在京举行。"


def test_clauses_split_at_chinese_punctuation_and_short_pieces_join_the_next() -> None:
    assert clauses(SENTENCE) == [
        "初夏时节，一场前沿科技的盛会吸引各方目光——",
        "5月25日到30日",
        "2023中关村论坛在京举行。",
    ]
    assert clauses("此外，今年还举办了55场平行论坛。") == ["此外，今年还举办了55场平行论坛。"]


def test_the_clause_with_the_kind_of_answer_asked_wins() -> None:
    assert best_clause(SENTENCE, "On which dates was it held? 哪几天举办的？", ["2023"]) == "5月25日到30日"
    assert "在京举行" in best_clause(SENTENCE, "Where was it held? 在哪里举行？", ["在京", "举行"])


@pytest.mark.parametrize(
    ("rendering", "language", "ok"),
    [
        ("From May 25 to 30, the 2023 Zhongguancun Forum was held in Beijing.", "en", True),
        ("Du 25 au 30 mai, le forum 2023 a eu lieu à Pékin.", "fr", True),
        ("From May 25 to 31, the 2023 Zhongguancun Forum was held in Beijing.", "en", False),  # a new figure
        ("The 2023 Zhongguancun Forum was held in Beijing.", "en", False),  # the dates are gone
        ("5月25日到30日，2023中关村论坛在京举行。", "en", False),  # not English
        ("Vom 25. bis 30. Mai fand das Forum 2023 in Peking statt.", "de", True),
    ],
)
def test_a_rendering_is_faithful_only_with_every_figure_and_in_the_language(
    rendering: str, language: str, ok: bool
) -> None:
    assert faithful(rendering, "5月25日到30日，2023中关村论坛在京举行", language) is ok


def test_a_rendering_caught_in_a_loop_is_not_faithful() -> None:
    clause = "5月25日到30日，2023中关村论坛在京举行"
    loop = "The forum was held in Beijing from May 25 to 30, 2023" + ", in the capital of China" * 4 + "."
    assert not faithful(loop, clause, "en")
    assert faithful("The forum was held in Beijing from May 25 to 30, 2023.", clause, "en")


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "According to the source: May 25–30"),
        ("de", "Laut der Quelle: 25.–30. Mai"),
        ("ru", "Согласно источнику: 25–30 мая"),
        ("ja", "資料によると、 5月25日～30日"),
    ],
)
def test_the_figure_written_for_the_reader(language: str, expected: str) -> None:
    answer = figure_answer("5月25日到30日", "When was it held?", language)
    assert answer is not None and answer.replace("\u202f", " ").replace("\xa0", " ") == expected


def test_no_figure_answer_when_no_figure_was_asked() -> None:
    assert figure_answer("5月25日到30日", "Where was it held?", "en") is None
    assert figure_answer("在京举行", "How many forums?", "en") is None


def _found(quote: str, question: str, *more: str, terms: tuple[str, ...] = ()) -> EvidenceSet:
    """Evidence sentences, best first, for a question (with its specific Chinese words, `terms`)."""
    evidence = [
        Evidence(doc_id="d", source="d.txt", title="t", date=None, quote=q, start=0, end=len(q), score=1.0)
        for q in (quote, *more)
    ]
    retrieval = Retrieval(queries=[question], hits=[], years=set())
    return EvidenceSet(evidence, EvidenceSignals(coverage=1.0, dense=0.9, terms=terms), retrieval)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "According to the source: March 25–29 [1]"), ("fr", "D'après la source : 25–29 mars [1]")],
)
def test_a_when_question_gets_the_date_written_for_the_reader_not_the_models_rendering(
    language: str, expected: str
) -> None:
    # The scripted model's reply is the kind of date rendering a small model wrote ("3/25 to 29/3"):
    # for a date the written form is used, and the model is not asked at all.
    model = ScriptedLLM(reply="3/25 to 29/3")
    found = _found("3月25日至29日，2026中关村论坛年会在北京举办。", "When was the 2026 meeting held?")
    answer = answer_for_reader(model, language, found, Budget(60))
    assert answer is not None and answer.replace("\u202f", " ").replace("\xa0", " ") == expected
    assert model.calls == 0


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "According to the source: 55 [1]"), ("ko", "자료에 따르면 55 [1]")],
)
def test_a_how_many_question_gets_the_one_figure_its_clause_counts_without_the_model(
    language: str, expected: str
) -> None:
    model = ScriptedLLM(reply="The forum also held 55 workshops.")  # a rendering that changes what is counted
    found = _found(
        "此外，今年中关村论坛还举办了55场平行论坛。", "How many parallel forums? 举办了多少场平行论坛？"
    )
    assert counted_in_best_clause(found) is not None
    assert answer_for_reader(model, language, found, Budget(60)) == expected
    assert model.calls == 0


def test_a_clause_with_several_figures_gives_the_one_in_the_measure_word_asked() -> None:
    clause = "发布的新一代256核区块链专用加速芯片，每秒可以处理100万笔交易"
    counted = counted_figure(clause, "How many cores? 这款芯片有多少核？")
    assert counted is not None and counted.value == 256
    assert counted_figure(clause, "How many does it have?") is None  # two figures, nothing says which
    # The clause's only figure, but not in the measure word asked: a count of something else.
    assert counted_figure("技术交易板块举办26场活动", "报名的项目有多少个？") is None
    assert counted_figure(clause, "When was it released?") is None
    assert counted_figure("主队共有35名球员", "主队打进了多少球？") is None  # 名 counts players, not goals
    assert counted_figure("中国排名从第34位跃升到第11位", "中国排在第几位？") is None  # a place, not a count
    # The 家 of 国家 is part of the noun: 30多个国家 counts countries, not the firms of 多少家.
    assert counted_figure("已与30多个国家建立合作", "有多少家公司建立合作？") is None
    countries = counted_figure("已与30多个国家建立合作", "与多少个国家建立合作？")
    assert countries is not None and countries.value == 30


def test_a_figure_in_the_measure_word_asked_still_counts_the_noun_asked() -> None:
    clause = "大会吸引了超2000名工程师到场"
    # 名 counts engineers and students alike: the noun after the figure decides.
    assert counted_figure(clause, "有多少名学生到场？") is None
    counted = counted_figure(clause, "有多少名工程师到场？")
    assert counted is not None and counted.value == 2000
    # A compound names its thing last: 优秀成果 answers a count of 成果.
    counted = counted_figure("评出120项优秀成果", "评出了多少项成果？")
    assert counted is not None and counted.value == 120


def test_a_how_many_reads_the_clause_that_counts_in_the_measure_word_asked() -> None:
    # Both clauses hold one subject word and figures; only the second counts goals (球).
    sentence = "主队在半决赛以3比1战胜客队，在最后时刻又打进2球。"
    asked = "How many goals? 主队在最后时刻打进多少球？"
    assert best_clause(sentence, asked, ["主队", "最后时刻"]) == "在最后时刻又打进2球。"
    found = _found(sentence, asked)
    assert answer_for_reader(ScriptedLLM(reply="unused"), "en", found, Budget(60)) == (
        "According to the source: 2 [1]"
    )
    # Without a measure word to count in, the kind of answer and the subject words decide, as before.
    assert (
        best_clause(sentence, "主队在半决赛的比分是多少？", ["主队", "半决赛"])
        == "主队在半决赛以3比1战胜客队"
    )


def test_with_several_figures_and_no_measure_word_the_model_renders_the_clause() -> None:
    model = ScriptedLLM(reply="The forum held 55 parallel forums and 8 trading sessions.")
    found = _found("今年还举办了55场平行论坛、8场技术交易专场。", "How many events were held?")
    assert counted_in_best_clause(found) is None
    assert answer_for_reader(model, "en", found, Budget(60)) == (
        "The forum held 55 parallel forums and 8 trading sessions. [1]"
    )
    assert model.calls == 1


def test_a_count_the_evidence_disagrees_on_is_rendered_with_what_it_counts_not_read_off() -> None:
    # Invented: the best sentence counts the goals of one match, another the goals of the whole season.
    asked = "How many goals did the home team score? 主队打进了多少球？"
    best, season = "在半决赛中，主队打进2球。", "整个赛季，主队共打进35球。"
    model = ScriptedLLM(reply="In the semi-final, the home team scored 2 goals.")
    found = _found(best, asked, season)
    assert counted_in_best_clause(found) is not None  # a draft citing the best sentence must still state it
    assert count_to_read_off(found) is None, "which of the two counts is asked is unclear"
    assert answer_for_reader(model, "en", found, Budget(60)) == (
        "In the semi-final, the home team scored 2 goals. [1]"
    )
    assert model.calls == 1
    # Evidence that states the same figure again, or counts something else, does not stand in the way.
    agreeing = _found(best, asked, "主队在半决赛打进2球后晋级。", "整个赛季，主队共有35名球员。")
    counted = count_to_read_off(agreeing)
    assert counted is not None and counted.value == 2
    # A question about one edition: another edition's count is not a rival answer.
    this_year, last_year = _found(best, asked, season).evidence
    edition = EvidenceSet(
        [this_year.model_copy(update={"year": 2024}), last_year.model_copy(update={"year": 2023})],
        EvidenceSignals(coverage=1.0, dense=0.9),
        Retrieval(queries=[asked], hits=[], years={2024}),
    )
    counted = count_to_read_off(edition)
    assert counted is not None and counted.value == 2
    assert counted_figure("来自80多个国家和地区", "有多少个国家和地区？") is not None  # 个 is generic


@pytest.mark.parametrize(
    "question",
    ["Where did China rank in the Global Innovation Index 2022?", "How many years of data was it based on?"],
)
def test_a_year_is_no_answer_to_a_rank_or_a_count(question: str) -> None:
    clause = "中国创新指数在全球排名已经从2012年的第34位跃升到2022年的第11位"
    assert figure_answer(clause, question, "en") is None
    assert figure_answer("绿色能源是2026年中关村论坛年会锚定的领域", question, "en") is None


def test_a_year_still_answers_a_when() -> None:
    answer = figure_answer("该计划于2026年首次推出", "When was the programme first launched?", "en")
    assert answer is not None and "2026" in answer


def test_a_how_many_is_not_answered_with_figures_of_other_things() -> None:
    # 2000名 counts engineers, not students: no answer is better than a wrong one.
    assert figure_answer("超2000名工程师到场", "How many students came? 有多少名学生参加？", "en") is None
    answer = figure_answer("超2000名工程师到场", "How many engineers came? 有多少位工程师到场？", "en")
    assert answer is not None and "2,000" in answer


def test_a_share_or_a_sum_does_not_count_people_or_things() -> None:
    # 多少名 counts people: a percentage in the same clause answers nothing of it.
    asked = "How many students joined? 首批有多少名学生入选？"
    assert figure_answer("该校研发投入强度超5%", asked, "en") is None
    assert figure_answer("门票收入达1000元", "How many events? 举办了几场活动？", "en") is None
    # Nor people named right after 多少 without a measure word (游客: Cilin files it under people).
    visitors = "How many visitors came? 吸引了多少游客？"
    assert figure_answer("门票收入增长15%", visitors, "en") is None
    assert figure_answer("门票收入达1000元", visitors, "en") is None
    # A share is no price either (售价: Cilin files it under money), while a sum is.
    price = "How much is a ticket? 门票的售价是多少？"
    assert figure_answer("门票收入增长15%", price, "en") is None
    answer = figure_answer("门票售价为80元", price, "en")
    assert answer is not None and "80" in answer
    # Nor is a bare figure of something else (degrees, a count); a sum in another currency is.
    assert figure_answer("这座摩天轮可以360度旋转", price, "en") is None
    assert figure_answer("场馆设有12个入口", price, "en") is None
    answer = figure_answer("门票售价为12美元", price, "en")
    assert answer is not None and "12" in answer
    # Asked without a measure word of people or things, the share is the answer.
    answer = figure_answer(
        "该校研发投入强度超5%", "How high is the R&D intensity? 研发投入强度是多少？", "en"
    )
    assert answer is not None and "5" in answer
    answer = figure_answer(
        "门票收入增长15%", "By what share did ticket income grow? 门票收入增长了多少比例？", "en"
    )
    assert answer is not None and "15" in answer


def test_a_question_without_chinese_words_is_not_judged_by_its_nouns() -> None:
    # No rendering (no LLM): the English words cannot be matched to the source's noun, so the figure stands.
    answer = figure_answer("超2000名工程师到场", "How many people came?", "en")
    assert answer is not None and "2,000" in answer


def test_a_figure_is_read_off_only_from_a_clause_about_what_was_asked() -> None:
    # With no model to render the clause (a rejected draft), the figure itself is the answer; but a clause
    # that holds none of the question's words states a figure of something else (the harbour's growth for a
    # crane's precision), and reading it off would answer wrongly: no faithful answer then.
    asked, terms = "What is the crane's positioning precision? 起重机的定位精度是多少？", ("起重机", "精度")
    about = _found("港口新起重机的定位精度超过98%。", asked, terms=terms)
    assert answer_for_reader(None, "en", about, Budget(60)) == "According to the source: more than 98% [1]"
    other = _found("依托港口连续十年货运增长超6.5%的基础，小镇举办了博览会。", asked, terms=terms)
    assert answer_for_reader(None, "en", other, Budget(60)) is None
