"""Unit tests of the deterministic eval metrics and the answer normaliser."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.schema import Answer, Citation, Removal
from evals.dataset import load_items
from evals.metrics import (
    answer_correct,
    answer_matches,
    citation_scores,
    correct_in_language,
    first_gold_rank,
    gold_spans,
    language_figures,
    language_parity,
    latency_summary,
    numbers_in,
    percentile,
    refusal_scores,
    removed_rate,
    retrieval_scores,
    score_item,
    split_sentences,
    summarize,
    unsupported_rate,
    unsupported_sentences,
)
from evals.normalize import chinese_to_int, normalize

DOC_2023 = "004_ee9741430f072f91"
PARALLEL_2023 = "此外，今年中关村论坛还举办了55场平行论坛"
# A small stand-in document: the gold sentence sits at offset 10.
DOC_TEXT = "中关村论坛举行。期间：" + PARALLEL_2023 + "，围绕人工智能展开探讨。总面积2.7万平方米。"


def _citation(n: int, quote: str, doc_id: str = DOC_2023, text: str = DOC_TEXT, title: str = "") -> Citation:
    start = text.find(quote)
    return Citation(
        n=n,
        doc_id=doc_id,
        source=f"{doc_id}.txt",
        title=title,
        date=None,
        quote=quote,
        start=max(start, 0),
        end=max(start, 0) + len(quote),
        score=0.8,
    )


def _answer(text: str, citations: list[Citation] | None = None, **fields: object) -> Answer:
    values: dict[str, object] = {
        "answer": text,
        "language": "en",
        "mode": "generate",
        "refused": False,
        "confidence": 0.9,
        "confidence_label": "high",
        "question": "How many parallel forums were held at the 2023 Zhongguancun Forum?",
        "standalone_question": "How many parallel forums were held at the 2023 Zhongguancun Forum?",
        "citations": citations or [],
    }
    values.update(fields)
    return Answer.model_validate(values)


# ---------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("五", 5),
        ("十", 10),
        ("十五", 15),
        ("五十五", 55),
        ("三千", 3000),
        ("一百零五", 105),
        ("一万二千", 12000),
    ],
)
def test_chinese_numerals_to_int(raw: str, expected: int) -> None:
    assert chinese_to_int(raw) == expected


@pytest.mark.parametrize(
    ("raw", "language", "expected"),
    [
        ("举办了五十五场平行论坛", "zh", "举办了55场平行论坛"),
        ("超三千名嘉宾", "zh", "超3000名嘉宾"),
        ("百余场活动", "zh", "100余场活动"),
        ("千余名嘉宾", "zh", "1000余名嘉宾"),
        ("二〇二三年", "zh", "2023年"),
        ("２０２６年３月２５日", "zh", "2026年3月25日"),  # full-width digits
        ("超3万家", "zh", "超3万家"),  # a magnitude after Arabic digits stays as written
        ("3,000 guests", "en", "3000 guests"),
        ("3 000 invités", "fr", "3000 invites"),
        ("27.000 Quadratmeter", "de", "27000 quadratmeter"),
        ("1,000,000", "en", "1000000"),
        ("6,5 %", "fr", "6.5 %"),
        ("Six Days", "en", "6 days"),
        ("vingt-six", "fr", "vingt-six"),  # not "vingt-6"
        ("١٠٠ دولة", "ar", "100 دولة"),
        ("3월 25일부터 29일", "ko", "3월25일부터29일"),
        ("MÄRZ", "de", "marz"),
    ],
)
def test_normalize(raw: str, language: str, expected: str) -> None:
    assert normalize(raw, language) == expected


def test_two_numbers_separated_by_a_space_are_not_joined() -> None:
    assert normalize("in 2023 150 events", "en") == "in 2023 150 events"


# ---------------------------------------------------------------- answer accuracy


def test_groups_all_must_match_and_any_alternative_suffices() -> None:
    groups = [["3月", "March", "mars"], ["25"], ["29"]]
    assert answer_matches("It was held from March 25 to 29, 2026 [1].", groups, "en")
    assert answer_matches("Elle s'est tenue du 25 au 29 mars 2026.", groups, "fr")
    assert answer_matches("2026中关村论坛年会于３月２５日至２９日举办。", groups, "zh")
    assert not answer_matches("It was held from May 25 to 30 [1].", groups, "en")
    assert answer_matches("anything", [], "en")


def test_numbers_match_whole_numbers_only() -> None:
    assert answer_matches("来自全球80多个国家和地区", [["80"]], "zh")
    assert not answer_matches("来自180个国家", [["80"]], "zh")
    assert not answer_matches("more than 6.5% R&D intensity", [["6"]], "en")
    assert not answer_matches("千余名嘉宾", [["100"]], "zh")  # 1000 is not 100
    assert answer_matches("举办了五十五场平行论坛", [["55"]], "zh")
    assert answer_matches("Il y a eu dix-sept invités.", [["17"]], "fr")
    assert answer_matches("总金额619,91亿元", [["619.91"]], "zh")


def test_citation_markers_are_not_answers() -> None:
    assert not answer_matches("No figure is given [1].", [["1"]], "en")


def test_short_latin_alternatives_must_be_whole_words() -> None:
    assert answer_matches("It focuses on AI and quantum computing.", [["AI"]], "en")
    assert not answer_matches("The report said nothing.", [["AI"]], "en")


def test_answer_correct_uses_refusal_for_unanswerable_items() -> None:
    refused = _answer("The sources do not say.", refused=True)
    answered = _answer("The password is 123456 [1].")
    assert answer_correct(refused, "unanswerable", [], "en")
    assert not answer_correct(answered, "unanswerable", [], "en")
    assert not answer_correct(_answer("55 [1]", refused=True), "fact", [["55"]], "en")
    assert answer_correct(_answer("It held 55 parallel forums [1]."), "fact", [["55"]], "en")


def test_correct_in_language_needs_the_askers_language() -> None:
    english = _answer("The 2023 forum held 55 parallel forums in Beijing [1].")
    assert correct_in_language(english, "fact", [["55"]], "en")
    assert not correct_in_language(english, "fact", [["55"]], "de")  # right fact, wrong language
    assert not correct_in_language(_answer("It held 12 forums [1]."), "fact", [["55"]], "en")
    label = _answer("The sources say: 此外，今年中关村论坛还举办了55场平行论坛[1]。")
    assert answer_correct(label, "fact", [["55"]], "en")
    assert not correct_in_language(label, "fact", [["55"]], "en")  # a Chinese quote behind a label
    refusal = _answer("Leider enthalten die Quellen keine Antwort auf diese Frage.", refused=True)
    assert correct_in_language(refusal, "unanswerable", [], "de")
    assert not correct_in_language(refusal, "unanswerable", [], "fr")  # refused in the wrong language


# ---------------------------------------------------------------- retrieval


def test_first_gold_rank_counts_distinct_documents() -> None:
    ranked = ["001", "001", "000", "004", "004"]
    assert first_gold_rank(ranked, ["004"]) == 3
    assert first_gold_rank(ranked, ["000", "001"]) == 1
    assert first_gold_rank(ranked, ["999"]) is None


def test_retrieval_scores() -> None:
    scores = retrieval_scores(
        [(["a", "b"], ["a"]), (["b", "a"], ["a"]), (["b", "c"], ["a"]), (["x"], [])]  # the last is skipped
    )
    assert scores["n"] == 3
    assert scores["hit@1"] == pytest.approx(1 / 3)
    assert scores["hit@5"] == pytest.approx(2 / 3)
    assert scores["mrr"] == pytest.approx((1 + 0.5) / 3)
    assert retrieval_scores([])["mrr"] is None


# ---------------------------------------------------------------- citations


def test_gold_spans_finds_every_occurrence() -> None:
    assert gold_spans("ab-ab", "ab") == [(0, 2), (3, 5)]
    assert gold_spans("abc", "x") == []


def test_citation_precision_and_recall() -> None:
    documents = {DOC_2023: DOC_TEXT}
    gold = ([DOC_2023], [PARALLEL_2023], [["55"]])
    exact = _citation(1, PARALLEL_2023)
    overlapping = _citation(2, "55场平行论坛，围绕人工智能展开探讨")
    off_topic = _citation(3, "总面积2.7万平方米")
    other_doc = _citation(4, PARALLEL_2023, doc_id="000_f953bc0272d12e83")

    assert citation_scores([exact], *gold, documents) == (1.0, 1.0)
    score = citation_scores([exact, overlapping, off_topic, other_doc], *gold, documents)
    assert score.precision == pytest.approx(0.5)
    assert score.recall == 1.0
    assert citation_scores([off_topic], *gold, documents) == (0.0, 0.0)
    assert citation_scores([], *gold, documents).precision is None
    assert citation_scores([exact], [], [], [], documents).recall is None


def test_a_citation_elsewhere_in_the_gold_document_counts_when_it_states_the_key_fact() -> None:
    text = DOC_TEXT + "今年共有55场平行论坛。"
    elsewhere = _citation(1, "今年共有55场平行论坛", text=text)
    score = citation_scores([elsewhere], [DOC_2023], [PARALLEL_2023], [["55"]], {DOC_2023: text})
    assert score == (1.0, 1.0)


def test_conflict_recall_needs_both_sources() -> None:
    items = {item.id: item for item in load_items()}
    item = items["c_countries_2026-en"]
    texts = {
        doc: f"前文。{quote}。后文。" for doc, quote in zip(item.gold_docs, item.gold_quotes, strict=True)
    }
    first = _citation(1, item.gold_quotes[0], doc_id=item.gold_docs[0], text=texts[item.gold_docs[0]])
    second = _citation(2, item.gold_quotes[1], doc_id=item.gold_docs[1], text=texts[item.gold_docs[1]])
    assert citation_scores([first], item.gold_docs, item.gold_quotes, item.answers, texts) == (1.0, 0.5)
    assert citation_scores([first, second], item.gold_docs, item.gold_quotes, item.answers, texts) == (
        1.0,
        1.0,
    )


# ---------------------------------------------------------------- refusals


def test_refusal_scores() -> None:
    outcomes = [(True, True), (True, False), (False, True), (False, False), (True, True)]
    scores = refusal_scores(outcomes)
    assert scores["precision"] == pytest.approx(2 / 3)
    assert scores["recall"] == pytest.approx(2 / 3)
    assert scores["accuracy"] == pytest.approx(3 / 5)
    assert refusal_scores([(False, False)])["precision"] is None


# ---------------------------------------------------------------- unsupported sentences


def test_split_sentences_keeps_trailing_markers_and_decimals() -> None:
    text = "The intensity was 6.5% [1]. It held 12 forums. [2] 举办了55场平行论坛[1]。真的吗？"
    assert split_sentences(text) == [
        "The intensity was 6.5% [1].",
        "It held 12 forums. [2]",
        "举办了55场平行论坛[1]。",
        "真的吗？",
    ]


def test_numbers_in_reads_magnitudes_and_scale_words() -> None:
    assert 27000.0 in numbers_in("总面积2.7万平方米")
    assert 27000.0 in numbers_in("27 thousand square metres", "en")
    assert numbers_in("总金额619.91亿元") & numbers_in("61.991 billion yuan", "en")
    assert 40.0 in numbers_in("外籍演讲嘉宾占比超四成")  # tenths, as "more than 40%" in an answer


def test_unsupported_sentences_flag_numbers_missing_from_the_cited_quotes() -> None:
    cite = _citation(1, PARALLEL_2023)
    area = _citation(2, "总面积2.7万平方米")
    answer = _answer(
        "The 2023 forum held 55 parallel forums [1]. It drew 3,000 guests [1]. The area was 27,000 m² [2].",
        [cite, area],
    )
    assert unsupported_sentences(answer) == ["It drew 3,000 guests [1]."]
    assert unsupported_rate(answer) == pytest.approx(1 / 3)

    billions = _answer("The total was 61.991 billion yuan [1].", [_citation(1, "总金额619.91亿元")])
    assert unsupported_rate(billions) == 0.0
    chinese = _answer("2023中关村论坛举办了五十五场平行论坛[1]。", [cite], language="zh")
    assert unsupported_rate(chinese) == 0.0
    # A sentence may only lean on its own citations: 2.7万 is in [2], not in [1].
    wrong_marker = _answer("The area was 27,000 m² [1].", [cite, area])
    assert unsupported_rate(wrong_marker) == 1.0
    assert unsupported_rate(_answer("The sources do not say.", refused=True)) is None


def test_removed_rate() -> None:
    answer = _answer(
        "It held 55 parallel forums [1].",
        [_citation(1, PARALLEL_2023)],
        removed=[Removal(sentence="It drew 3,000 guests.", reason="number 3000 not in cited evidence")],
    )
    assert removed_rate(answer) == 0.5
    assert removed_rate(_answer("")) is None


# ---------------------------------------------------------------- parity, latency, aggregation


def test_language_parity() -> None:
    parity = language_parity([("zh", True), ("zh", True), ("en", True), ("en", False), ("fr", False)])
    assert parity["accuracy"] == {"en": 0.5, "fr": 0.0, "zh": 1.0}
    assert parity["gap_to_zh"] == {"en": -0.5, "fr": -1.0, "zh": 0.0}
    assert parity["n"]["zh"] == 2


def test_language_figures_and_parity_ratio() -> None:
    rows = [("zh", True, True), ("zh", True, True), ("zh", False, False), ("zh", True, True)]  # zh 0.75
    rows += [("en", True, True), ("en", True, False), ("de", True, False), ("de", False, False)]
    figures = language_figures(rows)
    assert list(figures) == ["de", "en", "zh", "foreign", "all"]
    assert figures["zh"] == {"n": 4, "correct": 0.75, "correct_in_language": 0.75, "parity_ratio": 1.0}
    assert figures["en"]["correct"] == 1.0 and figures["en"]["correct_in_language"] == 0.5
    assert figures["en"]["parity_ratio"] == pytest.approx(0.5 / 0.75)
    assert figures["de"]["parity_ratio"] == 0.0
    assert figures["foreign"] == {
        "n": 4,
        "correct": 0.75,
        "correct_in_language": 0.25,
        "parity_ratio": pytest.approx(0.25 / 0.75),
    }
    assert figures["all"]["n"] == 8 and figures["all"]["parity_ratio"] is None
    # Without Chinese questions, or none answered, there is no ratio.
    assert language_figures([("en", True, True)])["en"]["parity_ratio"] is None
    assert language_figures([("zh", False, False), ("en", True, True)])["en"]["parity_ratio"] is None


def test_percentile_matches_numpy() -> None:
    values = [120.0, 35.0, 2900.0, 12.0, 400.0, 51.0, 77.0]
    for q in (0, 50, 95, 100):
        assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)))
    with pytest.raises(ValueError):
        percentile([], 50)


def test_latency_summary_per_stage() -> None:
    summary = latency_summary(
        [{"retrieve": 10, "total": 100}, {"retrieve": 30, "total": 300}, {"total": 200}]
    )
    assert summary["retrieve"] == {"p50": 20.0, "p95": pytest.approx(29.0), "n": 2.0}
    assert summary["total"]["p50"] == 200.0


def test_score_item_and_summarize() -> None:
    items = {item.id: item for item in load_items()}
    fact, unanswerable = items["yt_parallel_2023-en"], items["u_wifi-en"]
    documents = {DOC_2023: DOC_TEXT}
    good = _answer(
        "It held 55 parallel forums [1].", [_citation(1, PARALLEL_2023)], timings_ms={"total": 100.0}
    )
    invented = _answer(
        "The password is 12345678 [1].", [_citation(1, PARALLEL_2023)], timings_ms={"total": 300.0}
    )

    scored_fact = score_item(fact, good, ["001_ac7e4f98f3743c27", DOC_2023], documents)
    assert scored_fact.correct and scored_fact.correct_in_language and scored_fact.gold_rank == 2
    assert (scored_fact.citation_precision, scored_fact.citation_recall) == (1.0, 1.0)
    scored_wifi = score_item(unanswerable, invented, [DOC_2023], documents)
    assert not scored_wifi.correct and scored_wifi.unsupported_rate == 1.0

    summary = summarize([scored_fact, scored_wifi])
    assert summary["accuracy"] == 0.5
    assert summary["correct_in_language"] == 0.5
    assert summary["languages"]["en"]["correct_in_language"] == 0.5
    assert summary["answer_accuracy"] == 1.0
    assert summary["retrieval"] == {"hit@1": 0.0, "hit@5": 1.0, "mrr": 0.5, "n": 1}
    assert summary["refusal"] == {"precision": None, "recall": 0.0, "accuracy": 0.5, "n": 2}
    assert summary["accuracy_by_kind"] == {"unanswerable": 0.0, "year-trap": 1.0}
    assert summary["latency_ms"] == {"total": {"p50": 200.0, "p95": pytest.approx(290.0), "n": 2.0}}


@pytest.mark.parametrize(
    ("item_id", "answer_text", "expected"),
    [
        ("yt_dates_2023-ar", "عُقد المنتدى في بكين من 25 إلى 30 مايو [1].", True),
        ("yt_dates_2026-fr", "Elle s'est tenue à Pékin du 25 au 29 mars 2026 [1].", True),
        ("yt_dates_2026-en", "It was held from May 25 to 30 [1].", False),  # the 2023 dates
        (
            "yt_theme_2023-de",
            "Das Jahresthema lautete „Offene Zusammenarbeit · Gemeinsame Zukunft“ [1].",
            True,
        ),
        (
            "yt_theme_2026-ru",
            "Тема — «Глубокая интеграция научно-технологических и промышленных инноваций».",
            True,
        ),
        ("yt_activities_2026-ko", "5대 분야에서 100여 개의 행사가 열렸습니다[1].", True),
        ("yt_countries_2023-ja", "80以上の国と地域からゲストが参加しました[1]。", True),
        ("yt_countries_2023-en", "Guests came from more than 100 countries and regions [1].", False),
        (
            "c_countries_2026-en",
            "More than a hundred countries and regions [1].",
            False,
        ),  # hides the conflict
        (
            "c_countries_2026-fr",
            "Plus de cinquante pays selon l'aperçu [1], plus de 100 selon le reportage [2].",
            True,
        ),
        ("c_attendance_2026-ar", "أكثر من 3000 مشارك [1] مقابل أكثر من ألف ضيف [2].", True),
        ("f_swahili-ja", "スワヒリ語で説明しました[1]。", True),
        ("f_invest_beijing-ko", "총 금액은 619.91억 위안입니다[1].", True),
        ("f_exhibition_area_2023-de", "Die Ausstellung umfasste insgesamt 27.000 Quadratmeter [1].", True),
        ("f_rd_intensity-de", "Die F&E-Intensität lag zehn Jahre in Folge über 6,5 % [1].", True),
        ("fu_days_2023-de", "Das Forum dauerte sechs Tage [1].", True),
        ("fu_park_2023-en", "It is in the northern part of Haidian Park [1].", True),
        ("f_pivots-en", "Tianjin Binhai New Area, Xiong'an New Area and Shijiazhuang [1].", True),
    ],
)
def test_dataset_answers_accept_natural_answers_and_reject_wrong_facts(
    item_id: str, answer_text: str, expected: bool
) -> None:
    item = {item.id: item for item in load_items()}[item_id]
    assert answer_matches(answer_text, item.answers, item.language) is expected
