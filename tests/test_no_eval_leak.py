"""The product must not know the eval: no eval question or gold quote is copied into its code or prompts.

Issue 12's rule, made checkable for every script: a run of 12 characters in Han, kana or Hangul text, or a
run of 4 words in space-separated languages (12 characters alone would match ordinary words such as
" translation"), shared between product text and an eval question or gold quote, fails the test. The
forum's own name is masked first: naming the forum is fine, copying the eval is not.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PRODUCT = ("kernel", "assistant", "ingest", "vectorstore", "ui")
SUFFIXES = {".py", ".css", ".js", ".json", ".md", ".txt"}
CJK_RUN = 12
WORD_RUN = 4
_FORUM_NAME = re.compile(
    r"zhongguancun|中关村论坛|中关村|中関村フォーラム|中関村|중관[촌춘] ?포럼|중관[촌춘]|forums?|foro|"
    r"форум\w*|чжунгуаньцун\w*|منتدى|تشونغ ?قوان ?تسون",
    re.IGNORECASE,
)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af0-9０-９，。、：；]{" + str(CJK_RUN) + ",}")
_WORD = re.compile(r"\w+")


def _eval_texts() -> list[str]:
    texts: list[str] = []
    for path in sorted((REPO / "evals" / "data").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            asked = [item["question"]] if item.get("question") else []
            asked += [t["content"] for t in item.get("turns") or [] if t["role"] == "user"]
            quotes = item.get("gold_quote") or []
            texts += asked + ([quotes] if isinstance(quotes, str) else list(quotes))
    return texts


def _runs(text: str) -> set[str]:
    """Every CJK character run and word run of the text, the forum's name masked out."""
    found: set[str] = set()
    for part in _FORUM_NAME.sub("\0", text.lower()).split("\0"):
        for run in _CJK.findall(part):
            found.update(run[i : i + CJK_RUN] for i in range(len(run) - CJK_RUN + 1))
        words = _WORD.findall(part)
        found.update(" ".join(words[i : i + WORD_RUN]) for i in range(len(words) - WORD_RUN + 1))
    return found


def _product_files() -> list[Path]:
    return [
        path
        for package in PRODUCT
        for path in sorted((REPO / package).rglob("*"))
        if path.suffix in SUFFIXES and "__pycache__" not in path.parts
    ]


def test_the_rule_catches_a_copied_question_and_spares_the_forum_name() -> None:
    evals = _runs(
        "今年共有来自五十多个国家和地区的嘉宾参加了开幕式。 Which countries sent the most guests in 2023?"
    )
    assert _runs("prompt = 'which countries sent the most'") & evals
    assert _runs("例子：共有来自五十多个国家和地区的嘉宾") & evals
    assert not _runs("Welcome to the Zhongguancun Forum assistant") & evals


def test_no_product_file_copies_an_eval_question_or_gold_quote() -> None:
    evals = set().union(*(_runs(text) for text in _eval_texts()))
    assert len(evals) > 1000, "the eval data was not found"
    leaks = {
        str(path.relative_to(REPO)): sorted(_runs(path.read_text(encoding="utf-8")) & evals)[:5]
        for path in _product_files()
    }
    leaks = {path: runs for path, runs in leaks.items() if runs}
    if leaks:
        pytest.fail(f"Eval text copied into the product (write your own examples instead): {leaks}")
