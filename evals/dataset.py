"""The fact-question datasets: one `EvalItem` per JSONL line (data/forum.jsonl, data/parity.jsonl).

`answers` is a list of groups: every group must be matched, any alternative inside a group suffices
(`[["3月", "March"], ["25"], ["29"]]` means month, first day and last day must all be there).
Unanswerable items have no answers and no gold document; conflict items name one gold document and one
gold quote per disagreeing source.

Dev/test split (data/split.json): the unit is the fact key, the `fact_id` without its kind prefix, so a
follow-up (`fu_parallel_2023`) sits with its fact (`yt_parallel_2023`) and every language of a fact sits
on the same side. The file lists the keys of each side explicitly, so the split never changes silently;
`propose_split` is the rule it was made with. Tune on dev; report test.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections import Counter
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assistant.schema import Mode, Question, Turn
from kernel.errors import BadInputError, NotFoundError

Kind = Literal["fact", "followup", "conflict", "unanswerable", "year-trap"]
KINDS: tuple[Kind, ...] = ("fact", "followup", "conflict", "unanswerable", "year-trap")

SUITE_FILES: dict[str, str] = {"forum": "forum.jsonl", "parity": "parity.jsonl"}
Split = Literal["dev", "test"]
SPLITS: tuple[Split, ...] = get_args(Split)
# Kind prefixes of fact ids (forum: f_ fu_ yt_ c_ u_; parity: p_ pu_ pfu_; XQuAD: xq_); the rest is the
# fact key.
FACT_PREFIXES = ("pfu", "pu", "fu", "yt", "f", "c", "u", "p", "xq")
# Share of each suite's fact keys on the dev side (the rest is test): most of the parity suite is kept for
# reporting.
DEV_SHARE: dict[str, float] = {"forum": 0.5, "parity": 0.25}
# Main kind of a fact key, for stratifying the split: a key with a year trap and its follow-up counts as a
# year trap.
STRATA = ("c", "yt", "u", "f", "p", "pu", "fu", "pfu")

# The CI smoke suite: a dozen items across kinds and languages, all answerable extractively
# (the accepted answers appear in the Chinese gold sentence) or refusals.
SMOKE_IDS: tuple[str, ...] = (
    "yt_parallel_2023-zh",
    "yt_dates_2026-en",
    "f_nobel_2023-fr",
    "f_exhibits_2026-es",
    "f_rd_intensity-de",
    "f_swahili-ja",
    "f_quafu_precision-ko",
    "f_engineering_fronts-ru",
    "c_countries_2026-en",
    "fu_park_2023-zh",
    "u_wifi-en",
    "u_dates_2027-ar",
)


class EvalItem(BaseModel):
    """One evaluation question with its accepted answers and the gold evidence."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    kind: Kind
    language: str = Field(pattern=r"^[a-z]{2}$")
    question: str | None = None
    turns: list[Turn] | None = None
    answers: list[list[str]]
    gold_doc: str | list[str] | None
    gold_quote: str | list[str] | None
    fact_id: str = Field(min_length=1)
    notes: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> EvalItem:
        # A follow-up is a conversation; every other kind is a single question.
        if self.kind == "followup":
            if self.question is not None or not self.turns:
                raise ValueError("a followup item needs `turns` and no `question`")
            roles = [turn.role for turn in self.turns]
            if len(roles) < 3 or roles[-1] != "user" or any(a == b for a, b in itertools.pairwise(roles)):
                raise ValueError("`turns` must alternate user/assistant and end with the user's question")
        elif self.turns is not None or not (self.question and self.question.strip()):
            raise ValueError("a non-followup item needs a non-empty `question` and no `turns`")

        if self.kind == "unanswerable":
            if self.answers or self.gold_doc is not None or self.gold_quote is not None:
                raise ValueError("an unanswerable item has answers [] and no gold_doc or gold_quote")
            return self
        if not self.answers or any(
            not group or not all(alt.strip() for alt in group) for group in self.answers
        ):
            raise ValueError("answers must be non-empty groups of non-empty alternatives")
        docs, quotes = self.gold_docs, self.gold_quotes
        if not docs or len(docs) != len(quotes) or not all(quotes):
            raise ValueError("gold_doc and gold_quote must both be given, one quote per gold document")
        if self.kind == "conflict" and len(set(docs)) < 2:
            raise ValueError("a conflict item names at least two gold documents")
        return self

    @property
    def gold_docs(self) -> list[str]:
        """Gold document ids as a list (empty for unanswerable items)."""
        return _as_list(self.gold_doc)

    @property
    def gold_quotes(self) -> list[str]:
        """Gold quotes as a list, aligned with `gold_docs`."""
        return _as_list(self.gold_quote)

    @property
    def fact_key(self) -> str:
        """The fact this item asks about, whatever its kind and language (`fu_days_2023` -> `days_2023`)."""
        return fact_key(self.fact_id)

    @property
    def split(self) -> Split:
        """`dev` or `test`, from data/split.json (NotFoundError for a fact key it does not list)."""
        return split_of(self.fact_key)

    @property
    def message(self) -> str:
        """The text the engine is asked now: the question, or the last user turn of a conversation."""
        if self.turns:
            return self.turns[-1].content
        return self.question or ""

    @property
    def history(self) -> list[Turn]:
        """The conversation before `message` (empty for single questions)."""
        return list(self.turns[:-1]) if self.turns else []

    def to_question(self, language: str = "auto", mode: Mode = "auto") -> Question:
        """The item as the engine's `Question` (language `auto` lets the engine detect it)."""
        return Question(message=self.message, history=self.history, language=language, mode=mode)


def _as_list(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def fact_key(fact_id: str) -> str:
    """The fact id without its kind prefix (`yt_parallel_2023`, `fu_parallel_2023` -> `parallel_2023`)."""
    prefix, _, rest = fact_id.partition("_")
    return rest if prefix in FACT_PREFIXES and rest else fact_id


def _data_path(name: str) -> Path:
    return Path(str(resources.files("evals") / "data" / name))


def default_path() -> Path:
    """Path of the packaged forum.jsonl."""
    return _data_path("forum.jsonl")


def suite_path(suite: str) -> Path:
    """Path of a packaged suite's JSONL (`forum`, `parity`)."""
    if suite not in SUITE_FILES:
        raise BadInputError(f"Unknown dataset {suite!r}; choose one of {', '.join(SUITE_FILES)}.")
    return _data_path(SUITE_FILES[suite])


def split_path() -> Path:
    """Path of the packaged split.json."""
    return _data_path("split.json")


def xquad_split_path() -> Path:
    """Path of the packaged xquad_split.json (the XQuAD question ids of each side; evals/xquad_answers.py)."""
    return _data_path("xquad_split.json")


def load_items(path: str | Path | None = None) -> list[EvalItem]:
    """Read and validate a JSONL dataset (default: the packaged forum.jsonl); ids must be unique."""
    source = Path(path) if path is not None else default_path()
    try:
        lines = source.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as exc:
        raise NotFoundError(
            f"The eval dataset {source} does not exist; pass the path of a JSONL file."
        ) from exc
    items: list[EvalItem] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = EvalItem.model_validate(json.loads(line))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise BadInputError(f"Line {number} of {source} is not a valid eval item; fix it: {exc}") from exc
        if item.id in seen:
            raise BadInputError(f"Line {number} of {source} repeats the id {item.id!r}; ids must be unique.")
        seen.add(item.id)
        items.append(item)
    return items


def smoke_items(path: str | Path | None = None) -> list[EvalItem]:
    """The fixed CI dozen (`SMOKE_IDS`), in that order."""
    by_id = {item.id: item for item in load_items(path)}
    missing = [item_id for item_id in SMOKE_IDS if item_id not in by_id]
    if missing:
        raise NotFoundError(
            f"The smoke ids {missing} are not in the dataset; update SMOKE_IDS in evals/dataset.py."
        )
    return [by_id[item_id] for item_id in SMOKE_IDS]


# ---------------------------------------------------------------- dev/test split


def read_split(path: str | Path | None = None) -> dict[str, Split]:
    """Fact key -> side, from split.json (default: the packaged one); a key on both sides is an error."""
    source = Path(path) if path is not None else split_path()
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise NotFoundError(f"The split file {source} does not exist.") from exc
    except json.JSONDecodeError as exc:
        raise BadInputError(f"{source} is not valid JSON: {exc}") from exc
    sides: dict[str, Split] = {}
    for side in SPLITS:
        keys = data.get(side)
        if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
            raise BadInputError(f"{source} needs a list of fact keys under {side!r}.")
        for key in keys:
            if key in sides:
                raise BadInputError(f"{source} lists the fact key {key!r} twice; each key is dev or test.")
            sides[key] = side
    return sides


@cache
def _packaged_split() -> dict[str, Split]:
    # The XQuAD sample's keys (question ids, hex) never collide with the fact keys of split.json.
    return {**read_split(), **read_split(xquad_split_path())}


def split_of(key: str) -> Split:
    """The side of a fact key in the packaged split.json."""
    try:
        return _packaged_split()[key]
    except KeyError:
        raise NotFoundError(
            f"The fact key {key!r} is in neither list of {split_path()}; add it to one of them by hand "
            "(test, unless it is needed for tuning): the split must never change silently."
        ) from None


def items_for(split: str, suite: str = "forum") -> list[EvalItem]:
    """The suite's items on one side of the split: `dev`, `test`, or `all` (both, in file order)."""
    if split not in (*SPLITS, "all"):
        raise BadInputError(f"Unknown split {split!r}; choose dev, test or all.")
    items = load_items(suite_path(suite))
    return items if split == "all" else [item for item in items if item.split == split]


def propose_split(items: Iterable[EvalItem], dev_share: float) -> dict[str, list[str]]:
    """The rule split.json was made with (deterministic, blind to any results).

    Fact keys are grouped by their main kind (the first of `STRATA` among the key's fact-id prefixes, so
    year traps, conflicts, unanswerables and plain facts are each split in proportion), each group ordered
    by the SHA-256 hex digest of the key; walking the groups in `STRATA` order, the j-th key overall
    (from 0) is dev when floor((j + 1) * dev_share) > floor(j * dev_share), else test. Lists sorted.
    """
    prefixes: dict[str, set[str]] = {}
    for item in items:
        prefixes.setdefault(item.fact_key, set()).add(item.fact_id.partition("_")[0])
    rank = {prefix: n for n, prefix in enumerate(STRATA)}

    def order(key: str) -> tuple[int, str]:
        main = min((rank.get(p, len(STRATA)) for p in prefixes[key]), default=len(STRATA))
        return main, hashlib.sha256(key.encode("utf-8")).hexdigest()

    split: dict[str, list[str]] = {"dev": [], "test": []}
    for j, key in enumerate(sorted(prefixes, key=order)):
        split["dev" if int((j + 1) * dev_share) > int(j * dev_share) else "test"].append(key)
    return {side: sorted(keys) for side, keys in split.items()}


def split_counts(items: Iterable[EvalItem]) -> dict[str, dict[str, int]]:
    """Items and distinct fact keys per side."""
    keys: dict[str, set[str]] = {}
    items_per: Counter[str] = Counter()
    for item in items:
        keys.setdefault(item.split, set()).add(item.fact_key)
        items_per[item.split] += 1
    return {side: {"items": items_per[side], "fact_keys": len(keys[side])} for side in SPLITS if side in keys}
