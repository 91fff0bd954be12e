"""Eval reports: `report.json` (stable keys), `report.md` (tables people read), a PNG chart, records.jsonl.

The JSON is the source of truth; the markdown is rendered from it. Every report carries its date, the
machine (cores, memory, CPU model, load at start: the CPU may be shared) and the settings it ran with.
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

SCHEMA_VERSION = 1
REPORT_KEYS = (
    "schema_version",
    "suite",
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


def new_report(suite: str, settings: Settings) -> dict[str, Any]:
    """An empty report with the header filled in; suites fill `configs`, `failures`, `extra`."""
    return {
        "schema_version": SCHEMA_VERSION,
        "suite": suite,
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
    out: Path, report: dict[str, Any], records: Iterable[dict[str, Any]] = ()
) -> dict[str, Path]:
    """Write report.json, report.md, the chart and records.jsonl into `out`; returns their paths."""
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
        render_markdown(report, chart_name=paths["chart"].name if chart else None), "utf-8"
    )
    return paths


def _chart_series(report: dict[str, Any]) -> tuple[str, list[str], dict[str, list[float]]]:
    """(title, languages, values per configuration) for the chart."""
    if report["suite"] == "xquad":
        retrieval = report["extra"].get("retrieval", {})
        langs = sorted({lang for per in retrieval.values() for lang in per})
        series = {
            cfg: [per.get(lang, {}).get("recall@5") or 0.0 for lang in langs]
            for cfg, per in retrieval.items()
        }
        return "XQuAD: recall@5 of the gold paragraph per question language", langs, series
    configs = report["configs"]
    langs = sorted(
        {lang for summary in configs.values() for lang in summary.get("per_language", {})},
        key=lambda code: (code not in ("zh", "en"), code),
    )
    series = {
        name: [summary["per_language"].get(lang, {}).get("accuracy") or 0.0 for lang in langs]
        for name, summary in configs.items()
    }
    return f"{report['suite']} suite: answer accuracy per language and configuration", langs, series


def write_chart(path: Path, report: dict[str, Any]) -> Path | None:
    """Grouped bars per language, one bar per configuration (matplotlib, Agg: no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    title, langs, series = _chart_series(report)
    if not langs or not series:
        return None
    width = 0.8 / len(series)
    fig, ax = plt.subplots(figsize=(max(8, 1.1 * len(langs) + 3), 4.5))
    for i, (name, values) in enumerate(series.items()):
        xs = [x + (i - (len(series) - 1) / 2) * width for x in range(len(langs))]
        ax.bar(xs, values, width=width, label=name)
    ax.set_xticks(range(len(langs)), langs)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("share")
    ax.set_title(title, fontsize=11)
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
    """Title, date, machine and settings."""
    m, s = report["machine"], report["settings"]
    return [
        f"# Eval report: {report['suite']} suite",
        "",
        f"- Date: {report['created']}; total runtime {report['runtime_s'] / 60:.1f} min",
        f"- Machine: {m['nproc']} cores, {m['ram_gib']} GiB RAM, {m['cpu_model']}; {m['platform']}, "
        f"Python {m['python']}; load average at start {m['loadavg_at_start']}, at the end "
        f"{m.get('loadavg_at_end')} (the CPU is shared with other work; latencies include that)",
        "- Settings: " + ", ".join(f"{k}={v}" for k, v in s.items()),
        "",
    ]


_QUALITY_ROWS = (
    ("answer accuracy (all items)", "accuracy"),
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
    baselines = [n for n in names if n.startswith("baseline")]
    ours = [n for n in names if not n.startswith("baseline")]
    if baselines and ours:
        base = baselines[0]
        rows = []
        for label, path in _QUALITY_ROWS[:10] + _QUALITY_ROWS[12:15]:
            b = _get(configs[base], path)
            deltas = [
                (_get(configs[n], path) - b)
                if isinstance(_get(configs[n], path), float) and isinstance(b, float)
                else None
                for n in ours
            ]
            rows.append([label, *deltas])
        out += ["", f"### Ours minus {base} (positive = ours higher)", "", table(["metric", *ours], rows)]
    langs = sorted(
        {lang for s in configs.values() for lang in s.get("per_language", {})},
        key=lambda code: (code not in ("zh", "en"), code),
    )

    def per_lang(key: str) -> list[list[Any]]:
        return [
            [
                lang,
                int(
                    next(
                        (s["per_language"][lang]["n"] for s in configs.values() if lang in s["per_language"]),
                        0,
                    )
                ),
                *(configs[n]["per_language"].get(lang, {}).get(key) for n in names),
            ]
            for lang in langs
        ]

    out += ["", "## Answer accuracy per language", "", table(["language", "n", *names], per_lang("accuracy"))]
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
                [
                    k,
                    next(s["per_kind"][k]["n"] for s in configs.values() if k in s["per_kind"]),
                    *(configs[n]["per_kind"].get(k, {}).get("accuracy") for n in names),
                ]
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


def render_markdown(report: dict[str, Any], chart_name: str | None = None) -> str:
    """The whole report.md."""
    from evals.xquad import xquad_sections  # the xquad tables live with the xquad suite

    out = header_lines(report)
    if report.get("notes"):
        out += ["## Notes", "", *(f"- {note}" for note in report["notes"]), ""]
    if chart_name:
        out += [f"![chart]({chart_name})", ""]
    if report["suite"] == "xquad":
        out += xquad_sections(report["extra"])
    if report["suite"] == "distractor":
        from evals.distractor import distractor_sections

        out += distractor_sections(report["extra"])
    if report["configs"]:
        out += config_sections(report["configs"])
    if report.get("failures"):
        out += failure_sections(report["failures"])
    return "\n".join(out).rstrip() + "\n"
