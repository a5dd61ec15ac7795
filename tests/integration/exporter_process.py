"""Run the real exporter as a child process, the way a user does: `python -m exporter FLAGS`.

with ExporterProcess(["--statuspage.url", page.url]) as exporter:
    text = exporter.get("/metrics").text
    exporter.stop()                      # SIGTERM, and wait
    assert exporter.returncode == 0
    exporter.log_lines()                 # every stderr line, parsed as JSON

`log_lines()` and `stderr_text()` first read whatever the exporter has written and not yet been
read: a line logged before an answer was sent is there once the answer has arrived.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ExporterProcess:
    """The exporter on a free loopback port, with its stderr collected line by line."""

    def __init__(
        self,
        args: list[str],
        env: dict[str, str] | None = None,
        port: int | None = None,
        preexec_fn=None,
        scheme: str = "http",
        client: dict | None = None,
        program: tuple[str, ...] = ("-m", "exporter"),
        source: Path = REPO,
    ):
        """`scheme` and `client` (requests keywords: verify, cert, auth) for a TLS or password-protected exporter;
        `program`: what the interpreter runs, before the flags (a `-c` driver script, for instance);
        `source`: the checkout whose `exporter` package runs (another one, for benchmarks against it)."""
        self.program = program
        self.preexec_fn = preexec_fn
        self.source = source
        self.scheme = scheme
        self.client = client or {}
        self.port = port or free_port()
        self.args = ["--web.listen-address", f"127.0.0.1:{self.port}", *args]
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen | None = None
        self._stderr: list[str] = []
        self._stderr_lock = threading.Lock()
        self._partial = b""
        self._stderr_ended = False
        self._reader: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def start(self, wait_ready: bool = True) -> ExporterProcess:
        self.proc = subprocess.Popen(
            [sys.executable, *self.program, *self.args],
            cwd=self.source,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=self.preexec_fn,
        )
        os.set_blocking(self.proc.stderr.fileno(), False)
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()
        if wait_ready:
            self.wait_healthy()
        return self

    def _read_stderr(self) -> None:
        """Keep the pipe from filling while the exporter runs (a full pipe would block its logging)."""
        while not self._stderr_ended:
            select.select([self.proc.stderr.fileno()], [], [])
            self._drain_stderr()

    def _drain_stderr(self) -> None:
        """Read everything in the pipe now, under the lock: callers see every line written so far."""
        with self._stderr_lock:
            while not self._stderr_ended:
                try:
                    chunk = os.read(self.proc.stderr.fileno(), 65536)
                except BlockingIOError:
                    return
                if not chunk:  # the exporter has exited and closed its end
                    self._stderr_ended = True
                    chunk = b"\n" if self._partial else b""
                *lines, self._partial = (self._partial + chunk).split(b"\n")
                self._stderr.extend(line.decode("utf-8", "replace") for line in lines)

    def wait_healthy(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"exporter exited with {self.proc.returncode}: {self.stderr_text()}")
            try:
                if requests.get(self.base_url + "/-/healthy", timeout=1, **self.client).status_code == 200:
                    return
            except requests.ConnectionError:
                time.sleep(0.05)
        raise AssertionError(f"exporter not healthy within {timeout}s: {self.stderr_text()}")

    def get(self, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 15)
        return requests.get(self.base_url + path, **{**self.client, **kwargs})

    def metrics(self, **kwargs) -> str:
        response = self.get("/metrics", **kwargs)
        assert response.status_code == 200, response.text
        return response.text

    def send_signal(self, sig: int = signal.SIGTERM) -> None:
        self.proc.send_signal(sig)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout)
        self._reader.join(5)
        return code

    @property
    def returncode(self) -> int | None:
        return self.proc.poll()

    def stderr_text(self) -> str:
        self._drain_stderr()
        return "\n".join(self._stderr)

    def log_lines(self) -> list[dict]:
        self._drain_stderr()
        return [json.loads(line) for line in self._stderr]

    def __enter__(self) -> ExporterProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
