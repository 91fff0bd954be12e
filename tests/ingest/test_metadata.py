"""Metadata: title, date, year (the edition an article is about) and outlet, on the real articles."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.loaders import read_document
from ingest.metadata import extract_metadata
from kernel.domain import Document

CORPUS = Path("/work/shared/corpus")
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not on this machine")

EXPECTED = {
    "000_f953bc0272d12e83": ("中关村论坛2026:全球科技交流合作的创新前沿", "2026-03-19", 2026, "万维易源"),
    "001_ac7e4f98f3743c27": (
        "2026 中关村论坛年会： 以融促产向新 未来触手可及",
        "2026-03-25",
        2026,
        "中国城市报",
    ),
    # "本报记者" (this paper's reporter) does not name the outlet; the byline is kept in extra.
    "004_ee9741430f072f91": ("2023 中关村论坛：凝聚全球创新力量", "2023-05-25", 2023, None),
}


@pytest.fixture(scope="module")
def corpus_docs() -> dict[str, Document]:
    return {doc.doc_id: doc for doc in (read_document(p, CORPUS) for p in sorted(CORPUS.glob("*.txt")))}


@pytest.mark.parametrize("doc_id", sorted(EXPECTED))
def test_real_article_metadata(corpus_docs: dict[str, Document], doc_id: str) -> None:
    doc = corpus_docs[doc_id]
    assert (doc.title, doc.date, doc.year, doc.outlet) == EXPECTED[doc_id]


def test_years_separate_2023_from_2026(corpus_docs: dict[str, Document]) -> None:
    years = {doc_id: doc.year for doc_id, doc in corpus_docs.items()}
    assert years == {"000_f953bc0272d12e83": 2026, "001_ac7e4f98f3743c27": 2026, "004_ee9741430f072f91": 2023}


def test_byline_is_kept_in_extra(corpus_docs: dict[str, Document]) -> None:
    assert corpus_docs["004_ee9741430f072f91"].extra["byline"] == "本报记者 李贞"
    assert corpus_docs["000_f953bc0272d12e83"].extra["byline"] == "作者: 万维易源"


def test_general_rules_on_synthetic_texts() -> None:
    meta = extract_metadata(
        "# Annual Report\n\nBy: Jane Doe\n\nThe 2019 summit met on 2019年6月3日.", "a/b.md"
    )
    assert meta == {"title": "Annual Report", "date": "2019-06-03", "year": 2019, "outlet": "Jane Doe"}
    # No heading, no date, no year: title falls back to the first meaningful line, the rest is unknown.
    meta = extract_metadata("一句话。\n\n第二句话也没有日期。", "notes.txt")
    assert meta == {"title": "一句话。", "date": None, "year": None, "outlet": None}
    # A month-day date takes its year from its own sentence, even if the title names another year.
    meta = extract_metadata("2024 回顾\n\n6月1日至3日，2023博览会在上海举行。", "x.txt")
    assert meta["date"] == "2023-06-01" and meta["year"] == 2024
    assert extract_metadata("", "empty.txt")["title"] == "empty"
