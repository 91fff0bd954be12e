"""Conflicting figures between sources (sentences copied from the corpus), of measures found in the corpus."""

from __future__ import annotations

from assistant.checks.conflicts import figures, find_conflicts
from assistant.checks.measures import Measures, measures_in
from assistant.compose import mention_conflicts
from assistant.language.written import written_in
from assistant.schema import Evidence

PREVIEW = (  # 000, a preview of the 2026 meeting
    "2026年中关村论坛年会将于北京中关村国家自主创新示范区隆重举办,作为全球科技交流合作的重要平台,本届年会聚焦"
    "人工智能、量子计算、脑科学、绿色能源等创新前沿领域,预计将吸引来自50余个国家和地区的超3000名科学家、企业家"
    "及政策制定者参会。"
)
PREVIEW_PEOPLE = "3000余名参会者中，有深耕二十年的神经解码者，也有刚完成首个人源脑图谱开源项目的青年团队"
PREVIEW_FORUMS = "论坛设置12场平行论坛、8场技术交易专场，首次推出的“全球青年科创领袖计划”"
REPORT = (  # 001, a report on the 2026 meeting
    "本届年会以“科技创新与产业创新深度融合”为年度主题，汇聚全球100多个国家和地区千余名嘉宾，举办五大板块"
    "百余场活动，集中发布一批重大原创成果与重磅政策，全面展现我国科技自立自强新成就、产业融合新动能、开放合作"
    "新格局，为科技强国建设与中国式现代化注入强劲动力。"
)
FORUM_2023 = (
    "在为期6天的150场活动中，来自全球80多个国家和地区的科学家、企业家、投资人等各界嘉宾深入交流，增进共识。"
)
FORUMS_2023 = "此外，今年中关村论坛还举办了55场平行论坛，围绕人工智能、生命科学、清洁能源等前沿领域展开探讨。"


# The corpus these sentences come from, as far as the tests need it: its measures are those of the three
# articles (个国家 in all three, 场平行论坛 in 000 and 004, 场活动 in 001 and 004).
CORPUS = {"000": PREVIEW + PREVIEW_PEOPLE + PREVIEW_FORUMS, "001": REPORT, "004": FORUM_2023 + FORUMS_2023}
MEASURES = Measures.discover(CORPUS)


def ev(quote: str, doc_id: str, year: int | None) -> Evidence:
    return Evidence(
        doc_id=doc_id, source=f"{doc_id}.txt", title="", date=None, quote=quote, start=0, end=len(quote),
        score=0.8, year=year,
    )  # fmt: skip


def conflicts_of(evidence: list[Evidence], measures: Measures = MEASURES) -> list[tuple[str, list[int]]]:
    return [(c.about, c.citations) for c in find_conflicts(evidence, measures)]


def test_the_measures_are_the_pairs_that_two_documents_count() -> None:
    assert sorted(m.key for m in MEASURES.known) == ["个国家", "场平行论坛", "场活动"]
    # People are counted with other nouns in each article (科学家, 参会者 / 嘉宾): no measure is shared.
    assert {m.key for m in measures_in(PREVIEW)} == {"个国家", "名科学家"}
    assert {m.key for m in measures_in(REPORT)} >= {"个国家", "名嘉宾", "场活动"}


def test_preview_and_report_disagree_on_countries() -> None:
    evidence = [ev(PREVIEW, "000", 2026), ev(REPORT, "001", 2026)]
    assert conflicts_of(evidence) == [("国家数: 50余 vs 100多", [1, 2])]


def test_a_guest_reads_the_disagreeing_figures_in_their_language() -> None:
    found = find_conflicts([ev(PREVIEW, "000", 2026), ev(REPORT, "001", 2026)], MEASURES)
    assert found[0].figures == ["50余个国家", "100多个国家"]
    assert mention_conflicts("答案[3]。", found, "zh").endswith("国家数: 50余 vs 100多 [1][2]")
    english = mention_conflicts("The answer [3].", found, "en")
    # The source's words say what is counted: the measure has no name in the reader's language.
    assert english.endswith(
        "more than 50 countries (50余个国家) vs more than 100 countries (100多个国家) [1][2]"
    ), english
    for language in ("fr", "de", "ru", "ar", "ko"):
        note = mention_conflicts("[3]", found, language)
        assert "50" in note and "100" in note and written_in(note.replace("[3]", ""), language), note


def test_agreeing_sentences_join_the_conflict_and_are_labelled_once() -> None:
    same_count = "来自50余个国家和地区的科学家与工程师在这里相遇。"
    evidence = [ev(PREVIEW, "000", 2026), ev(REPORT, "001", 2026), ev(same_count, "000", 2026)]
    assert conflicts_of(evidence) == [("国家数: 50余 vs 100多", [1, 2, 3])]


def test_same_document_or_same_figure_is_no_conflict() -> None:
    people = Measures.discover({"000": PREVIEW_PEOPLE, "001": "预计超3000名参会者到场。"})
    assert [m.key for m in people.known] == ["名参会者"]
    assert conflicts_of([ev(PREVIEW, "000", 2026), ev(PREVIEW_PEOPLE, "000", 2026)]) == []
    assert conflicts_of([ev(PREVIEW, "000", 2026), ev(PREVIEW, "001", 2026)]) == []
    assert (
        conflicts_of([ev(PREVIEW_PEOPLE, "000", 2026), ev("预计超3000名参会者到场。", "001", 2026)], people)
        == []
    )
    assert conflicts_of(
        [ev(PREVIEW_PEOPLE, "000", 2026), ev("预计近千名参会者到场。", "001", 2026)], people
    ) == [("参会者数: 3000余 vs 近千", [1, 2])]


def test_different_editions_do_not_conflict_but_unknown_years_are_compared() -> None:
    assert conflicts_of([ev(FORUMS_2023, "004", 2023), ev(PREVIEW_FORUMS, "000", 2026)]) == []
    unknown = conflicts_of([ev(FORUMS_2023, "004", None), ev(PREVIEW_FORUMS, "000", 2026)])
    assert unknown == [("平行论坛数: 55 vs 12", [1, 2])]
    # A quote that names its year places itself even when the document's year is unknown.
    dated = ev("2023中关村论坛还举办了55场平行论坛。", "004", None)
    assert conflicts_of([dated, ev(PREVIEW_FORUMS, "000", 2026)]) == []


def test_overlapping_approximations_agree() -> None:
    # 百余场 reads as 100-200 events: 150场 lies inside it, 250场 does not.
    assert (
        conflicts_of([ev("举办五大板块百余场活动。", "001", 2026), ev("共举办150场活动。", "002", 2026)])
        == []
    )
    clash = conflicts_of([ev("举办五大板块百余场活动。", "001", 2026), ev("共举办250场活动。", "002", 2026)])
    assert clash == [("活动数: 百余 vs 250", [1, 2])]
    # Years unknown: the 2026 report and the 2023 article are compared; countries clash, events agree.
    mixed = conflicts_of([ev(REPORT, "001", None), ev(FORUM_2023, "004", None)])
    assert [about for about, _ in mixed] == ["国家数: 100多 vs 80多"]


def test_figures_read_the_measured_thing() -> None:
    found = figures([ev(PREVIEW, "000", 2026), ev(REPORT, "001", 2026)], MEASURES)
    assert [(f.n, f.measure.key, f.quantity.raw, f.low, f.high) for f in found] == [
        (1, "个国家", "50余", 50, 60),
        (2, "个国家", "100多", 100, 200),
        (2, "场活动", "百余", 100, 200),
    ]


def test_a_measure_no_list_names_is_found_in_the_documents() -> None:
    # 座 + 展馆 appears in no list: two documents that count exhibition halls make it a measure.
    corpus = {"a": "园区去年新建了3座展馆，面积2万平方米。", "b": "据介绍，园区目前共有5座展馆对外开放。"}
    halls = Measures.discover(corpus)
    assert [(m.unit, m.noun, m.label) for m in halls.known] == [("座", "展馆", "展馆数")]
    evidence = [ev(corpus["a"], "a", 2026), ev(corpus["b"], "b", 2026)]
    assert conflicts_of(evidence, halls) == [("展馆数: 3 vs 5", [1, 2])]
    # Counted by one document only, it is not a measure, and the same figures are not compared.
    assert not Measures.discover({"a": corpus["a"], "b": "园区对外开放。"}).known
    assert conflicts_of(evidence, Measures()) == []


def test_dates_and_the_indefinite_article_are_not_measures() -> None:
    corpus = {
        "a": "2026年论坛于3月25日开幕，举办了一场活动。",
        "b": "2023年论坛于5月25日开幕，举办了一场活动。",
    }
    assert not Measures.discover(corpus).known
