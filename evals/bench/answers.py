"""Answer latency: ours through the real app on a real socket (SSE), the baseline in-process.

Ours: `build_app(engine, settings)` (API + Gradio page, what `serve` runs) under uvicorn on 127.0.0.1;
an httpx client posts to `/api/chat/stream` and notes when the `citations` event, the first `delta`
event and the end of the stream arrive. A real socket rather than TestClient, because TestClient hands a
streamed body over only when it is complete, which would hide the first-event times.
Baseline: `evals.baseline.BaselinePipeline`'s VectorStoreIndex with a streaming `CitationQueryEngine`
(same top-k, same LLM); its "first citation" is when its sources are known (end of retrieval): it has no
event stream to deliver them earlier.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from llama_index.core.llms import LLM

from evals.bench.pipelines import clear_query_cache
from vectorstore.index import ForumIndex


class LiveServer:
    """uvicorn serving an app on 127.0.0.1 (a free port) in a thread; use as a context manager."""

    def __init__(self, app: Any, start_timeout_s: float = 120.0) -> None:
        import uvicorn

        self.start_timeout_s = start_timeout_s
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))  # a free port chosen by the kernel, held until uvicorn uses it
        self.port: int = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + self.start_timeout_s
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                self.__exit__()
                raise RuntimeError(f"uvicorn did not start within {self.start_timeout_s:.0f} s")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()


@dataclass
class AnswerTimes:
    """Seconds per question; `first_token` only for answers that streamed text."""

    first_citation: list[float] = field(default_factory=list)
    first_token: list[float] = field(default_factory=list)
    total: list[float] = field(default_factory=list)
    modes: dict[str, int] = field(default_factory=dict)
    refused: int = 0
    fallbacks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dict(vars(self))


def sse_pass(url: str, index: ForumIndex, questions: list[str], mode: str) -> AnswerTimes:
    """Ask each question once through `/api/chat/stream`; every question pays for its query embedding."""
    import httpx

    times = AnswerTimes()
    with httpx.Client(timeout=httpx.Timeout(600.0, connect=10.0)) as client:
        for question in questions:
            clear_query_cache(index.embedder)
            seen: dict[str, float] = {}
            event, answer = "", None
            started = time.perf_counter()
            with client.stream(
                "POST", f"{url}/api/chat/stream", json={"message": question, "mode": mode}
            ) as r:
                if r.status_code != 200:
                    times.errors.append(f"{r.status_code}: {r.read()[:200]!r}")
                    continue
                for line in r.iter_lines():
                    if line.startswith("event:"):
                        event = line[6:].strip()
                        seen.setdefault(event, time.perf_counter() - started)
                    elif line.startswith("data:") and event in ("answer", "error"):
                        answer = json.loads(line[5:])
            total = time.perf_counter() - started
            if event == "error" or not isinstance(answer, dict) or "answer" not in answer:
                times.errors.append(f"{question[:40]}: {str(answer)[:200]}")
                continue
            times.first_citation.append(seen.get("citations", total))
            if "delta" in seen:
                times.first_token.append(seen["delta"])
            times.total.append(total)
            times.modes[answer["mode"]] = times.modes.get(answer["mode"], 0) + 1
            times.refused += bool(answer.get("refused"))
            if answer.get("fallback_reason"):
                times.fallbacks.append(str(answer["fallback_reason"])[:120])
    return times


def baseline_pass(index: ForumIndex, llm: LLM, questions: list[str]) -> AnswerTimes:
    """The plain pipeline, streaming, once per question."""
    from llama_index.core.query_engine import CitationQueryEngine
    from llama_index.core.schema import QueryBundle

    from evals.baseline import BASELINE_TOP_K, BaselinePipeline

    pipeline = BaselinePipeline(index, llm)
    engine = CitationQueryEngine.from_args(
        pipeline.vindex, llm=llm, similarity_top_k=BASELINE_TOP_K, streaming=True
    )
    times = AnswerTimes()
    for question in questions:
        clear_query_cache(index.embedder)
        started = time.perf_counter()
        try:
            bundle = QueryBundle(question)
            nodes = engine.retrieve(bundle)
            times.first_citation.append(time.perf_counter() - started)
            response = engine.synthesize(bundle, nodes)
            first: float | None = None
            for token in getattr(response, "response_gen", iter(())):
                if first is None and token:
                    first = time.perf_counter() - started
            if first is not None:
                times.first_token.append(first)
            times.total.append(time.perf_counter() - started)
            times.modes["generate"] = times.modes.get("generate", 0) + 1
        except Exception as exc:  # a failed baseline answer is recorded, not fatal to the run
            times.errors.append(f"{question[:40]}: {type(exc).__name__}: {exc}"[:200])
    return times
