"""A raw-socket upstream for tests: it answers whatever bytes a test gives, as HTTP libraries never would.

Each connection's request head is read (up to the blank line) and recorded; the answer is then
`respond(request_line)`, written as is, and the connection closed.

    with RawPage(lambda request: b"HTTP/1.1 103 Early Hints\\r\\n\\r\\nHTTP/1.1 200 OK\\r\\n...") as page:
        fetch(page.url)
        assert page.requests == ["GET /api/v2/summary.json HTTP/1.1"]
"""

from __future__ import annotations

import socket
import threading
from typing import Callable

#: Longest request head read; a client sending more is not one of ours.
MAX_HEAD_BYTES = 64 * 1024


def http_answer(status: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    """A plain answer with these headers (UTF-8, as some servers send them; no Content-Length unless given)."""
    head = f"HTTP/1.1 {status}\r\n" + "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return head.encode("utf-8") + b"\r\n" + body


class RawPage:
    """A TCP server on `host` (127.0.0.1, or 127.0.0.2 for "another host") and an ephemeral port."""

    def __init__(self, respond: Callable[[str], bytes] = lambda request: b"", host: str = "127.0.0.1"):
        self.respond = respond
        self._server = socket.create_server((host, 0))
        self._lock = threading.Lock()
        self._requests: list[str] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def host(self) -> str:
        return self._server.getsockname()[0]

    @property
    def port(self) -> int:
        return self._server.getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def requests(self) -> list[str]:
        """The request line of every request, in order."""
        with self._lock:
            return list(self._requests)

    def __enter__(self) -> RawPage:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        try:
            self._server.shutdown(socket.SHUT_RDWR)  # wakes the accept() waiting in the thread
        except OSError:  # nothing to wake
            pass
        self._server.close()
        self._thread.join(5.0)

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._server.accept()
            except OSError:  # closed: the test is over
                return
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        with connection:
            connection.settimeout(5.0)
            head = b""
            try:
                while b"\r\n\r\n" not in head and len(head) < MAX_HEAD_BYTES:
                    chunk = connection.recv(4096)
                    if not chunk:
                        return
                    head += chunk
                    if head.startswith(b"\x16"):  # a TLS handshake: this page speaks plain HTTP only
                        return
                request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
                with self._lock:
                    self._requests.append(request_line)
                connection.sendall(self.respond(request_line))
                connection.shutdown(socket.SHUT_WR)
                while connection.recv(4096):  # let the client finish reading before the close
                    pass
            except OSError:  # the client hung up or was cut by its deadline: that can be the point
                return
