"""report.md: the tables people read, rendered from report.json (evals.report writes both)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


def split_of(name: str) -> str:
    """The split suffix of a configuration column (`hybrid-extract [dev]` -> `[dev]`; none: "")."""
    base, _, suffix = name.rpartition(" [")
    return f"[{suffix}" if base and suffix.endswith("]") else ""


def split_title(report: dict[str, Any]) -> str:
    """The split for a title: ", test split", ", test and dev splits", or "" for unsplit suites."""
    split = report.get("split")
    if split == "all":
        return ", test and dev splits"
    return f", {split} split" if split else ""


def fmt(value: Any, digits: int = 2) -> str:
    """A cell: numbers rounded, None as an en dash."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(fmt(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _get(summary: dict[str, Any], path: str) -> Any:
    value: Any = summary
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def header_lines(report: dict[str, Any]) -> list[str]:
    """Title, date, split, machine (with its load) and settings."""
    m, s = report["machine"], report["settings"]
    split = report.get("split")
    title = f"# Eval report: {report['suite']} suite{split_title(report)}"
    lines = [
        title,
        "",
        f"- Date: {report['created']}; total runtime {report['runtime_s'] / 60:.1f} min",
    ]
    if split:
        lines.append(f"- Split: {split_line(report)}")
    return [
        *lines,
        f"- Machine: {m['nproc']} cores, {m['ram_gib']} GiB RAM, {m['cpu_model']}; {m['platform']}, "
        f"Python {m['python']}; load average at start {m['loadavg_at_start']}, at the end "
        f"{m.get('loadavg_at_end')} (the CPU is shared with other work; latencies include that)",
        "- Settings: " + ", ".join(f"{k}={v}" for k, v in s.items()),
        "",
    ]


def split_line(report: dict[str, Any]) -> str:
    """What the split line of the header says: which side, how many items and fact keys."""
    split = report.get("split")
    counts = report.get("extra", {}).get("dataset", {}).get("split_counts", {})
    sides = [
        f"{side} {c['items']} items over {c['fact_keys']} facts"
        for side in ("test", "dev")
        if (c := counts.get(side))
    ]
    where = (
        "fixed by question id in evals/data/xquad_split.json"
        if report.get("suite") == "xquad-answers"
        else "fixed by fact in evals/data/split.json"
    ) + "; dev is for tuning, test for reporting"
    if split == "all":
        return f"all ({'; '.join(sides)}): each configuration is shown as `[test]` and `[dev]`; {where}"
    if split in ("dev", "test"):
        return f"{'; '.join(sides) or split} ({where})"
    return str(split)


_QUALITY_ROWS = (
    ("answer accuracy (all items)", "accuracy"),
    ("correct and in the asker's language", "correct_in_language"),
    ("parity ratio (other languages ÷ zh)", "parity_ratio"),
    ("accuracy on answerable items", "answerable_accuracy"),
    ("citation precision", "citation.precision"),
    ("citation recall", "citation.recall"),
    ("answers with ≥1 citation", "citation.answers_with_citations"),
    ("refusal precision", "refusal.precision"),
    ("refusal recall", "refusal.recall"),
    ("refusal accuracy", "refusal.accuracy"),
    ("unsupported-sentence rate", "unsupported_rate"),
    ("answers with an unsupported number", "answers_with_unsupported"),
    ("sentences removed by verification", "removed_sentences"),
    ("items that raised an error", "errors"),
    ("retrieval hit@1 (gold doc)", "retrieval.hit@1"),
    ("retrieval hit@5", "retrieval.hit@5"),
    ("retrieval MRR", "retrieval.mrr"),
    ("items", "n"),
    ("runtime (s)", "runtime_s"),
)


def config_sections(configs: dict[str, dict[str, Any]]) -> list[str]:
    """Metric, language, kind and latency tables, one column per configuration."""
    names = list(configs)
    out = ["## Configurations", ""]
    out += [f"- **{name}**: {summary.get('description', '')}" for name, summary in configs.items()]
    out += [
        "",
        "## Metrics",
        "",
        table(
            ["metric", *names],
            ([label, *(_get(configs[n], path) for n in names)] for label, path in _QUALITY_ROWS),
        ),
    ]
    out += _delta_section(configs)
    langs = sorted(
        {lang for s in configs.values() for lang in s.get("per_language", {})},
        key=lambda code: (code not in ("zh", "en"), code),
    )

    def per_lang(key: str) -> list[list[Any]]:
        return [
            [lang, _n_cell(configs, "per_language", lang)]
            + [configs[n]["per_language"].get(lang, {}).get(key) for n in names]
            for lang in langs
        ]

    out += language_sections(configs)
    out += [
        "",
        "## Accuracy gap to Chinese (language − zh)",
        "",
        table(["language", "n", *names], per_lang("gap_to_zh")),
    ]
    out += ["", "## Retrieval hit@5 per language", "", table(["language", "n", *names], per_lang("hit@5"))]
    kinds = list(dict.fromkeys(k for s in configs.values() for k in s.get("per_kind", {})))
    out += [
        "",
        "## Answer accuracy per kind",
        "",
        table(
            ["kind", "n", *names],
            (
                [k, _n_cell(configs, "per_kind", k)]
                + [configs[n]["per_kind"].get(k, {}).get("accuracy") for n in names]
                for k in kinds
            ),
        ),
    ]
    stages = list(dict.fromkeys(st for s in configs.values() for st in s.get("latency_ms", {})))
    order = ["rewrite", "translate", "retrieve", "generate", "verify", "total"]
    stages.sort(key=lambda st: order.index(st) if st in order else len(order))
    out += [
        "",
        "## Latency per stage (ms, p50 / p95)",
        "",
        table(["stage", *names], ([st, *(_lat(configs[n], st) for n in names)] for st in stages)),
    ]
    return out


def _n_cell(configs: dict[str, dict[str, Any]], group: str, key: str) -> str:
    """Items behind a row: one count, or the distinct counts of the columns (`76 / 80` with test and dev)."""
    counts = [int(s[group][key]["n"]) for s in configs.values() if key in s.get(group, {})]
    return " / ".join(str(n) for n in dict.fromkeys(counts)) or "0"


_DELTA_EXCLUDED = {"removed_sentences", "errors", "n", "runtime_s"}


def _delta_section(configs: dict[str, dict[str, Any]]) -> list[str]:
    """Ours minus the baseline of the same split, per quality metric."""
    names = list(configs)
    baselines = {split_of(n): n for n in reversed(names) if n.startswith("baseline")}
    ours = [n for n in names if not n.startswith("baseline") and split_of(n) in baselines]
    if not ours:
        return []
    rows = []
    for label, path in _QUALITY_ROWS:
        if path in _DELTA_EXCLUDED:
            continue
        deltas = []
        for n in ours:
            mine, base = _get(configs[n], path), _get(configs[baselines[split_of(n)]], path)
            both = isinstance(mine, float) and isinstance(base, float)
            deltas.append(mine - base if both else None)
        rows.append([label, *deltas])
    first = baselines[split_of(ours[0])]
    title = (
        f"### Ours minus {first} (positive = ours higher)"
        if len(baselines) == 1
        else ("### Ours minus the baseline of the same split (positive = ours higher)")
    )
    return ["", title, "", table(["metric", *ours], rows)]


LANGUAGE_NOTE = (
    "Correct: the accepted facts are in the answer (for unanswerable questions: a refusal). Correct in "
    "language: correct, and the answer (or refusal) is written in the asker's language "
    "(`assistant/language/written.py`: script first, then function words and lingua for languages sharing a "
    "script; `[n]` markers, digits and Chinese names or quotes that stay a minority of the letters are not "
    "held against it; a Chinese quote behind a translated label is not an answer in the asker's language). Parity ratio: "
    "the language's correct-in-language rate ÷ the Chinese questions' correct rate; the `foreign` row pools "
    "every language but Chinese and its ratio is the overall one."
)
_FIGURES = (("correct", "correct"), ("in language", "correct_in_language"), ("parity ratio", "parity_ratio"))
_FIGURE_TITLES = {
    "correct": "Correct per language",
    "correct_in_language": "Correct and in the asker's language, per language",
    "parity_ratio": "Parity ratio per language (correct in language ÷ zh correct)",
}


def language_sections(configs: dict[str, dict[str, Any]]) -> list[str]:
    """Correct, correct in the asker's language and parity ratio per language (and pooled): one table with
    three columns per configuration for one or two configurations, else one table per figure."""
    names = [n for n, s in configs.items() if s.get("languages")]
    if not names:
        return []
    rows = list(dict.fromkeys(lang for n in names for lang in configs[n]["languages"]))
    pooled = [r for r in ("foreign", "all") if r in rows]
    rows = sorted((r for r in rows if r not in pooled), key=lambda code: (code not in ("zh", "en"), code))
    rows += pooled
    by_name = {n: configs[n]["languages"] for n in names}

    def n_cell(row: str) -> str:
        counts = [int(by_name[n][row]["n"]) for n in names if row in by_name[n]]
        return " / ".join(str(c) for c in dict.fromkeys(counts))

    out = [
        "",
        "## Language parity: correct, correct in the asker's language, parity ratio",
        "",
        LANGUAGE_NOTE,
    ]
    if len(names) <= 2:
        header = ["language", "n"] + [
            f"{label} ({n})" if len(names) > 1 else label for n in names for label, _ in _FIGURES
        ]
        body = [
            [row, n_cell(row)] + [by_name[n].get(row, {}).get(key) for n in names for _, key in _FIGURES]
            for row in rows
        ]
        return [*out, "", table(header, body)]
    for _, key in _FIGURES:
        body = [[row, n_cell(row)] + [by_name[n].get(row, {}).get(key) for n in names] for row in rows]
        out += [
            "",
            f"### {_FIGURE_TITLES[key]}",
            "",
            table(["language", "n", *names], body),
        ]
    return out


def wrong_language_sections(examples: dict[str, list[dict[str, Any]]]) -> list[str]:
    """A few correct answers that were not in the asker's language, per configuration."""
    if not any(examples.values()):
        return []
    out = ["", "## Correct, but not in the asker's language (examples)", ""]
    for name, records in examples.items():
        if not records:
            continue
        out += [f"### {name}", ""]
        for r in records:
            where = f"`{r['id']}` [{r['kind']}, {r['language']}]"
            out.append(
                f"- {where} **Q:** {_one_line(r['question'], 120)} **A:** {_one_line(r['answer'], 200)}"
            )
        out.append("")
    return out


def _lat(summary: dict[str, Any], stage: str) -> str:
    v = summary.get("latency_ms", {}).get(stage)
    return f"{v['p50']:.0f} / {v['p95']:.0f}" if v else "–"


def _one_line(text: str, limit: int) -> str:
    text = " ".join(str(text).split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def failure_sections(failures: dict[str, list[dict[str, Any]]]) -> list[str]:
    """The worst wrong answers per configuration, with question, answer and citations."""
    out = [
        "",
        "## Worst failures",
        "",
        "Order: answered an unanswerable question, then answers with a number no citation supports, then "
        "answers from the wrong documents, wrong answers from the right documents, refused answerable "
        "questions.",
    ]
    for name, records in failures.items():
        out += ["", f"### {name}", ""]
        if not records:
            out.append("No wrong answers.")
        for i, r in enumerate(records, start=1):
            history = f" (after: {_one_line(' / '.join(r['history']), 160)})" if r.get("history") else ""
            where = f"`{r['id']}` [{r['kind']}, {r['language']}]"
            out.append(f"{i}. {where} **Q:** {_one_line(r['question'], 200)}{history}")
            if r.get("error"):
                out.append(f"   - error: {_one_line(r['error'], 300)}")
                continue
            status = "refused" if r["refused"] else "answered"
            out.append(f"   - {status}, gold doc rank {r['gold_rank']}; **A:** {_one_line(r['answer'], 300)}")
            for c in r["citations"][:3]:
                out.append(f"   - [{c['n']}] {c['doc_id']}: {_one_line(c['quote'], 120)}")
            if r.get("unsupported"):
                out.append(f"   - unsupported: {_one_line(' / '.join(r['unsupported']), 200)}")
    return out


def render_markdown(
    report: dict[str, Any], chart_name: str | None = None, suite_sections: Sequence[str] = ()
) -> str:
    """The whole report.md; `suite_sections` (the suite's own tables) follow the notes and the chart."""
    out = header_lines(report)
    if report.get("notes"):
        out += ["## Notes", "", *(f"- {note}" for note in report["notes"]), ""]
    if chart_name:
        out += [f"![chart]({chart_name})", ""]
    out += suite_sections
    if report["configs"]:
        out += config_sections(report["configs"])
    out += wrong_language_sections(report.get("extra", {}).get("wrong_language", {}))
    if report.get("failures"):
        out += failure_sections(report["failures"])
    return "\n".join(out).rstrip() + "\n"
