"""A real forward proxy for integration tests: Debian's tinyproxy on a free loopback port.

    with Tinyproxy(connect_ports=[page_port]) as proxy:
        env = {"HTTPS_PROXY": proxy.url}
        ...
        assert proxy.client_connections() == 0

The proxy runs in the foreground (`-d`) with a config written into its own temporary directory,
logs there, and is stopped (SIGTERM, then SIGKILL) when the block ends.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.integration.exporter_process import free_port

TINYPROXY = "/usr/bin/tinyproxy"
#: /proc/net/tcp state codes (include/net/tcp_states.h).
_ESTABLISHED = "01"


def tinyproxy_path() -> str | None:
    """The tinyproxy binary, or None when it is not installed."""
    return shutil.which("tinyproxy") or (TINYPROXY if Path(TINYPROXY).is_file() else None)


class Tinyproxy:
    """tinyproxy on 127.0.0.1, allowing only loopback clients and CONNECT to `connect_ports`."""

    def __init__(self, connect_ports: list[int], binary: str | None = None) -> None:
        self.binary = binary or tinyproxy_path() or TINYPROXY
        self.connect_ports = list(connect_ports)
        self.port = free_port()
        self._dir = Path(tempfile.mkdtemp(prefix="gse-tinyproxy-"))
        self.log_file = self._dir / "tinyproxy.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """The proxy URL, as given to HTTP_PROXY / HTTPS_PROXY."""
        return f"http://127.0.0.1:{self.port}"

    def _config(self) -> str:
        lines = [
            f"Port {self.port}",
            "Listen 127.0.0.1",
            "Allow 127.0.0.1",
            # Longer than any test: the proxy must not be what ends a stuck request.
            "Timeout 120",
            "MaxClients 64",
            f'LogFile "{self.log_file}"',
            "LogLevel Info",
            # Without a ConnectPort line tinyproxy allows CONNECT to every port; list them instead.
            *(f"ConnectPort {port}" for port in self.connect_ports),
        ]
        return "\n".join(lines) + "\n"

    def start(self, timeout: float = 10.0) -> Tinyproxy:
        config = self._dir / "tinyproxy.conf"
        config.write_text(self._config())
        self.proc = subprocess.Popen(
            [self.binary, "-d", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=(self._dir / "stderr.txt").open("w"),
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise AssertionError(f"tinyproxy exited with {self.proc.returncode}: {self.log_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"tinyproxy not accepting within {timeout}s: {self.log_text()}") from None
                time.sleep(0.02)
        # The readiness probe above was a connection too: wait until the proxy has logged it and let
        # it go, so that connections_accepted() counts from zero.
        while self._connects_in_log() < 1 or self.client_connections():
            if time.monotonic() > deadline:
                raise AssertionError(f"tinyproxy did not log its readiness probe: {self.log_text()}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> Tinyproxy:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def log_text(self) -> str:
        parts = [p.read_text(errors="replace") for p in (self.log_file, self._dir / "stderr.txt") if p.exists()]
        return "\n".join(parts)

    def client_connections(self) -> int:
        """Established TCP connections to the proxy's port: clients it is serving right now.

        Counted on the proxy's side (local port = the proxy's port). A client that closed or shut
        down its end leaves the proxy's socket in CLOSE_WAIT, which does not count: the client has
        let go, whatever the proxy still does upstream.
        """
        return sum(1 for local_port, _, state in tcp_sockets() if local_port == self.port and state == _ESTABLISHED)

    def connections_accepted(self) -> int:
        """Client connections tinyproxy has accepted since it was ready (its readiness probe aside)."""
        return self._connects_in_log() - 1

    def _connects_in_log(self) -> int:
        return self.log_text().count("]: Connect (file descriptor ")

    def requests_relayed(self) -> int:
        """Requests (GET ..., CONNECT ...) tinyproxy has read from its clients, from its log.

        The readiness probe sends none, so it does not count.
        """
        return self.log_text().count("]: Request (file descriptor ")


def tcp_sockets() -> list[tuple[int, int, str]]:
    """(local port, remote port, state) of every TCP socket on the machine, IPv4 and IPv6."""
    sockets = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:  # no IPv6 in this kernel
            continue
        for line in lines:
            fields = line.split()
            local, remote, state = fields[1], fields[2], fields[3]
            sockets.append((int(local.rsplit(":", 1)[1], 16), int(remote.rsplit(":", 1)[1], 16), state))
    return sockets
