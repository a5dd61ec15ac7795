"""A loopback fake Statuspage page for integration tests: a real HTTP server on 127.0.0.1.

It serves `/api/v2/summary.json` (and any other path given to `set_route`, for other engines) from
whatever the test put in it, honours `If-None-Match`, records
every request it gets, and can misbehave on demand (status codes, headers, raw bodies, delays).

    with FakeStatuspage() as page:
        page.set_summary(payloads.summary(indicator="major"))
        run_exporter(status_url=page.url)
        assert page.request_count == 1
"""

from __future__ import annotations

import hashlib
import json
import socket
import ssl
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests import payloads

SUMMARY_PATH = "/api/v2/summary.json"


@dataclass
class Reply:
    """What the fake answers to the next requests."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_seconds: float = 0.0
    etag: bool = True
    #: Send the body one byte at a time, this many seconds apart (a slow-drip server).
    drip_interval_seconds: float = 0.0
    #: Announce the whole body, send this many bytes of it, then reset the connection (RST).
    reset_after_bytes: int | None = None
    #: Instead of `body`, stream this many filler bytes, chunked, with no Content-Length.
    stream_bytes: int = 0
    #: Send the status line and a header that never ends, one byte this many seconds apart, until
    #: the fake stops (at most HEAD_DRIP_MAX_SECONDS): headers that never complete.
    head_drip_interval_seconds: float = 0.0


#: How long a head drip goes on at most, so a forgotten one cannot outlive a test run by much.
HEAD_DRIP_MAX_SECONDS = 60.0


_NOT_FOUND = Reply(status=404, body=b"not found", etag=False)


@dataclass(frozen=True)
class SeenRequest:
    path: str
    headers: dict[str, str]
    at: float
    #: The client's source port: one per TCP connection.
    client_port: int


class FakeStatuspage:
    """A threaded HTTP server on an ephemeral loopback port."""

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self._lock = threading.Lock()
        self._reply = Reply()
        self._routes: dict[str, Reply] = {}
        self._requests: list[SeenRequest] = []
        self._in_flight = 0
        self.max_in_flight = 0
        self._stopping = threading.Event()
        self.set_summary(payloads.summary())
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._scheme = "http"
        if ssl_context is not None:
            self._server.socket = ssl_context.wrap_socket(self._server.socket, server_side=True)
            self._scheme = "https"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> FakeStatuspage:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeStatuspage:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """The page's base URL, as given to `--statuspage.url`."""
        host, port = self._server.server_address[:2]
        return f"{self._scheme}://{host}:{port}"

    # -- what to answer ------------------------------------------------------------------------
    def set_summary(self, document: dict) -> None:
        """Serve this summary.json document with status 200 (and an ETag)."""
        self.set_reply(
            Reply(status=200, body=json.dumps(document).encode(), headers={"Content-Type": "application/json"})
        )

    def set_reply(self, reply: Reply) -> None:
        with self._lock:
            self._reply = reply

    def set_route(self, path: str, reply: Reply) -> None:
        """Answer requests for exactly `path` with `reply`: another engine's documents. A `path`
        without a query answers any query; one with a query (`/c?page=2`), exactly that one."""
        with self._lock:
            self._routes[path] = reply

    def set_document(self, path: str, body: bytes, content_type: str = "application/json") -> None:
        """Serve these bytes at `path` with status 200 (and an ETag)."""
        self.set_route(path, Reply(status=200, body=body, headers={"Content-Type": content_type}))

    # -- what was asked ------------------------------------------------------------------------
    @property
    def requests(self) -> list[SeenRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self._requests)

    def _record(self, path: str, headers: dict[str, str], client_port: int) -> Reply:
        with self._lock:
            self._requests.append(SeenRequest(path, headers, time.monotonic(), client_port))
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            route = self._routes.get(path, self._routes.get(path.split("?")[0]))
            if route is not None:
                return route
            # Any prefix: one fake can stand for many pages (http://127.0.0.1:PORT/p1, /p2, ...).
            if not path.split("?")[0].endswith(SUMMARY_PATH):
                return _NOT_FOUND
            return self._reply

    def _done(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                reply = fake._record(self.path, dict(self.headers.items()), self.client_address[1])
                self._in_flight = True
                try:
                    self._answer(reply)
                finally:
                    self._leave_flight()

            def _leave_flight(self) -> None:
                """No longer in flight: called before the answer's last bytes go out, so that a
                client that has the whole answer (and may ask again) is never counted twice."""
                if self._in_flight:
                    self._in_flight = False
                    fake._done()

            def _answer(self, reply: Reply) -> None:
                if reply.delay_seconds:
                    time.sleep(reply.delay_seconds)
                if reply.head_drip_interval_seconds:
                    self._drip_head(reply.head_drip_interval_seconds)
                    return
                etag = '"' + hashlib.sha256(reply.body).hexdigest()[:16] + '"'
                if reply.status == 200 and reply.etag and self.headers.get("If-None-Match") == etag:
                    self._send(304, b"", {"ETag": etag})
                    return
                headers = dict(reply.headers)
                if reply.status == 200 and reply.etag:
                    headers["ETag"] = etag
                if reply.stream_bytes:
                    self._stream(reply.stream_bytes, headers)
                    return
                if reply.reset_after_bytes is not None:
                    self._reset_mid_body(reply.body, reply.reset_after_bytes, headers)
                    return
                self._send(reply.status, reply.body, headers, reply.drip_interval_seconds)

            def _send(self, status: int, body: bytes, headers: dict[str, str], drip: float = 0.0) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if status != 304:
                    self.send_header("Content-Length", str(len(body)))
                if status == 304 or not body or not drip:
                    self._leave_flight()
                self.end_headers()
                if status == 304:
                    return
                if not drip:
                    self.wfile.write(body)
                    return
                for i in range(len(body)):
                    if i == len(body) - 1:
                        self._leave_flight()
                    self.wfile.write(body[i : i + 1])
                    self.wfile.flush()
                    if fake._stopping.wait(drip):  # the fake stops: no need to finish the drip
                        return

            def _drip_head(self, interval: float) -> None:
                head = b"HTTP/1.1 200 OK\r\nX-Drip: "
                give_up = time.monotonic() + HEAD_DRIP_MAX_SECONDS
                sent = 0
                self.close_connection = True
                try:
                    while time.monotonic() < give_up:
                        self.wfile.write(head[sent : sent + 1] or b"x")
                        self.wfile.flush()
                        sent += 1
                        if fake._stopping.wait(interval):
                            return
                except OSError:  # the client hung up: that is the point
                    pass

            def _stream(self, total: int, headers: dict[str, str]) -> None:
                self.send_response(200)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                chunk = b" " * 65536
                sent = 0
                try:
                    while sent < total:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                        sent += len(chunk)
                    self.wfile.write(b"0\r\n\r\n")
                except OSError:  # the client stopped reading: that is the point
                    self.close_connection = True

            def _reset_mid_body(self, body: bytes, after: int, headers: dict[str, str]) -> None:
                self.send_response(200)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[:after])
                self.wfile.flush()
                # Linger 0: close() sends RST instead of FIN.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
                self.close_connection = True

            def log_message(self, *args) -> None:
                pass

        return Handler
