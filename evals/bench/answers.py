"""Answer latency: ours through the real app on a real socket (SSE), the baseline in-process.

Ours: `build_app(engine, settings)` (API + Gradio page, what `serve` runs) under uvicorn on 127.0.0.1;
an httpx client posts to `/api/chat/stream` and notes when the `citations` event, the first `delta`
event and the end of the stream arrive. A real socket rather than TestClient, because TestClient hands a
streamed body over only when it is complete, which would hide the first-event times.
`openai_pass` does the same through `/v1/chat/completions` with `stream: true`, the OpenAI chunk stream
that clients such as Open WebUI read: there the citations come on the last chunk.
*First visible text* is when the user first sees answer text: the first non-empty `delta` (or content
chunk); an answer without a draft (quotes, a rendering, a refusal) is first seen when it arrives whole.
Every question pays for its query embedding and for its model translations (the Chinese search rendering,
the rendering of the answer's clause): both caches are cleared before each question.
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

from assistant.language.translate import clear_cache as clear_translation_cache
from assistant.language.written import LANGUAGES, written_in
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
    """Seconds per question; `first_token` only for answers that streamed text, `first_text` for all.

    `in_language` counts answers written in the asker's language (`written_in`, the eval's check), for
    passes that know the asker's language; `wrong_language` lists the others, shortened."""

    first_citation: list[float] = field(default_factory=list)
    first_token: list[float] = field(default_factory=list)
    first_text: list[float] = field(default_factory=list)
    total: list[float] = field(default_factory=list)
    modes: dict[str, int] = field(default_factory=dict)
    refused: int = 0
    fallbacks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    in_language: int = 0
    wrong_language: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dict(vars(self))

    def note_language(self, text: str, language: str | None) -> None:
        """Count `text` as written in the asker's `language`, or list it (None: not a language pass)."""
        if language is None or language not in LANGUAGES:
            return
        if written_in(text, language):
            self.in_language += 1
        else:
            self.wrong_language.append(f"{language}: {text[:80]}")


def _fresh(index: ForumIndex) -> None:
    """Forget the query vectors and model translations of earlier questions (see the module docstring)."""
    clear_query_cache(index.embedder)
    clear_translation_cache()


def _languages(questions: list[str], languages: list[str] | None) -> list[str | None]:
    return list(languages) if languages is not None else [None] * len(questions)


def sse_pass(
    url: str, index: ForumIndex, questions: list[str], mode: str, languages: list[str] | None = None
) -> AnswerTimes:
    """Ask each question once through `/api/chat/stream`; every question pays for its query embedding.

    `languages`: the asker's language of each question, to count the answers written in it."""
    import httpx

    times = AnswerTimes()
    with httpx.Client(timeout=httpx.Timeout(600.0, connect=10.0)) as client:
        for question, language in zip(questions, _languages(questions, languages), strict=True):
            _fresh(index)
            seen: dict[str, float] = {}
            event, answer, first_text = "", None, None
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
                        if first_text is None and isinstance(answer, dict) and answer.get("answer"):
                            first_text = time.perf_counter() - started
                    elif (
                        line.startswith("data:")
                        and event == "delta"
                        and first_text is None
                        and json.loads(line[5:]).get("delta", "").strip()
                    ):
                        first_text = time.perf_counter() - started
            total = time.perf_counter() - started
            if event == "error" or not isinstance(answer, dict) or "answer" not in answer:
                times.errors.append(f"{question[:40]}: {str(answer)[:200]}")
                continue
            times.first_citation.append(seen.get("citations", total))
            if "delta" in seen:
                times.first_token.append(seen["delta"])
            times.first_text.append(total if first_text is None else first_text)
            times.total.append(total)
            _note_answer(times, answer, language)
    return times


def _note_answer(times: AnswerTimes, answer: dict[str, Any], language: str | None) -> None:
    """Mode, refusal, fall-back and language of one finished answer object."""
    times.modes[answer["mode"]] = times.modes.get(answer["mode"], 0) + 1
    times.refused += bool(answer.get("refused"))
    if answer.get("fallback_reason"):
        times.fallbacks.append(str(answer["fallback_reason"])[:120])
    times.note_language(str(answer.get("answer", "")), language)


def openai_pass(
    url: str, index: ForumIndex, questions: list[str], languages: list[str] | None = None
) -> AnswerTimes:
    """Ask each question once through `/v1/chat/completions` with `stream: true` (model `forum-assistant`,
    the default configuration). First citation: the chunk that carries `citations` (the last one, by the
    protocol); first text: the first chunk with non-empty `content`; the end: `data: [DONE]`."""
    import httpx

    times = AnswerTimes()
    with httpx.Client(timeout=httpx.Timeout(600.0, connect=10.0)) as client:
        for question, language in zip(questions, _languages(questions, languages), strict=True):
            _fresh(index)
            first_text: float | None = None
            first_citation: float | None = None
            answer: Any = None
            body = {
                "model": "forum-assistant",
                "stream": True,
                "messages": [{"role": "user", "content": question}],
            }
            started = time.perf_counter()
            with client.stream("POST", f"{url}/v1/chat/completions", json=body) as r:
                if r.status_code != 200:
                    times.errors.append(f"{r.status_code}: {r.read()[:200]!r}")
                    continue
                for line in r.iter_lines():
                    if not line.startswith("data:") or line[5:].strip() == "[DONE]":
                        continue
                    chunk = json.loads(line[5:])
                    now = time.perf_counter() - started
                    if "error" in chunk:
                        answer = chunk
                        continue
                    content = (chunk.get("choices") or [{}])[0].get("delta", {}).get("content") or ""
                    if first_text is None and content.strip():
                        first_text = now
                    if first_citation is None and "citations" in chunk:
                        first_citation = now
                    if "forum_answer" in chunk:
                        answer = chunk["forum_answer"]
            total = time.perf_counter() - started
            if not isinstance(answer, dict) or "answer" not in answer:
                times.errors.append(f"{question[:40]}: {str(answer)[:200]}")
                continue
            times.first_citation.append(total if first_citation is None else first_citation)
            times.first_text.append(total if first_text is None else first_text)
            times.total.append(total)
            _note_answer(times, answer, language)
    return times


def baseline_pass(
    index: ForumIndex, llm: LLM, questions: list[str], languages: list[str] | None = None
) -> AnswerTimes:
    """The plain pipeline, streaming, once per question (`languages`: as for `sse_pass`)."""
    from llama_index.core.query_engine import CitationQueryEngine
    from llama_index.core.schema import QueryBundle

    from evals.baseline import BASELINE_TOP_K, BaselinePipeline

    pipeline = BaselinePipeline(index, llm)
    engine = CitationQueryEngine.from_args(
        pipeline.vindex, llm=llm, similarity_top_k=BASELINE_TOP_K, streaming=True
    )
    times = AnswerTimes()
    for question, language in zip(questions, _languages(questions, languages), strict=True):
        clear_query_cache(index.embedder)
        started = time.perf_counter()
        try:
            bundle = QueryBundle(question)
            nodes = engine.retrieve(bundle)
            times.first_citation.append(time.perf_counter() - started)
            response = engine.synthesize(bundle, nodes)
            first: float | None = None
            seen_text: float | None = None
            text = ""
            for token in getattr(response, "response_gen", iter(())):
                if first is None and token:
                    first = time.perf_counter() - started
                if seen_text is None and token and token.strip():
                    seen_text = time.perf_counter() - started
                text += token or ""
            total = time.perf_counter() - started
            if first is not None:
                times.first_token.append(first)
            times.first_text.append(total if seen_text is None else seen_text)
            times.total.append(total)
            times.modes["generate"] = times.modes.get("generate", 0) + 1
            times.note_language(text, language)
        except Exception as exc:  # a failed baseline answer is recorded, not fatal to the run
            times.errors.append(f"{question[:40]}: {type(exc).__name__}: {exc}"[:200])
    return times
