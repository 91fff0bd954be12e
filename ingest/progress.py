"""The ingest progress bar: what is being embedded, how far, how fast (chunks/s) and how long is left.

rich draws it on stderr when that is a terminal; elsewhere (logs, pipes) rich stays quiet and the plain
lines the pipeline prints say what started. Rate and ETA come from rich's own speed estimate, which
averages the last 30 s, so they follow a machine that gets busier or quieter.
"""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class RateColumn(ProgressColumn):
    """Items per second of a task, in the unit its `unit` field names (chunks/s, sentences/s)."""

    def render(self, task: Task) -> Text:
        """The recent rate; the average since the start until rich has two samples; else a placeholder."""
        speed = task.finished_speed or task.speed
        if speed is None and task.completed and task.elapsed:
            speed = task.completed / task.elapsed
        unit = task.fields.get("unit", "items")
        if speed is None:
            return Text(f"-- {unit}/s", style="progress.data.speed")
        return Text(f"{speed:.1f} {unit}/s", style="progress.data.speed")


def ingest_progress(enabled: bool) -> Progress:
    """A rich Progress on stderr: description, bar, done/total, rate, elapsed and ETA."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    return Progress(*columns, console=Console(stderr=True), disable=not enabled)
