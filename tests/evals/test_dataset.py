"""The eval datasets are valid, cover what issues 5 and 12 ask, and are honest about their sources.

forum.jsonl: the fact questions of issue 5. parity.jsonl: 33 new facts asked in all nine languages (24
answerable, 9 unanswerable) and 9 two-turn follow-ups in the eight foreign languages, for language parity.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from evals.dataset import SMOKE_IDS, EvalItem, load_items, smoke_items, suite_path
from evals.metrics import answer_matches
from kernel.errors import BadInputError, NotFoundError

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
OTHER_LANGUAGES = ("fr", "es", "de", "ja", "ko", "ru", "ar")
ALL_LANGUAGES = ("zh", "en", *OTHER_LANGUAGES)
PREVIEW_2026, REPORT_2026, REPORT_2023 = (
    "000_f953bc0272d12e83",
    "001_ac7e4f98f3743c27",
    "004_ee9741430f072f91",
)


@pytest.fixture(scope="module")
def items() -> list[EvalItem]:
    return load_items()


@pytest.fixture(scope="module")
def parity() -> list[EvalItem]:
    return load_items(suite_path("parity"))


@pytest.fixture(scope="module", params=["forum", "parity"])
def suite_items(request: pytest.FixtureRequest) -> list[EvalItem]:
    """Each suite in turn, for the checks both must pass."""
    return load_items(suite_path(request.param))


@pytest.fixture(scope="module")
def raw_texts() -> dict[str, str]:
    return {path.stem: path.read_text(encoding="utf-8") for path in CORPUS.glob("*.txt")}


@pytest.fixture(scope="module")
def cleaned_texts() -> dict[str, str]:
    from ingest.loaders import read_document

    return {path.stem: read_document(path, CORPUS).text for path in CORPUS.glob("*.txt")}


def test_dataset_is_large_enough_and_ids_are_unique(items: list[EvalItem]) -> None:
    assert len(items) >= 80
    assert len({item.id for item in items}) == len(items)


def test_counts_per_kind_meet_the_issue(items: list[EvalItem]) -> None:
    kinds = Counter(item.kind for item in items)
    assert set(kinds) == {"fact", "followup", "conflict", "unanswerable", "year-trap"}
    assert kinds["unanswerable"] >= 10
    assert kinds["followup"] >= 8
    unanswerable_languages = {item.language for item in items if item.kind == "unanswerable"}
    assert len(unanswerable_languages) >= 5


def test_every_question_is_in_chinese_and_english(items: list[EvalItem]) -> None:
    languages_per_fact: dict[str, set[str]] = {}
    for item in items:
        languages_per_fact.setdefault(item.fact_id, set()).add(item.language)
    missing = {fact: langs for fact, langs in languages_per_fact.items() if not {"zh", "en"} <= langs}
    assert not missing


def test_other_languages_have_about_four_items_each(items: list[EvalItem]) -> None:
    languages = Counter(item.language for item in items)
    assert sum(languages[lang] for lang in OTHER_LANGUAGES) >= 30
    assert all(languages[lang] >= 4 for lang in OTHER_LANGUAGES), languages


def test_all_three_articles_are_covered(items: list[EvalItem], raw_texts: dict[str, str]) -> None:
    cited = {doc for item in items for doc in item.gold_docs}
    assert cited == set(raw_texts) == {PREVIEW_2026, REPORT_2026, REPORT_2023}


def test_the_real_conflicts_name_both_2026_sources(items: list[EvalItem]) -> None:
    conflicts = [item for item in items if item.kind == "conflict"]
    assert {"c_countries_2026", "c_attendance_2026"} <= {item.fact_id for item in conflicts}
    for item in conflicts:
        assert sorted(item.gold_docs) == [PREVIEW_2026, REPORT_2026]
        # Neither source alone holds the accepted answer: the answer has to report the disagreement.
        for quote in item.gold_quotes:
            assert not answer_matches(quote, item.answers, "zh"), item.id


def test_gold_quotes_are_verbatim_single_line_text_of_the_raw_files(
    suite_items: list[EvalItem], raw_texts: dict[str, str]
) -> None:
    for item in suite_items:
        for doc_id, quote in zip(item.gold_docs, item.gold_quotes, strict=True):
            assert "\n" not in quote, item.id
            assert quote in raw_texts[doc_id], (item.id, quote)


def test_gold_quotes_are_verbatim_in_the_cleaned_documents(
    suite_items: list[EvalItem], cleaned_texts: dict[str, str]
) -> None:
    for item in suite_items:
        for doc_id, quote in zip(item.gold_docs, item.gold_quotes, strict=True):
            assert quote in cleaned_texts[doc_id], (item.id, quote)


def test_accepted_answers_appear_in_the_gold_quotes(suite_items: list[EvalItem]) -> None:
    for item in suite_items:
        if item.kind == "unanswerable":
            assert item.answers == [] and item.gold_doc is None
            continue
        assert answer_matches(" ".join(item.gold_quotes), item.answers, "zh"), item.id


def test_ids_and_fact_ids_follow_the_convention(suite_items: list[EvalItem]) -> None:
    for item in suite_items:
        assert item.id == f"{item.fact_id}-{item.language}", item.id
        assert item.fact_key != item.fact_id, f"{item.fact_id} has no kind prefix"


def test_year_traps_do_not_accept_the_other_editions_answer(items: list[EvalItem]) -> None:
    quotes = {item.fact_id: " ".join(item.gold_quotes) for item in items}
    checked = 0
    for item in items:
        if item.kind != "year-trap":
            continue
        other = item.fact_id[:-4] + ("2026" if item.fact_id.endswith("2023") else "2023")
        other_quote = quotes.get(other) or quotes["c_countries_2026"]
        assert not answer_matches(other_quote, item.answers, "zh"), item.id
        checked += 1
    assert checked >= 10


def test_followups_are_conversations_ending_with_the_user(items: list[EvalItem]) -> None:
    followups = [item for item in items if item.kind == "followup"]
    for item in followups:
        question = item.to_question(mode="extract")
        assert item.turns is not None
        assert question.message == item.turns[-1].content
        assert [turn.role for turn in question.history][:2] == ["user", "assistant"]
        assert question.mode == "extract"
    assert len({item.fact_id for item in followups}) >= 8


def test_smoke_items_are_a_mixed_dozen(items: list[EvalItem]) -> None:
    smoke = smoke_items()
    assert [item.id for item in smoke] == list(SMOKE_IDS)
    assert len(smoke) == 12
    assert len({item.kind for item in smoke}) == 5
    assert len({item.language for item in smoke}) >= 8


def _good_item(**changes: object) -> dict[str, object]:
    item: dict[str, object] = {
        "id": "x-zh",
        "kind": "fact",
        "language": "zh",
        "question": "2023中关村论坛举办了多少场平行论坛？",
        "answers": [["55"]],
        "gold_doc": REPORT_2023,
        "gold_quote": "此外，今年中关村论坛还举办了55场平行论坛",
        "fact_id": "x",
    }
    item.update(changes)
    return item


@pytest.mark.parametrize(
    "changes",
    [
        {"kind": "followup"},  # a follow-up needs turns
        {"kind": "unanswerable"},  # an unanswerable item has no answers or gold
        {"kind": "conflict"},  # a conflict needs two sources
        {"answers": [[]]},
        {"gold_quote": None},
        {"language": "english"},
        {"extra_field": 1},
    ],
)
def test_inconsistent_items_are_rejected(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        EvalItem.model_validate(_good_item(**changes))


def test_load_items_reports_bad_lines_and_duplicates(tmp_path: Path) -> None:
    good = json.dumps(_good_item(), ensure_ascii=False)
    path = tmp_path / "items.jsonl"
    path.write_text(good + "\n" + good + "\n", encoding="utf-8")
    with pytest.raises(BadInputError, match="repeats the id"):
        load_items(path)
    path.write_text(good + "\n{not json\n", encoding="utf-8")
    with pytest.raises(BadInputError, match="Line 2"):
        load_items(path)
    with pytest.raises(NotFoundError):
        load_items(tmp_path / "missing.jsonl")
    path.write_text(good + "\n\n", encoding="utf-8")
    assert [item.id for item in load_items(path)] == ["x-zh"]


# ---------------------------------------------------------------- the parity suite (issue 12)


def test_parity_suite_has_the_documented_shape(parity: list[EvalItem]) -> None:
    assert len(parity) == 369
    assert Counter(item.kind for item in parity) == {"fact": 216, "unanswerable": 81, "followup": 72}
    languages: dict[str, set[str]] = {}
    for item in parity:
        languages.setdefault(item.fact_id, set()).add(item.language)
        prefix = item.fact_id.partition("_")[0]
        assert (prefix, item.kind) in {("p", "fact"), ("pu", "unanswerable"), ("pfu", "followup")}, item.id
    facts = [fact for fact in languages if not fact.startswith("pfu_")]
    followups = [fact for fact in languages if fact.startswith("pfu_")]
    assert (len(facts), len(followups)) == (33, 9)
    assert all(languages[fact] == set(ALL_LANGUAGES) for fact in facts)
    assert all(languages[fact] == set(ALL_LANGUAGES) - {"zh"} for fact in followups)


def test_parity_facts_have_the_same_gold_in_every_language(parity: list[EvalItem]) -> None:
    gold: dict[str, set[str]] = {}
    for item in parity:
        key = json.dumps([item.answers, item.gold_docs, item.gold_quotes], ensure_ascii=False)
        gold.setdefault(item.fact_key, set()).add(key)  # a follow-up has the gold of its fact
    assert all(len(found) == 1 for found in gold.values())


def test_parity_followups_are_two_turn_conversations(parity: list[EvalItem]) -> None:
    for item in parity:
        if item.kind == "followup":
            assert item.turns is not None and [t.role for t in item.turns] == ["user", "assistant", "user"]


def test_ids_are_unique_across_both_suites(items: list[EvalItem], parity: list[EvalItem]) -> None:
    ids = [item.id for item in items + parity]
    assert len(ids) == len(set(ids))
    assert not {item.fact_id for item in items} & {item.fact_id for item in parity}


def test_no_parity_fact_repeats_a_forum_gold_quote(items: list[EvalItem], parity: list[EvalItem]) -> None:
    forum_quotes = {quote for item in items for quote in item.gold_quotes}
    for item in parity:
        for quote in item.gold_quotes:
            overlapping = [old for old in forum_quotes if quote in old or old in quote]
            assert not overlapping, (item.id, quote, overlapping)


def test_parity_questions_do_not_contain_their_answers(parity: list[EvalItem]) -> None:
    """An answer that only echoes the question (or, for a follow-up, the conversation) must not pass."""
    for item in parity:
        if item.answers:
            text = " ".join(turn.content for turn in item.turns) if item.turns else item.message
            assert not answer_matches(text, item.answers, item.language), item.id
