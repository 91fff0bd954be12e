"""Cleaning: page-break artefacts, captions, flattened markdown, whitespace (real corpus files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.chunking import split_sentences
from ingest.cleaning import clean_text, is_byline, is_credit_line

CORPUS = Path("/work/shared/corpus")
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not on this machine")


def _corpus_text(name: str) -> str:
    return clean_text((CORPUS / name).read_text(encoding="utf-8"))


@needs_corpus
def test_split_word_artefacts_in_001_are_joined() -> None:
    text = _corpus_text("001_ac7e4f98f3743c27.txt")
    assert "全球首个通用智能人“通通”3.0" in text
    assert "全球科技创新高端智库论坛" in text
    assert "通用智\n" not in text
    assert "全\n" not in text
    sentences = [s.text for s in split_sentences("001", text)]
    assert any(s.startswith("全球首个通用智能人“通通”3.0在开放环境自主完成复杂任务") for s in sentences)
    assert any(s.startswith("全球科技创新高端智库论坛上，") for s in sentences)


@needs_corpus
def test_split_word_artefact_in_004_is_joined_and_captions_stay_apart() -> None:
    text = _corpus_text("004_ee9741430f072f91.txt")
    assert "成功经验，将能够为世界做出独特贡献" in text
    # The credit line stays with its caption, in its own line, never glued to the next paragraph.
    assert "5月26日拍摄的中关村国家自主创新示范区展示中心。\n新华社记者 张玉薇摄\n\n可以说" in text
    assert text.startswith(
        "5月26日，参观者在中关村国家自主创新示范区展示中心内体验VR设备。\n新华社记者 张玉薇摄\n\n"
    )
    sentences = [s.text for s in split_sentences("004", text)]
    assert sentences.count("新华社记者 张玉薇摄") == 2
    assert not any("摄" in s and "可以说" in s for s in sentences)
    # Headings without markup and list items are not glued to their neighbours.
    assert "\n\n紧扣科技发展前沿\n\n在北京市海淀区" in text
    assert "2011年：创新驱动\n\n2012年：科技创新与全球合作" in text


@needs_corpus
def test_trailing_captions_of_001_are_their_own_paragraphs() -> None:
    text = _corpus_text("001_ac7e4f98f3743c27.txt")
    assert text.endswith(
        "助力中国发展。\n\n在中关村展示中心常设展上，机器人展示穿针引线。\n\n"
        "在中关村展示中心常设展上，“灵巧手”机械臂精准抓取纸杯。"
    )
    assert "在中关村展示中心常设展上，机器人展示穿针引线。" in [s.text for s in split_sentences("001", text)]


@needs_corpus
def test_flattened_markdown_in_000_is_broken_into_headings_and_paragraphs() -> None:
    text = _corpus_text("000_f953bc0272d12e83.txt")
    lines = text.split("\n")
    for heading in (
        "### 摘要",
        "### 关键词",
        "## 一、论坛概况",
        "### 1.1 中关村论坛的历史沿革与全球影响力",
        "### 1.2 2026年论坛的创新主题与预期规模",
        "## 四、总结",
    ):
        assert heading in lines
    assert " > " not in text and "\n>" not in text
    sentences = split_sentences("000", text)
    # Heading sentences are the heading only: nothing like "### 1.1 … 中关村论坛自创办以来…".
    for sentence in sentences:
        if sentence.text.startswith("#"):
            assert len(sentence.text) < 40 and "。" not in sentence.text
    assert any(s.text.startswith("中关村论坛自创办以来,始终以") for s in sentences)


def test_page_break_join_rule_on_synthetic_text() -> None:
    raw = "第一段说了一件事。然后它继续讲述通用智\n\n能人的故事，一直讲到结束。\n"
    assert clean_text(raw) == "第一段说了一件事。然后它继续讲述通用智能人的故事，一直讲到结束。"


def test_no_join_after_punctuation_heading_credit_or_latin() -> None:
    assert clean_text("一句完整的话。\n\n下一段开始了。") == "一句完整的话。\n\n下一段开始了。"
    assert (
        clean_text("## 小标题\n\n正文开始了，这是一段很长的文字。")
        == "## 小标题\n\n正文开始了，这是一段很长的文字。"
    )
    assert (
        clean_text("紧扣前沿\n\n在北京市海淀区，坐落着展示中心。")
        == "紧扣前沿\n\n在北京市海淀区，坐落着展示中心。"
    )
    caption = "5月26日拍摄的展示中心。\n\n新华社记者 张玉薇摄\n\n可以说，论坛正成为风向标。"
    assert clean_text(caption) == "5月26日拍摄的展示中心。\n新华社记者 张玉薇摄\n\n可以说，论坛正成为风向标。"
    assert clean_text("The text ends here\n\nand goes on.") == "The text ends here\n\nand goes on."


def test_whitespace_normalisation() -> None:
    raw = "\ufeff标题  \r\n\r\n\r\n\r\n\r\n正文\u00a0一行。\t \r第二行。\u200b\n\n\n\n结尾。\x07"
    assert clean_text(raw) == "标题\n\n正文 一行。\n第二行。\n\n结尾。"
    assert clean_text("") == ""
    assert clean_text(" \n\t\n ") == ""


def test_credit_and_byline_detection() -> None:
    assert is_credit_line("新华社记者 张玉薇摄")
    assert is_credit_line("（本报记者 叶子摄）")
    assert not is_credit_line("5月26日拍摄的中关村国家自主创新示范区展示中心。")
    assert not is_credit_line("现场拍摄")
    assert is_byline("本报记者 李贞")
    assert is_byline("■中国城市报记者 孙雪霏文 全亚军图")
    assert is_byline("作者: 万维易源")
    assert not is_byline("新华社记者 张玉薇摄")
    assert not is_byline("记者了解到，该项目已经投产。")


def test_inline_heading_markers_only_break_flattened_markdown() -> None:
    assert clean_text("Use ## for headings in markdown.") == "Use ## for headings in markdown."
    assert clean_text("导语 ## 一、概况 正文内容在这里。") == "导语\n\n## 一、概况\n\n正文内容在这里。"
    assert clean_text("a > b holds here.") == "a > b holds here."
