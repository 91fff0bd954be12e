"""The chart: retrieval latency vs index size, p50 and p95 side by side (matplotlib, Agg: no display)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

# (pass, measure, label, line style)
_SERIES = (
    ("cold", "total", "ours search+evidence, cold cache", "-o"),
    ("warm", "total", "ours search+evidence, warm cache", "-.D"),
    ("cold", "search", "ours search only", "--s"),
    ("cold", "baseline", "baseline retriever", ":^"),
)


def write_chart(run: dict[str, Any], path: Path) -> bool:
    """Retrieval latency vs chunks in the index, log-log; False when there is nothing to draw."""
    if not run["scales"]:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 5), sharey=True)
    for ax, stat in zip(axes, ("p50", "p95"), strict=True):
        for embedder in dict.fromkeys(s["embedder"] for s in run["scales"]):
            points = sorted(
                (s for s in run["scales"] if s["embedder"] == embedder), key=lambda s: s["chunks"]
            )
            x = [s["chunks"] for s in points]
            for which, key, label, style in _SERIES:
                y = [s[which][key][stat] * 1000 for s in points]
                ax.plot(x, y, style, label=f"{label} ({embedder})")
            served = [s for s in points if s.get("server")]
            if served:
                y = [s["server"]["cold"]["total"][stat] * 1000 for s in served]
                ax.plot(
                    [s["chunks"] for s in served], y, "-x", label=f"ours via chroma run, cold ({embedder})"
                )
        ax.axhline(150, color="red", linewidth=1, label="target: p95 150 ms")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("chunks in the index")
        ax.set_title(f"{stat} per query")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("ms")
    axes[1].legend(fontsize=7)
    fig.suptitle(f"Retrieval latency vs index size ({run['machine']['date'][:10]}, shared 2-core machine)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True
