"""The benchmark run: ours vs the plain llama-index pipeline, on the same data, in one process.

Phases, in order (each records wall and CPU seconds, the load average before and after, and its peak RSS):
1. ingest of the three forum articles: ours cold and unchanged, the baseline's from_documents twice;
2. a cProfile of one cold extractive answer (where the time goes);
3. answers through the real app over SSE: extractive (no LLM; cold then warm caches), then the default
   LLM, ours and the baseline with the same model; the default model also renders the foreign retrieval
   questions into Chinese (as the engine does) for step 4. With the foreign model (the default one unless
   the config names another) comes the foreign-guest row: parity dev questions in eight languages over
   our SSE and over the OpenAI-compatible stream, and the baseline on the same questions;
4. scale series: per embedder, the index grows with crud-news articles to each target chunk count, and
   both retrievers are timed at every size (cold sentence cache, then warm). A step whose predicted
   embedding time (from the chunks/s just measured) exceeds the budget is skipped and recorded as such;
5. answers with the other (slower) LLMs, as in step 3; RSS with the model loaded.
Results are handed to `report.write_report`.
"""

from __future__ import annotations

import gc
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from evals.bench.measure import Phase, ingest_row, machine_info, phase, rss_mib, summary
from evals.bench.questions import pick_foreign_questions, pick_questions
from evals.bench.run import BenchConfig, BenchRun, bench_settings
from evals.bench.scale import scale_series
from kernel.errors import ForumError
from kernel.settings import Settings

WARM_UP_QUESTION = "中关村论坛在哪里举办？"


# Builds the served app (FastAPI + page) around an engine. The front passes it in (ui.commands.build_app):
# the bench measures the real served stack without evals importing the front.
AppFactory = Callable[[Any, Settings], Any]


def run_harness(
    config: BenchConfig,
    settings: Settings,
    serve: AppFactory,
    on_progress: Callable[[BenchRun], None] | None = None,
) -> BenchRun:
    """Run every phase of `config`; temporary indexes live under a temp folder removed at the end.

    `on_progress(run)` is called after each step, so a long run leaves its numbers so far on disk.
    """
    run = BenchRun(config=_jsonable(asdict(config)), machine=machine_info())
    progress = on_progress or (lambda _run: None)
    work = Path(tempfile.mkdtemp(prefix="forum-bench-", dir=config.work_dir))
    try:
        forum = bench_settings(
            settings,
            work / "forum",
            config.forum_embedder,
            llm_model="none",
            llm_timeout_s=config.llm_timeout_s,
        )
        index = _forum_ingest(run, forum, work)
        progress(run)
        answer_qs, retrieval_qs = pick_questions(config.questions, config.retrieval_questions)
        run.config["answer_questions"], run.config["retrieval_questions_list"] = answer_qs, retrieval_qs
        run.config["foreign_questions_list"] = pick_foreign_questions(config.foreign_questions)
        if config.profile:
            from evals.bench.profile import profile_extractive

            with phase("profile: one cold extractive answer", run.phases):
                run.profile = profile_extractive(forum, index, answer_qs[0])
        # The slower models go last: a run cut short still has the default model and the scale series.
        early = [m for m in config.models if m in ("extract", config.default_model)]
        late = [m for m in config.models if m not in early]
        for model in early:
            _answer_phase(run, config, settings, forum, index, model, answer_qs, retrieval_qs, serve)
            progress(run)
        for embedder in config.scale_embedders:
            scale_series(run, config, settings, work, embedder, retrieval_qs, progress)
            progress(run)  # a skipped step is recorded after the last scale's own save
        for model in late:
            _answer_phase(run, config, settings, forum, index, model, answer_qs, retrieval_qs, serve)
            progress(run)
        index.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return run


def _forum_ingest(run: BenchRun, forum: Settings, work: Path) -> Any:
    from evals.bench.pipelines import baseline_ingest
    from ingest.pipeline import ingest
    from vectorstore.embedders import make_embedder
    from vectorstore.index import ForumIndex

    corpus = forum.corpus_dir
    with phase("ingest forum: ours, cold (model load included)", run.phases) as p:
        index = ForumIndex.open(forum, embedder=make_embedder(forum))
        report = ingest(forum, corpus, index, progress=False)
    run.ingest["ours_cold"] = ingest_row(p, len(report.added), report.embedded)
    with phase("ingest forum: ours, unchanged", run.phases) as p:
        report = ingest(forum, corpus, index, progress=False)
    run.ingest["ours_unchanged"] = ingest_row(p, report.files_seen, report.embedded)
    with phase("ingest forum: baseline, cold (model load included)", run.phases) as p:
        embedder = make_embedder(forum)  # its own instance: it pays for loading the model too
        base = baseline_ingest(corpus, work / "baseline", embedder)
    run.ingest["baseline_cold"] = ingest_row(p, base["documents"], base["chunks"])
    with phase("ingest forum: baseline, run again (no change detection)", run.phases) as p:
        base = baseline_ingest(corpus, work / "baseline-again", embedder)
    run.ingest["baseline_unchanged"] = ingest_row(p, base["documents"], base["chunks"])
    run.ingest["embedder"] = index.embedder.identity
    return index


def _answer_phase(
    run: BenchRun,
    config: BenchConfig,
    base: Settings,
    forum: Settings,
    index: Any,
    model: str,
    questions: list[str],
    retrieval_qs: list[str],
    serve: AppFactory,
) -> None:
    from assistant.engine import ForumEngine
    from evals.bench.answers import LiveServer, baseline_pass, openai_pass, sse_pass

    llm = None
    if model not in ("extract", config.default_model):
        questions = questions[: config.large_model_questions]
    entry: dict[str, Any] = {"model": model}
    run.answers[model] = entry
    if model != "extract":
        try:
            with phase(f"load {model} (+ warm-up prompt)", run.phases) as p:
                llm = _load_llm(base, forum, model)
                entry["warm_up_s"] = llm.warm_up()
            entry["load_s"] = p.wall_s
        except ForumError as exc:
            entry["not_measured"] = f"the model could not be loaded: {exc}"
            run.skipped.append(f"answers with {model}: {exc}")
            return
    foreign = (
        run.config["foreign_questions_list"]
        if model == (config.foreign_model or config.default_model)
        else []
    )
    foreign_qs, foreign_langs = [q["question"] for q in foreign], [q["language"] for q in foreign]
    guest = _load_guest(base, forum, model) if llm is not None and model == config.default_model else None
    if guest is not None:
        entry["guest_model"] = forum.guest_model
    engine = ForumEngine(forum, index, llm, guest_llm=guest)  # the default configuration's pair of models
    with LiveServer(serve(engine, forum)) as server:
        sse_pass(server.url, index, [WARM_UP_QUESTION], "auto")  # imports, jieba dictionary: not timed
        passes = ("cold", "warm") if llm is None else ("cold",)
        for name in passes:
            with phase(f"answers: ours, {model}, {name}", run.phases) as p:
                times = sse_pass(server.url, index, questions, "extract" if llm is None else "auto")
            entry[f"ours_{name}"] = _answer_row(times, p)
        if foreign:
            from assistant.language.written import written_in

            # lingua's language models load on first use (the engine checks its answers' language with
            # them): paid here, not by the first timed guest. Same process as the server.
            written_in("Innovation exhibition, Beijing technology partnership.", "en")  # no function words
            # The default configuration: mode auto, language detected, as a guest's client sends it.
            with phase(f"answers: ours, {model}, foreign questions, SSE", run.phases) as p:
                times = sse_pass(server.url, index, foreign_qs, "auto", foreign_langs)
            entry["foreign_sse"] = _answer_row(times, p)
            with phase(f"answers: ours, {model}, foreign questions, OpenAI stream", run.phases) as p:
                times = openai_pass(server.url, index, foreign_qs, foreign_langs)
            entry["foreign_openai"] = _answer_row(times, p)
    if llm is not None:
        with phase(f"answers: baseline, {model}", run.phases) as p:
            times = baseline_pass(index, llm, questions)
        entry["baseline"] = _answer_row(times, p)
        if foreign:
            with phase(f"answers: baseline, {model}, foreign questions", run.phases) as p:
                times = baseline_pass(index, llm, foreign_qs, foreign_langs)
            entry["foreign_baseline"] = _answer_row(times, p)
        if model == config.default_model:
            _render_questions(run, guest or llm, retrieval_qs)  # the model that renders them
        entry["rss_loaded_mib"] = rss_mib()
        llm.close()
    if guest is not None:
        guest.close()
    del engine, llm, guest
    gc.collect()


def _answer_row(times: Any, p: Phase) -> dict[str, Any]:
    return {
        "first_citation": summary(times.first_citation),
        "first_token": summary(times.first_token),
        "first_text": summary(times.first_text),
        "total": summary(times.total),
        "modes": times.modes,
        "refused": times.refused,
        "fallbacks": times.fallbacks,
        "errors": times.errors,
        "in_language": times.in_language,
        "wrong_language": times.wrong_language,
        "raw": {
            "first_citation": times.first_citation,
            "first_token": times.first_token,
            "first_text": times.first_text,
            "total": times.total,
        },
        "rss_after_mib": p.rss_after_mib,
        "peak_rss_mib": p.peak_rss_mib,
        "load": [p.load_before, p.load_after],
    }


def _load_llm(base: Settings, forum: Settings, model: str) -> Any:
    """The packaged model from the user's model cache (not re-assembled in the temp data dir)."""
    from assistant.llm.factory import make_llm
    from assistant.llm.packaged import resolve_model_path

    path = resolve_model_path(base.model_copy(update={"llm_model": model, "llm_base_url": None}))
    if path is None:
        raise ForumError(f"{model} names no model file")
    return make_llm(forum.model_copy(update={"llm_model": str(path), "llm_base_url": None}))


def _load_guest(base: Settings, forum: Settings, model: str) -> Any:
    """The foreign guests' model of the default configuration (`guest_model`), when it is not `model`."""
    name = forum.guest_model.strip()
    return _load_llm(base, forum, name) if name and name != model else None


def _render_questions(run: BenchRun, llm: Any, questions: list[str]) -> None:
    from assistant.language.detect import is_chinese, resolve_language
    from assistant.language.translate import to_chinese

    with phase("render foreign retrieval questions into Chinese (default model)", run.phases):
        for q in questions:
            if not is_chinese(resolve_language("auto", q)):
                try:
                    run.renderings[q] = to_chinese(llm, q)
                except ForumError as exc:
                    run.skipped.append(f"Chinese rendering of {q[:30]!r}: {exc}")


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, Path) else v for k, v in data.items()}
