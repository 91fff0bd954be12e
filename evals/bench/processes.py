"""Ports and child processes on 127.0.0.1: what the bench's `chroma run` rows and the tests both need.

- `free_port()`             a port the kernel says is free on 127.0.0.1, for a subprocess to take.
- `stop_process(process)`   SIGTERM, then SIGKILL after a grace period; always reaps.
- `answers(process, url, deadline)`  poll a child's URL until 200, its exit, or the deadline.
- `ChromaServer(path, log)` `chroma run` from the venv on 127.0.0.1; restartable on the same port.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

BIN = Path(sys.executable).parent


def free_port() -> int:
    """A port the kernel says is free on 127.0.0.1 (closed again at once, so another process can bind it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop_process(process: subprocess.Popen[Any], grace_s: float = 30.0) -> None:
    """SIGTERM, then SIGKILL after `grace_s`; always reaps the process."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)


def answers(process: subprocess.Popen[Any], url: str, deadline: float, *, timeout_s: float = 2.0) -> bool:
    """Poll `url` until it answers 200 (True), or `process` exits or the monotonic `deadline` passes (False)."""
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(url, timeout=timeout_s).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    return False


class ChromaServer:
    """`chroma run --path DIR --host 127.0.0.1 --port N` from the venv; restartable on the same port."""

    def __init__(self, path: Path, log: Path, port: int | None = None) -> None:
        self.path = path
        self.log = log
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, wait_s: float = 60.0) -> ChromaServer:
        """Start the server and wait (bounded) until its heartbeat answers."""
        command = [str(BIN / "chroma"), "run", "--path", str(self.path), "--host", "127.0.0.1"]
        command += ["--port", str(self.port)]
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:  # a just-stopped server may hold the port for a moment
            with self.log.open("ab") as out:
                self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
            if answers(self.process, f"{self.url}/api/v2/heartbeat", deadline, timeout_s=1.0):
                return self
            time.sleep(0.5)
        self.stop()
        log = self.log.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"chroma run did not answer within {wait_s} s: {log}")

    def stop(self) -> None:
        """Stop the server (bounded wait)."""
        if self.process is not None:
            stop_process(self.process, grace_s=20)

    def __enter__(self) -> ChromaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
