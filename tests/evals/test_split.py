"""The fixed dev/test split (evals/data/split.json): by fact key, complete, and never straddling."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from evals.dataset import (
    DEV_SHARE,
    SPLITS,
    EvalItem,
    fact_key,
    items_for,
    load_items,
    propose_split,
    read_split,
    split_counts,
    split_path,
    suite_path,
)
from kernel.errors import BadInputError, NotFoundError

SUITES = ("forum", "parity")


@pytest.fixture(scope="module")
def suites() -> dict[str, list[EvalItem]]:
    return {suite: load_items(suite_path(suite)) for suite in SUITES}


@pytest.fixture(scope="module")
def raw() -> dict[str, object]:
    return json.loads(split_path().read_text(encoding="utf-8"))


def test_fact_keys_drop_the_kind_prefix() -> None:
    assert fact_key("yt_parallel_2023") == fact_key("fu_parallel_2023") == "parallel_2023"
    assert fact_key("c_countries_2026") == fact_key("fu_countries_2026") == "countries_2026"
    assert fact_key("p_gel_cold") == fact_key("pfu_gel_cold") == "gel_cold"
    assert fact_key("pu_deal_value_2023") == "deal_value_2023"
    assert fact_key("u_wifi") == "wifi" and fact_key("f_days_2023") == "days_2023"
    assert fact_key("x") == "x"


def test_the_file_holds_explicit_lists_and_says_how(raw: dict[str, object]) -> None:
    assert set(raw) == {"how", "dev", "test"}
    assert "fact key" in str(raw["how"]) and "never regenerate" in str(raw["how"])
    for side in SPLITS:
        keys = raw[side]
        assert isinstance(keys, list) and keys == sorted(set(keys))


def test_every_item_key_is_in_exactly_one_list(
    suites: dict[str, list[EvalItem]], raw: dict[str, list[str]]
) -> None:
    dev, test = set(raw["dev"]), set(raw["test"])
    assert not dev & test
    used: set[str] = set()
    for items in suites.values():
        for item in items:
            assert (item.fact_key in dev) != (item.fact_key in test), item.id
            used.add(item.fact_key)
    assert used == dev | test, "split.json lists keys no item uses"


def test_no_fact_key_straddles(suites: dict[str, list[EvalItem]]) -> None:
    for items in suites.values():
        sides: dict[str, set[str]] = defaultdict(set)  # every kind and language of a fact: one side
        for item in items:
            sides[item.fact_key].add(item.split)
        assert all(len(found) == 1 for found in sides.values())
    forum = {item.id: item for item in suites["forum"]}
    assert forum["fu_parallel_2023-en"].split == forum["yt_parallel_2023-en"].split
    assert forum["fu_countries_2026-en"].split == forum["c_countries_2026-zh"].split
    parity = {item.id: item for item in suites["parity"]}
    assert {parity[f"pfu_gel_cold-{lang}"].split for lang in ("en", "ar")} == {parity["p_gel_cold-zh"].split}


def test_the_suites_use_different_fact_keys(suites: dict[str, list[EvalItem]]) -> None:
    forum, parity = ({item.fact_key for item in suites[s]} for s in SUITES)
    assert not forum & parity


def test_shares_half_of_forum_and_a_quarter_of_parity_are_dev(suites: dict[str, list[EvalItem]]) -> None:
    forum = split_counts(suites["forum"])
    assert forum["dev"]["fact_keys"] + forum["test"]["fact_keys"] == 53
    assert abs(forum["dev"]["fact_keys"] - forum["test"]["fact_keys"]) <= 1
    parity = split_counts(suites["parity"])
    keys = parity["dev"]["fact_keys"] + parity["test"]["fact_keys"]
    assert parity["dev"]["fact_keys"] == round(keys * DEV_SHARE["parity"])
    assert parity["test"]["items"] > 3 * parity["dev"]["items"]  # most of the parity suite is test
    # Every language and kind is measured on the test side of each suite.
    for suite in SUITES:
        test = [item for item in suites[suite] if item.split == "test"]
        assert {item.language for item in test} == {item.language for item in suites[suite]}
        assert {item.kind for item in test} == {item.kind for item in suites[suite]}


def test_the_committed_split_is_what_the_documented_rule_gave(suites: dict[str, list[EvalItem]]) -> None:
    """True while no fact has been added; after that, new keys are placed by hand (see `how`)."""
    sides = read_split()
    for suite, items in suites.items():
        proposed = propose_split(items, DEV_SHARE[suite])
        assert {
            side: sorted(k for k in {i.fact_key for i in items} if sides[k] == side) for side in SPLITS
        } == (proposed)


def test_items_for_each_side(suites: dict[str, list[EvalItem]]) -> None:
    for suite in SUITES:
        dev, test, every = (items_for(side, suite) for side in ("dev", "test", "all"))
        assert {i.id for i in dev} | {i.id for i in test} == {i.id for i in every}
        assert not {i.id for i in dev} & {i.id for i in test}
        assert all(i.split == "dev" for i in dev) and all(i.split == "test" for i in test)
    with pytest.raises(BadInputError, match="Unknown split"):
        items_for("train")
    with pytest.raises(BadInputError, match="Unknown dataset"):
        items_for("test", "xquad")


def test_propose_split_is_deterministic_and_stratified(suites: dict[str, list[EvalItem]]) -> None:
    items = suites["forum"]
    first = propose_split(items, 0.5)
    assert first == propose_split(list(reversed(items)), 0.5)
    assert not set(first["dev"]) & set(first["test"])
    # Each main kind is split in about half.
    for prefix in ("yt", "u", "f"):
        keys = {i.fact_key for i in items if i.fact_id.startswith(prefix + "_")}
        dev = len(keys & set(first["dev"]))
        assert abs(2 * dev - len(keys)) <= 2, prefix


def test_a_bad_split_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "split.json"
    path.write_text(json.dumps({"dev": ["a"], "test": ["a"]}), encoding="utf-8")
    with pytest.raises(BadInputError, match="twice"):
        read_split(path)
    path.write_text(json.dumps({"dev": ["a"]}), encoding="utf-8")
    with pytest.raises(BadInputError, match="'test'"):
        read_split(path)
    with pytest.raises(NotFoundError):
        read_split(tmp_path / "missing.json")


def test_an_unlisted_fact_key_is_a_clear_error() -> None:
    item = EvalItem.model_validate(
        {
            "id": "f_new-zh",
            "kind": "unanswerable",
            "language": "zh",
            "question": "？",
            "answers": [],
            "gold_doc": None,
            "gold_quote": None,
            "fact_id": "f_new",
        }
    )
    with pytest.raises(NotFoundError, match="neither list"):
        _ = item.split
