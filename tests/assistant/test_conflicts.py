"""Conflicting figures between sources (sentences copied from the corpus)."""

from __future__ import annotations

from assistant.checks.conflicts import figures, find_conflicts
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


def ev(quote: str, doc_id: str, year: int | None) -> Evidence:
    return Evidence(
        doc_id=doc_id, source=f"{doc_id}.txt", title="", date=None, quote=quote, start=0, end=len(quote),
        score=0.8, year=year,
    )  # fmt: skip


def test_preview_and_report_disagree_on_countries_and_participants() -> None:
    evidence = [ev(PREVIEW, "000", 2026), ev(REPORT, "001", 2026)]
    conflicts = find_conflicts(evidence)
    assert [(c.about, c.citations) for c in conflicts] == [
        ("国家和地区数 / number of countries and regions: 50余 vs 100多", [1, 2]),
        ("参会人数 / number of participants: 超3000 vs 千余", [1, 2]),
    ]


def test_agreeing_sentences_join_the_conflict_and_are_labelled_once() -> None:
    evidence = [ev(PREVIEW, "000", 2026), ev(REPORT, "001", 2026), ev(PREVIEW_PEOPLE, "000", 2026)]
    participants = [c for c in find_conflicts(evidence) if c.about.startswith("参会人数")]
    assert [(c.about, c.citations) for c in participants] == [
        ("参会人数 / number of participants: 超3000 vs 千余", [1, 2, 3])
    ]


def test_same_document_or_same_figure_is_no_conflict() -> None:
    assert find_conflicts([ev(PREVIEW, "000", 2026), ev(PREVIEW_PEOPLE, "000", 2026)]) == []
    assert find_conflicts([ev(PREVIEW, "000", 2026), ev(PREVIEW, "001", 2026)]) == []
    assert find_conflicts([ev(PREVIEW_PEOPLE, "000", 2026), ev("预计超3000名嘉宾参会。", "001", 2026)]) == []


def test_different_editions_do_not_conflict_but_unknown_years_are_compared() -> None:
    assert find_conflicts([ev(FORUMS_2023, "004", 2023), ev(PREVIEW_FORUMS, "000", 2026)]) == []
    unknown = find_conflicts([ev(FORUMS_2023, "004", None), ev(PREVIEW_FORUMS, "000", 2026)])
    assert [(c.about, c.citations) for c in unknown] == [
        ("平行论坛数 / number of parallel forums: 55 vs 12", [1, 2])
    ]
    # A quote that names its year places itself even when the document's year is unknown.
    dated = ev("2023中关村论坛还举办了55场平行论坛。", "004", None)
    assert find_conflicts([dated, ev(PREVIEW_FORUMS, "000", 2026)]) == []


def test_overlapping_approximations_agree() -> None:
    # 百余场 reads as 100-200 events: 150场 lies inside it, 250场 does not.
    assert (
        find_conflicts([ev("举办五大板块百余场活动。", "001", 2026), ev("共举办150场活动。", "002", 2026)])
        == []
    )
    clash = find_conflicts(
        [ev("举办五大板块百余场活动。", "001", 2026), ev("共举办250场活动。", "002", 2026)]
    )
    assert [(c.about, c.citations) for c in clash] == [("活动场数 / number of events: 百余 vs 250", [1, 2])]
    # Years unknown: the 2026 report and the 2023 article are compared; countries clash, events agree.
    mixed = find_conflicts([ev(REPORT, "001", None), ev(FORUM_2023, "004", None)])
    assert [c.about for c in mixed] == ["国家和地区数 / number of countries and regions: 100多 vs 80多"]


def test_figures_read_the_measured_thing() -> None:
    found = figures([ev(PREVIEW, "000", 2026), ev(REPORT, "001", 2026)])
    assert [(f.n, f.measure.key, f.quantity.raw, f.low, f.high) for f in found] == [
        (1, "countries", "50余", 50, 60),
        (1, "participants", "超3000", 3000, 4000),
        (2, "countries", "100多", 100, 200),
        (2, "participants", "千余", 1000, 2000),
        (2, "events", "百余", 100, 200),
    ]
