"""The report's chart: per-language bars, one per configuration side by side (matplotlib, Agg: no display)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evals.markdown import split_of, split_title


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
        f"{report['suite']} suite{split_title(report)}: correct and in the asker's language (filled) "
        "and correct in any language (outline)"
    )
    return title, langs, series, outline


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
    bases = list(dict.fromkeys(name.removesuffix(split_of(name)).strip() for name in series))
    for i, (name, values) in enumerate(series.items()):
        color = colors[bases.index(name.removesuffix(split_of(name)).strip()) % len(colors)]
        dev = split_of(name) == "[dev]"
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
