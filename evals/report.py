"""Eval reports: `report.json` (stable keys), `report.md` (tables people read), a PNG chart, records.jsonl.

The JSON is the source of truth; the markdown is rendered from it. Every report carries its date, the
split it ran on (dev/test, evals/data/split.json), the machine (cores, memory, CPU model, load average at
start and end: the CPU may be shared) and the settings it ran with. With `--split all` each configuration
appears twice, `name [test]` first and `name [dev]` beside it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from kernel.settings import Settings

SCHEMA_VERSION = 2  # 2: `split`, correct in the asker's language, parity ratios
REPORT_KEYS = (
    "schema_version",
    "suite",
    "split",
    "created",
    "machine",
    "settings",
    "runtime_s",
    "configs",
    "failures",
    "notes",
    "extra",
)


def machine_info() -> dict[str, Any]:
    """Cores, memory, CPU model, OS, Python and the load average when the run started."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "nproc": os.cpu_count(),
        "ram_gib": ram_gib,
        "cpu_model": cpu,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "loadavg_at_start": [round(x, 2) for x in load],
    }


def settings_info(settings: Settings) -> dict[str, Any]:
    """The settings that change eval numbers."""
    keys = (
        "embed_backend",
        "embed_model",
        "llm_model",
        "llm_threads",
        "llm_context",
        "llm_max_tokens",
        "llm_timeout_s",
        "top_k",
        "evidence_sentences",
        "refusal_threshold",
        "chunk_size",
        "chunk_overlap_sentences",
    )
    return {key: getattr(settings, key) for key in keys}


def new_report(suite: str, settings: Settings, split: str | None = None) -> dict[str, Any]:
    """An empty report with the header filled in; suites fill `configs`, `failures`, `extra`.

    `split`: dev, test, all, or None for suites that are not split (xquad, distractor, the smoke dozen).
    """
    return {
        "schema_version": SCHEMA_VERSION,
        "suite": suite,
        "split": split,
        "created": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine_info(),
        "settings": settings_info(settings),
        "runtime_s": 0.0,
        "configs": {},
        "failures": {},
        "notes": [],
        "extra": {},
    }


# ---------------------------------------------------------------- writing


def write_report(
    out: Path,
    report: dict[str, Any],
    records: Iterable[dict[str, Any]] = (),
    suite_sections: Sequence[str] = (),
) -> dict[str, Path]:
    """Write report.json, report.md, the chart and records.jsonl into `out`; returns their paths.

    `suite_sections`: the suite's own markdown lines (the xquad and distractor tables), which the suite's
    module renders: this module stays below the suites that use it.
    """
    out.mkdir(parents=True, exist_ok=True)
    report["machine"]["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    paths = {
        "json": out / "report.json",
        "md": out / "report.md",
        "chart": out / "accuracy.png",
        "records": out / "records.jsonl",
    }
    paths["json"].write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n", "utf-8")
    with paths["records"].open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
    chart = write_chart(paths["chart"], report)
    if chart is None:
        paths.pop("chart")
    paths["md"].write_text(
        render_markdown(
            report, chart_name=paths["chart"].name if chart else None, suite_sections=suite_sections
        ),
        "utf-8",
    )
    return paths


def _chart_series(
    report: dict[str, Any],
) -> tuple[str, list[str], dict[str, list[float]], dict[str, list[float]]]:
    """(title, languages, bar values per configuration, outline values per configuration) for the chart:
    xquad draws recall@5; the fact suites draw correct-in-language bars inside correct-answer outlines."""
    if report["suite"] == "xquad":
        retrieval = report["extra"].get("retrieval", {})
        langs = sorted({lang for per in retrieval.values() for lang in per})
        series = {
            cfg: [per.get(lang, {}).get("recall@5") or 0.0 for lang in langs]
            for cfg, per in retrieval.items()
        }
        return "XQuAD: recall@5 of the gold paragraph per question language", langs, series, {}
    configs = {
        name: summary
        for name, summary in report["configs"].items()
        if any("correct_in_language" in v for v in summary.get("per_language", {}).values())
    }  # configurations reused from reports older than the measure have no bars
    langs = sorted(
        {lang for summary in configs.values() for lang in summary.get("per_language", {})},
        key=lambda code: (code not in ("zh", "en"), code),
    )
    series = {
        name: [summary["per_language"].get(lang, {}).get("correct_in_language") or 0.0 for lang in langs]
        for name, summary in configs.items()
    }
    outline = {
        name: [summary["per_language"].get(lang, {}).get("accuracy") or 0.0 for lang in langs]
        for name, summary in configs.items()
    }
    title = (
        f"{report['suite']} suite{_split_title(report)}: correct and in the asker's language (filled) "
        "and correct in any language (outline)"
    )
    return title, langs, series, outline


def _split_title(report: dict[str, Any]) -> str:
    split = report.get("split")
    if split == "all":
        return ", test and dev splits"
    return f", {split} split" if split else ""


def write_chart(path: Path, report: dict[str, Any]) -> Path | None:
    """Grouped bars per language, one bar per configuration side by side (matplotlib, Agg: no display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    title, langs, series, outline = _chart_series(report)
    if not langs or not series:
        return None
    width = 0.8 / len(series)
    fig, ax = plt.subplots(figsize=(max(8, 1.1 * len(langs) + 0.4 * len(series) + 3), 4.8))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    # A configuration keeps its colour on both splits; its dev bars are lighter and hatched.
    bases = list(dict.fromkeys(name.removesuffix(_split_of(name)).strip() for name in series))
    for i, (name, values) in enumerate(series.items()):
        color = colors[bases.index(name.removesuffix(_split_of(name)).strip()) % len(colors)]
        dev = _split_of(name) == "[dev]"
        xs = [x + (i - (len(series) - 1) / 2) * width for x in range(len(langs))]
        ax.bar(xs, values, width=width, label=name, color=color, alpha=0.55 if dev else 1.0,
               hatch="//" if dev else None)  # fmt: skip
        if name in outline:
            ax.bar(xs, outline[name], width=width, fill=False, edgecolor=color, linewidth=1.0)
    ax.set_xticks(range(len(langs)), langs)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("share of questions")
    ax.set_title(title, fontsize=10, wrap=True)
    ax.legend(fontsize=8, ncols=min(4, len(series)), loc="upper center", bbox_to_anchor=(0.5, -0.1))
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# ---------------------------------------------------------------- markdown


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
    title = f"# Eval report: {report['suite']} suite{_split_title(report)}"
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


def _split_of(name: str) -> str:
    """The split suffix of a configuration column (`hybrid-extract [dev]` -> `[dev]`; none: "")."""
    base, _, suffix = name.rpartition(" [")
    return f"[{suffix}" if base and suffix.endswith("]") else ""


def _n_cell(configs: dict[str, dict[str, Any]], group: str, key: str) -> str:
    """Items behind a row: one count, or the distinct counts of the columns (`76 / 80` with test and dev)."""
    counts = [int(s[group][key]["n"]) for s in configs.values() if key in s.get(group, {})]
    return " / ".join(str(n) for n in dict.fromkeys(counts)) or "0"


_DELTA_EXCLUDED = {"removed_sentences", "errors", "n", "runtime_s"}


def _delta_section(configs: dict[str, dict[str, Any]]) -> list[str]:
    """Ours minus the baseline of the same split, per quality metric."""
    names = list(configs)
    baselines = {_split_of(n): n for n in reversed(names) if n.startswith("baseline")}
    ours = [n for n in names if not n.startswith("baseline") and _split_of(n) in baselines]
    if not ours:
        return []
    rows = []
    for label, path in _QUALITY_ROWS:
        if path in _DELTA_EXCLUDED:
            continue
        deltas = []
        for n in ours:
            mine, base = _get(configs[n], path), _get(configs[baselines[_split_of(n)]], path)
            both = isinstance(mine, float) and isinstance(base, float)
            deltas.append(mine - base if both else None)
        rows.append([label, *deltas])
    first = baselines[_split_of(ours[0])]
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
