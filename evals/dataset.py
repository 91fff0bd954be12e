"""The forum fact-question dataset: one `EvalItem` per JSONL line (see data/forum.jsonl).

`answers` is a list of groups: every group must be matched, any alternative inside a group suffices
(`[["3月", "March"], ["25"], ["29"]]` means month, first day and last day must all be there).
Unanswerable items have no answers and no gold document; conflict items name one gold document and one
gold quote per disagreeing source.
"""

from __future__ import annotations

import itertools
import json
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assistant.schema import Mode, Question, Turn
from kernel.errors import BadInputError, NotFoundError

Kind = Literal["fact", "followup", "conflict", "unanswerable", "year-trap"]
KINDS: tuple[Kind, ...] = ("fact", "followup", "conflict", "unanswerable", "year-trap")

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


def default_path() -> Path:
    """Path of the packaged forum.jsonl."""
    return Path(str(resources.files("evals") / "data" / "forum.jsonl"))


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
