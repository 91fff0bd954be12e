"""XQuAD end to end: the full engine answers XQuAD questions over the 240 Chinese paragraphs.

`forum-assistant eval --suite xquad-answers --split test|dev|all [--config …] [--limit N]`. The paragraphs
are the eval index `xquad` (the same one `--suite xquad` builds, through our real ingest path); each
sampled question id is asked in zh, en, es, de, ru and ar as an `EvalItem`, so the fact suites' runner,
scoring and report apply unchanged: correct = not refused and the answer holds a gold answer in the
question's language or in Chinese; correct in language as the parity suite scores it. This module adds
what is XQuAD-specific: the fixed sample (data/xquad_split.json), the items, and a per-language table with
refusals, citations of the gold paragraph and latency beside correctness.

The sample: `propose_xquad_split` picks 140 question ids evenly spaced over the 1190 (ordered by paragraph,
then id), 2 of every 7 of them dev (40), the rest test (100); an id's six languages are one fact, so they
always sit on the same side. The file lists the ids and is the split; the rule only made it.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evals import metrics
from evals.configs import eval_settings
from evals.dataset import SPLITS, EvalItem, read_split, xquad_split_path
from evals.markdown import table
from evals.runner import ConfigResult, ItemRecord
from evals.xquad import LANGS, XQuestion, load_xquad, write_corpus
from kernel.errors import BadInputError
from kernel.settings import Settings

SAMPLE_IDS = 140
DEV_SHARE = 2 / 7  # 40 of the 140 ids for tuning, 100 for reporting
DEFAULT_CONFIGS = ["hybrid-generate"]  # the engine as it serves: hybrid retrieval, 0.5B / 1.5B, verified
INDEX_NAME = "xquad"  # shared with `--suite xquad`: one index of the paragraphs
FACT_PREFIX = "xq"  # fact_id `xq_<question id>`; its fact key (the split unit) is the question id
_SENTENCE_END = re.compile(r"[。！？!?；]")
NOTE = (
    "XQuAD (CC BY-SA 4.0): the 240 Chinese paragraphs are the corpus (one document each, p000…p239); "
    "each sampled question id (evals/data/xquad_split.json) is asked in zh, en, es, de, ru and ar. "
    "Correct: not refused and holds a gold answer in the question's language or in Chinese. The split "
    "unit is the question id (its six languages together), not a fact of split.json."
)


def propose_xquad_split(
    ids: Sequence[str], size: int = SAMPLE_IDS, dev_share: float = DEV_SHARE
) -> dict[str, list[str]]:
    """The rule data/xquad_split.json was made with (deterministic, blind to any results).

    `ids`: every question id in paragraph order. Take `size` ids at positions floor(i * len / size); the
    j-th taken (from 0) is dev when floor((j + 1) * dev_share) > floor(j * dev_share), else test. Lists in
    paragraph order.
    """
    step = len(ids) / size
    taken = [ids[math.floor(i * step)] for i in range(min(size, len(ids)))]
    split: dict[str, list[str]] = {"dev": [], "test": []}
    for j, qid in enumerate(taken):
        split["dev" if int((j + 1) * dev_share) > int(j * dev_share) else "test"].append(qid)
    return split


def sample_ids(split: str) -> list[str]:
    """The committed question ids of one side (`dev`, `test`) or of both (`all`: test first)."""
    sides = read_split(xquad_split_path())
    if split == "all":
        return [q for side in ("test", "dev") for q in sides if sides[q] == side]
    if split not in SPLITS:
        raise BadInputError(f"Unknown split {split!r}; choose dev, test or all.")
    return [qid for qid, side in sides.items() if side == split]


def gold_sentence(paragraph: str, answer: str, start: int) -> str:
    """The sentence of the paragraph holding the Chinese gold answer (at `start`, else its first match).

    It is the item's gold quote: a citation overlapping it counts as citing the gold evidence.
    """
    if paragraph[start : start + len(answer)] != answer:
        start = paragraph.find(answer)
    if start < 0:
        return answer
    begin = max((m.end() for m in _SENTENCE_END.finditer(paragraph, 0, start)), default=0)
    end_match = _SENTENCE_END.search(paragraph, start + len(answer))
    end = end_match.end() if end_match else len(paragraph)
    return paragraph[begin:end].strip()


def as_item(q: XQuestion, paragraph: str) -> EvalItem:
    """One XQuAD question in one language as an eval item: accepted answers are the gold answers in the
    question's language and in Chinese (one group: any of them), the gold document its paragraph."""
    accepted = [a for a in dict.fromkeys((*q.answers, *q.zh_answers)) if a.strip()]
    return EvalItem(
        id=f"{FACT_PREFIX}_{q.qid}-{q.language}",
        kind="fact",
        language=q.language,
        question=q.question,
        answers=[accepted],
        gold_doc=q.doc_id,
        gold_quote=gold_sentence(paragraph, q.zh_answers[0], q.zh_start),
        fact_id=f"{FACT_PREFIX}_{q.qid}",
    )


def xquad_items(bench: Path, split: str, limit: int | None = None) -> list[EvalItem]:
    """The sampled ids of `split`, each asked in the six languages (an id's six items are adjacent).

    `limit`: at most this many ids, evenly spaced over the side's list (so `--limit 10` asks 60 items).
    """
    ids = sample_ids(split)
    if limit and limit < len(ids):
        ids = [ids[math.floor(i * len(ids) / limit)] for i in range(limit)]
    paragraphs, questions = load_xquad(bench)
    by_id = {(q.qid, q.language): q for qs in questions.values() for q in qs}
    missing = [qid for qid in ids if any((qid, lang) not in by_id for lang in LANGS)]
    if missing:
        raise BadInputError(
            f"{xquad_split_path()} names ids missing from XQuAD in some language: {missing[:5]}"
        )
    return [as_item(by_id[qid, lang], paragraphs[by_id[qid, lang].para]) for qid in ids for lang in LANGS]


def prepare_corpus(settings: Settings) -> Path:
    """Write the paragraphs as the corpus folder of the `xquad` eval index (unchanged files stay)."""
    paragraphs, _ = load_xquad(settings.benchmarks_dir)
    corpus = eval_settings(settings, INDEX_NAME).data_dir / "corpus"
    write_corpus(corpus, paragraphs)
    return corpus


# ---------------------------------------------------------------- the XQuAD table


def cites_gold(record: ItemRecord) -> bool:
    """The answer cites the gold paragraph's document (refusals never count)."""
    return not record.refused and any(c["doc_id"] in record.gold_docs for c in record.citations)


def language_rows(records: Sequence[ItemRecord]) -> dict[str, dict[str, Any]]:
    """Per language (zh first, then LANGS order, then `all`): n, correct, correct in language, parity
    ratio (its correct in language ÷ zh correct), refusal rate, share of answers citing the gold paragraph
    (over the answers that are not refusals), p50/p95 of the total latency in ms."""
    by_lang: dict[str, list[ItemRecord]] = defaultdict(list)
    for r in records:
        by_lang[r.language].append(r)
    figures = metrics.language_figures((r.language, r.correct, r.correct_in_language) for r in records)
    order = [lang for lang in LANGS if lang in by_lang] + sorted(set(by_lang) - set(LANGS))
    rows: dict[str, dict[str, Any]] = {}
    for lang in [*order, "all"]:
        rs = records if lang == "all" else by_lang[lang]
        answered = [r for r in rs if not r.refused]
        totals = [r.timings_ms["total"] for r in rs if "total" in r.timings_ms]
        rows[lang] = {
            "n": len(rs),
            "correct": figures[lang]["correct"],
            "correct_in_language": figures[lang]["correct_in_language"],
            "parity_ratio": figures[lang]["parity_ratio"],
            "refused": sum(r.refused for r in rs) / len(rs) if rs else None,
            "cites_gold": sum(cites_gold(r) for r in answered) / len(answered) if answered else None,
            "p50_ms": metrics.percentile(totals, 50) if totals else None,
            "p95_ms": metrics.percentile(totals, 95) if totals else None,
        }
    return rows


def xquad_extra(results: Sequence[ConfigResult]) -> dict[str, Any]:
    """The per-language XQuAD table of every configuration (report.json `extra.xquad_languages`)."""
    return {result.spec.name: language_rows(result.records) for result in results}


_COLUMNS = (
    ("correct", "correct"),
    ("correct in language", "correct_in_language"),
    ("parity ratio", "parity_ratio"),
    ("refused", "refused"),
    ("cites gold paragraph (of answers)", "cites_gold"),
    ("p50 ms", "p50_ms"),
    ("p95 ms", "p95_ms"),
)


def xquad_answer_sections(per_config: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    """One markdown table per configuration: the languages as rows, the XQuAD figures as columns."""
    out = [
        "## XQuAD answers per question language",
        "",
        "Correct: not a refusal, and the answer holds a gold answer in the question's language or in Chinese "
        "(evals/normalize.py: digits, width, case, accents). Correct in language: also written in the "
        "asker's language (`assistant/language/written.py`). Parity ratio: correct in language ÷ zh correct. "
        "Cites gold paragraph: share of the non-refused answers with a citation from the question's paragraph.",
    ]
    for name, rows in per_config.items():
        body = [
            [lang, row["n"], *(_ms(row[key]) if key.endswith("_ms") else row[key] for _, key in _COLUMNS)]
            for lang, row in rows.items()
        ]
        out += ["", f"### {name}", "", table(["language", "n", *(label for label, _ in _COLUMNS)], body)]
    return [*out, ""]


def _ms(value: float | None) -> int | None:
    return None if value is None else round(value)


def write_split_file(path: Path, bench: Path) -> dict[str, list[str]]:
    """(Re)make the split file from the rule; only for the record: the committed file is the split."""
    _, questions = load_xquad(bench, ("zh",))
    split = propose_xquad_split([q.qid for q in questions["zh"]])
    how = (
        "Fixed XQuAD sample for `eval --suite xquad-answers`, made with evals.xquad_answers.propose_xquad_split: "
        f"{SAMPLE_IDS} question ids evenly spaced over the 1190 (ordered by paragraph, then id), "
        "2 of every 7 of them dev, the rest test. Each id is asked in zh, en, es, de, ru and ar, all on its side. These "
        "lists ARE the split: never regenerate them. Tune on dev only; report test."
    )
    path.write_text(json.dumps({"how": how, **split}, indent=1) + "\n", encoding="utf-8")
    return split
