"""The results: `<date>.md` (tables), `<date>.json` (every number) and `<date>-retrieval.png` (chart)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evals.bench.chart import write_chart
from evals.bench.measure import LOAD_WARNING
from evals.bench.targets import FOREIGN_FRONTS, evaluate, evaluate_foreign, foreign_entry, ratio


def _columns(spec: str) -> tuple[str, ...]:
    return tuple(spec.split("|"))


# The columns of each table, "|"-separated (one line each instead of one line per name).
TARGET_COLUMNS = _columns("target|ours|baseline|ours / baseline|verdict|note")
INGEST_COLUMNS = _columns(
    "corpus|pipeline|documents|chunks|seconds|docs/s|chunks/s|chunks per CPU-s|peak RSS MiB|"
    "load 1-min before→after"
)
ANSWER_COLUMNS = _columns(
    "model|pipeline|pass|n|first citation p50 / p95 s|first token p50 / p95 s|full answer p50 / p95 s|"
    "full p50 ours / baseline|modes|refused|errors|RSS MiB|load 1-min before→after"
)
RETRIEVAL_COLUMNS = _columns(
    "embedder|chunks|documents (copies)|ours search p50 / p95 ms|ours search+evidence, cold p50 / p95 ms|"
    "ours search+evidence, warm p50 / p95 ms|baseline retriever p50 / p95 ms|p95 ours cold / baseline|"
    "ingest chunks/s|RSS MiB|load 1-min before→after"
)
FOREIGN_COLUMNS = _columns(
    "model|front|n|first citation p50 / p95 s|first visible text p50 / p95 s|full answer p50 / p95 s|"
    "full p50 ours / baseline|in the asker's language|modes|refused|errors|load 1-min before→after"
)
PHASE_COLUMNS = _columns("phase|wall s|CPU s|load before|load after|peak RSS MiB|RSS after MiB|warning")
HOW_TO_READ = [
    "- **cold / warm**: ours keeps sentence embeddings in memory (`SentenceEmbeddingCache`); *cold* is the "
    "first time a process meets those sentences, *warm* the same questions asked again. The query-vector "
    "cache is cleared before every timed query, in both pipelines.",
    "- **first citation**: ours = arrival of the `citations` SSE event over HTTP; baseline = end of its "
    "retrieval in-process (it has no event stream), so that ratio flatters the baseline.",
    "- **load**: the 1-minute load average before→after each phase; ⚠ marks > 1.5 (other processes on the "
    "2 cores). **RSS**: the whole benchmark process (both pipelines, the app, the index); a phase's peak is "
    "the kernel's high-water mark reset at the phase start.",
    "- **scale series**: each series uses one embedder for both pipelines; crud-news has 11,576 distinct "
    "articles (~29,600 chunks), so 60k chunks would need second copies; a step whose predicted embedding "
    "time exceeds the step budget is skipped (listed at the end).",
]
ALL_COLUMNS = (
    TARGET_COLUMNS,
    INGEST_COLUMNS,
    ANSWER_COLUMNS,
    FOREIGN_COLUMNS,
    RETRIEVAL_COLUMNS,
    PHASE_COLUMNS,
)


def _table(columns: tuple[str, ...], rows: list[list[Any]]) -> list[str]:
    def cell(value: Any) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return lines


def _pair(stats: dict[str, Any] | None, scale: float = 1.0, digits: int = 2) -> str:
    if not stats or stats.get("p50") is None:
        return "–"
    return f"{stats['p50'] * scale:.{digits}f} / {stats['p95'] * scale:.{digits}f}"


def _load(load: list[float]) -> str:
    warn = " ⚠" if max(load) > LOAD_WARNING else ""
    return f"{load[0]}→{load[1]}{warn}"


def _ingest_cells(label: str, pipeline: str, r: dict[str, Any], seconds_digits: int) -> list[Any]:
    """One row of the ingest table from an `ingest_row` record."""
    return [
        label,
        pipeline,
        r["documents"],
        r["chunks"],
        f"{r['seconds']:.{seconds_digits}f}",
        f"{r['docs_per_s']:.2f}",
        f"{r['chunks_per_s']:.2f}",
        f"{r['chunks_per_cpu_s']:.2f}",
        r["peak_rss_mib"],
        _load(r["load"]),
    ]


def _ingest_rows(run: dict[str, Any]) -> list[list[Any]]:
    names = {
        "ours_cold": ("ours", "cold"),
        "ours_unchanged": ("ours", "unchanged"),
        "baseline_cold": ("baseline", "cold"),
        "baseline_unchanged": ("baseline", "run again"),
    }
    rows = [
        _ingest_cells(f"forum (3 articles), {what}", pipeline, run["ingest"][key], 2)
        for key, (pipeline, what) in names.items()
        if run["ingest"].get(key)
    ]
    for s in run["scales"]:
        rows.append(
            _ingest_cells(f"grow to {s['chunks']:,} chunks ({s['embedder']})", "ours", s["ingest"], 1)
        )
        if s.get("baseline_ingest"):
            label = f"the same {s['documents']:,} documents, cold ({s['embedder']})"
            rows.append(_ingest_cells(label, "baseline", s["baseline_ingest"], 1))
    return rows


def _answer_rows(run: dict[str, Any]) -> list[list[Any]]:
    rows = []
    for model, entry in run["answers"].items():
        if "not_measured" in entry:
            rows.append(
                [model, "both", "–", 0, "–", "–", "–", "–", "–", "–", entry["not_measured"], "–", "–"]
            )
            continue
        base = entry.get("baseline")
        for key, pipeline, what in (
            ("ours_cold", "ours (SSE)", "cold"),
            ("ours_warm", "ours (SSE)", "warm"),
            ("baseline", "baseline", "–"),
        ):
            r = entry.get(key)
            if not r:
                continue
            rat = ratio(r["total"]["p50"], base["total"]["p50"]) if base and key != "baseline" else "–"
            rows.append(
                [
                    model,
                    pipeline,
                    what,
                    r["total"]["n"],
                    _pair(r["first_citation"]),
                    _pair(r["first_token"]),
                    _pair(r["total"]),
                    rat,
                    ", ".join(f"{k} {v}" for k, v in r["modes"].items()),
                    r["refused"],
                    len(r["errors"]),
                    r["rss_after_mib"],
                    _load(r["load"]),
                ]
            )
    return rows


def _foreign_rows(run: dict[str, Any]) -> list[list[Any]]:
    model, entry = foreign_entry(run)
    base = entry.get("foreign_baseline")
    rows = []
    for key, front in (*FOREIGN_FRONTS, ("foreign_baseline", "baseline (in-process, streaming)")):
        r = entry.get(key)
        if not r:
            continue
        n = r["total"]["n"]
        rat = ratio(r["total"]["p50"], base["total"]["p50"]) if base and key != "foreign_baseline" else "–"
        rows.append(
            [
                model,
                front,
                n,
                _pair(r["first_citation"]),
                _pair(r["first_text"]),
                _pair(r["total"]),
                rat,
                f"{r['in_language']} of {n}",
                ", ".join(f"{k} {v}" for k, v in r["modes"].items()),
                r["refused"],
                len(r["errors"]),
                _load(r["load"]),
            ]
        )
    return rows


def foreign_lines(run: dict[str, Any]) -> list[str]:
    """The foreign-guest section (issue 14): its targets with verdicts, its row per front, its questions."""
    questions = run["config"].get("foreign_questions_list") or []
    lines = [
        "## Foreign questions (issue 14)",
        "",
        f"{len(questions)} fact questions of the parity suite's dev split (never test), one language after "
        "another, asked in the default configuration (mode auto, language detected) over our SSE and over "
        "the OpenAI-compatible stream; the baseline answers the same questions in-process with the same "
        "model. *First visible text*: the first non-empty draft delta / content chunk, or the whole answer "
        "when it comes without a draft (a rendering, quotes, a refusal). Over the OpenAI stream the "
        "citations come on the last chunk. Every question pays for its Chinese rendering (translation "
        "cache cleared).",
        "",
        *_table(TARGET_COLUMNS, [list(r.values()) for r in evaluate_foreign(run)]),
        "",
        *_table(FOREIGN_COLUMNS, _foreign_rows(run)),
    ]
    if questions:
        lines += ["", "Questions: " + "; ".join(f"{q['language']} `{q['id']}`" for q in questions) + "."]
    _, entry = foreign_entry(run)
    wrong = [
        w for key in ("foreign_sse", "foreign_openai") for w in entry.get(key, {}).get("wrong_language", [])
    ]
    if wrong:
        lines += ["", "Answers not in the asker's language:", "", *[f"- {w}" for w in wrong]]
    return lines


def _retrieval_rows(run: dict[str, Any]) -> list[list[Any]]:
    rows = []
    for s in run["scales"]:
        # The embedded row, then (if measured) the same size with its vectors behind `chroma run`.
        for label, m, rate in (
            (s["embedder"], s, f"{s['ingest']['chunks_per_s']:.2f}"),
            (f"{s['embedder']} via `chroma run`", s.get("server"), "(same index)"),
        ):
            if m is None:
                continue
            cold, warm = m["cold"], m["warm"]
            rows.append(
                [
                    label,
                    f"{s['chunks']:,}",
                    f"{s['documents']:,} ({s['copies']:,})",
                    _pair(cold["search"], 1000, 0),
                    _pair(cold["total"], 1000, 0),
                    _pair(warm["total"], 1000, 0),
                    _pair(cold["baseline"], 1000, 0),
                    ratio(cold["total"]["p95"], cold["baseline"]["p95"]),
                    rate,
                    m["rss_mib"],
                    _load(m["load"]),
                ]
            )
    return rows


def _profile_lines(profile: dict[str, Any] | None) -> list[str]:
    if not profile:
        return ["Not run."]
    lines = [
        f"Question: {profile['question']} — cold {profile['cold_s']:.2f} s under cProfile, the same "
        f"question again (warm caches, no profiler) {profile['warm_s']:.2f} s. Engine timings (ms): "
        f"{profile['engine_timings_ms']}.",
        "",
    ]
    whole = profile["stages"][0]["seconds"] or 1.0
    rows = [
        [s["stage"], f"{s['seconds']:.3f}", f"{100 * s['seconds'] / whole:.0f}%", s["calls"]]
        for s in profile["stages"]
    ]
    lines += _table(("stage (cumulative)", "seconds", "share", "calls"), rows)
    lines += [
        "",
        "<details><summary>cProfile, top 25 by cumulative time</summary>",
        "",
        "```",
        profile["top"].strip(),
        "```",
        "</details>",
    ]
    return lines


def render_markdown(run: dict[str, Any], chart: str | None) -> str:
    """The results page."""
    m = run["machine"]
    loads = [x for p in run["phases"] for x in (p["load_before"], p["load_after"])]
    busy = [p["name"] for p in run["phases"] if p["busy"]]
    lines = [
        f"# Benchmark: ours vs the plain llama-index pipeline — {m['date']}",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['ram_gib']} GiB RAM, {m['os']}, Python {m['python']}. "
        f"Load average at start {m['load_at_start']}; during the phases {min(loads, default=0)}–"
        f"{max(loads, default=0)}.",
        "",
    ]
    if busy:
        lines += [
            f"> ⚠ **The machine was shared**: the 1-minute load average exceeded {LOAD_WARNING} in "
            f"{len(busy)} of {len(run['phases'])} phases (marked ⚠ below). Wall-clock times are those of "
            "a busy 2-core machine, slower than idle; CPU-seconds are less affected.",
            "",
        ]
    lines += [
        "Command: `forum-assistant bench` (config: "
        + json.dumps(
            {
                k: v
                for k, v in run["config"].items()
                if not k.endswith("questions_list") and k != "answer_questions"
            },
            ensure_ascii=False,
        )
        + ")",
        "",
    ]
    lines += ["## Targets (issue 6)", "", *_table(TARGET_COLUMNS, [list(r.values()) for r in evaluate(run)])]
    lines += ["", "## How to read", "", *HOW_TO_READ]
    lines += ["", "## Ingest", "", *_table(INGEST_COLUMNS, _ingest_rows(run))]
    lines += [
        "",
        "## Answers",
        "",
        "Ours through the real app (uvicorn on 127.0.0.1, `/api/chat/stream`); the "
        "baseline in-process (streaming `CitationQueryEngine`). Every question asked once per pass.",
        "",
    ]
    lines += _table(ANSWER_COLUMNS, _answer_rows(run))
    lines += ["", *foreign_lines(run)]
    lines += [
        "",
        "## Retrieval latency vs index size",
        "",
        "Ours = `HybridRetriever.search` (query embedding, "
        "dense, BM25, fusion; a foreign question also searches its Chinese rendering) + `select_evidence`; "
        "baseline = `BaselinePipeline`'s retriever (top-k 3) over the same Chroma collection. Query-vector "
        "cache cleared before every query.",
        "",
    ]
    lines += _table(RETRIEVAL_COLUMNS, _retrieval_rows(run))
    if chart:
        lines += ["", f"![retrieval latency vs index size]({chart})"]
    lines += ["", "## Where the time goes (one cold extractive answer, cProfile)", ""]
    lines += _profile_lines(run.get("profile"))
    lines += [
        "",
        "## Phases",
        "",
        *_table(
            PHASE_COLUMNS,
            [
                [
                    p["name"],
                    f"{p['wall_s']:.1f}",
                    f"{p['cpu_s']:.1f}",
                    p["load_before"],
                    p["load_after"],
                    p["peak_rss_mib"],
                    p["rss_after_mib"],
                    f"⚠ load > {LOAD_WARNING}" if p["busy"] else "",
                ]
                for p in run["phases"]
            ],
        ),
    ]
    lines += ["", "## Not measured / skipped", ""]
    lines += [f"- {s}" for s in run["skipped"]] or ["- nothing"]
    return "\n".join(lines) + "\n"


def write_report(run: dict[str, Any], out: Path, stem: str) -> Path:
    """Write `<stem>.json`, `<stem>-retrieval.png` and `<stem>.md` into `out`; returns the markdown path."""
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{stem}.json").write_text(json.dumps(run, ensure_ascii=False, indent=1), encoding="utf-8")
    chart = f"{stem}-retrieval.png"
    drawn = write_chart(run, out / chart)
    md = out / f"{stem}.md"
    md.write_text(render_markdown(run, chart if drawn else None), encoding="utf-8")
    return md
