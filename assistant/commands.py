"""`forum-assistant ask`: one question from the command line."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from assistant.engine import ForumEngine
from assistant.schema import Answer, Question
from kernel.errors import BadInputError, UnavailableError
from kernel.settings import load_settings


def render_answer(answer: Answer, console: Console) -> None:
    """Print the answer and its numbered citations for a person."""
    style = "yellow" if answer.refused else "bold"
    console.print(f"[{style}]{escape(answer.answer)}[/{style}]")
    if answer.standalone_question != answer.question:
        console.print(f"[dim](understood as: {escape(answer.standalone_question)})[/dim]")
    for c in answer.citations:
        console.print(f"\n[cyan][{c.n}][/cyan] {escape(c.title)} ({c.date or 'undated'}, {escape(c.source)})")
        console.print(f"    “{escape(c.quote)}”")
        if c.translation:
            console.print(f"    [dim]{escape(c.translation)}[/dim]")
    for conflict in answer.conflicts:
        console.print(f"\n[magenta]Sources disagree:[/magenta] {escape(conflict.about)} {conflict.citations}")
    for r in answer.removed:
        console.print(f"[dim]removed: {escape(r.sentence)} ({escape(r.reason)})[/dim]")
    console.print(
        f"\n[dim]confidence {answer.confidence:.2f} ({answer.confidence_label}), mode {answer.mode}, "
        f"{answer.timings_ms.get('total', 0):.0f} ms[/dim]"
    )


def run_ask(question: str, *, language: str, mode: str, as_json: bool) -> None:
    """Answer `question` over the configured index and print it (or the API object with --json)."""
    if mode not in ("auto", "generate", "extract"):
        raise BadInputError(f"Mode '{mode}' is unknown; use auto, generate or extract.")
    settings = load_settings()
    if mode == "extract":
        settings = settings.model_copy(update={"llm_model": "none", "llm_base_url": None})
    engine = ForumEngine.build(settings)
    if engine.index.is_empty():
        raise UnavailableError(
            "The index is empty; run `forum-assistant ingest` (or `forum-assistant serve`, which ingests) first."
        )
    answer = engine.answer(Question(message=question, language=language, mode=mode))  # type: ignore[arg-type]
    if as_json:
        print(answer.model_dump_json(indent=2))
    else:
        render_answer(answer, Console())
