"""One request to a Statuspage page's `summary.json`: deadline, size cap, conditional request.

`StatuspageClient.fetch(validators)` returns a `FetchResult` (200 with a parsed Summary, or 304),
or raises `FetchError` whose `reason` is one of `REASONS`. Nothing else escapes for a failure we
can name; a bug still raises loudly.

Why it is not a plain `session.get(url, timeout=...)`: requests' timeouts bound each socket
operation, not the request, so a server that drips one byte at a time could hold it forever, and
name resolution has no timeout at all. Here the socket timeout is re-armed with the time left
before every read, and the whole request runs in a worker thread that the caller stops waiting
for at the deadline.
"""

from __future__ import annotations

import email.utils
import threading
import time
import zlib
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions

from exporter import __version__
from exporter.engines import ENGINES, Body, Engine
from exporter.errors import FetchError, InvalidPayload
from exporter.model import Summary
from exporter.upstream import NoSlot, RequestSockets, Upstream, new_session, tracking

MAX_BODY_BYTES = 8 * 1024 * 1024
MAX_RETRY_AFTER_SECONDS = 3600.0
MAX_REDIRECTS = 5
USER_AGENT = f"github-status-exporter/{__version__} (+https://github.com/github-status-exporter/github-status-exporter)"
_READ_CHUNK = 64 * 1024
_DECODERS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": 32 + zlib.MAX_WBITS}


@dataclass(frozen=True)
class Validators:
    """What the last 200 said to send back for a conditional request."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(frozen=True)
class FetchResult:
    """A successful request: a new Summary (200) or confirmation that ours is current (304)."""

    status: int
    summary: Summary | None
    validators: Validators


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), capped at 1 h."""
    if not value:
        return None
    value = value.strip()
    if _is_ascii_number(value):
        seconds = float(value)
    else:
        try:
            moment = email.utils.parsedate_to_datetime(value)
            if moment.tzinfo is None:
                return None
            seconds = moment.timestamp() - (time.time() if now is None else now)
        except (TypeError, ValueError, OverflowError, IndexError):  # what a garbled date can raise
            return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


def _same_site(page_host: str, target_host: str) -> bool:
    """The same host, give or take a leading "www." (githubstatus.com -> www.githubstatus.com)."""
    return page_host.lower().removeprefix("www.") == target_host.lower().removeprefix("www.")


def _is_ascii_number(text: str) -> bool:
    """True for "123"; str.isdigit alone also accepts "²", which int() then refuses."""
    return text.isascii() and text.isdigit()


class StatuspageClient:
    """Fetches one page's summary.json. Thread-safe; holds one keep-alive session."""

    def __init__(
        self,
        base_url: str,
        timeout: float,
        *,
        upstream: Upstream | None = None,
        max_bytes: int = MAX_BODY_BYTES,
        engine: Engine = ENGINES["statuspage"],
        clock: Callable[[], float] = time.monotonic,
    ):
        """With `upstream`, the session and request slots are shared with other pages' clients."""
        self._engine = engine
        (self.url,) = engine.endpoints(base_url.rstrip("/"))  # one-document engines until the transport split
        self._host = urlsplit(self.url).hostname or ""
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._clock = clock
        self._upstream = upstream
        self._session = upstream.session(self.url) if upstream else new_session()

    def fetch(self, validators: Validators = Validators()) -> FetchResult:
        """One request, finished or abandoned by the deadline. Raises FetchError."""
        deadline = self._clock() + self.timeout
        outcome: Future[FetchResult] = Future()
        sockets = RequestSockets()

        def run() -> None:
            try:
                with tracking(sockets):
                    outcome.set_result(self._request(validators, deadline))
            except BaseException as err:  # handed to the waiting caller, which re-raises it
                outcome.set_exception(err)

        # A daemon thread, so that a request stuck in name resolution never delays exit.
        threading.Thread(target=run, name="statuspage-fetch", daemon=True).start()
        try:
            return outcome.result(timeout=max(deadline - self._clock(), 0.0))
        except FutureTimeout:
            sockets.cut()  # the worker's read fails now: the thread ends and frees its slot
            raise FetchError("timeout", f"no complete answer within {self.timeout:g}s") from None

    def _request(self, validators: Validators, deadline: float) -> FetchResult:
        headers = {
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
            "Accept-Encoding": "gzip",
            **validators.headers(),
        }
        try:
            with self._slot(deadline), self._get(headers, deadline) as response:
                self._check_status(response)
                if response.status_code == 304:
                    return FetchResult(304, None, validators)
                body = self._read_body(response, deadline)
                new_validators = Validators(response.headers.get("ETag"), response.headers.get("Last-Modified"))
        except NoSlot as err:
            raise FetchError("timeout", f"no request slot within {self.timeout:g}s: {err}") from None
        except requests.exceptions.InvalidURL as err:  # a redirect to a name requests refuses
            raise FetchError("http_status", f"bad redirect: {err}") from None
        except (TimeoutError, requests.Timeout, urllib3.exceptions.TimeoutError) as err:
            raise FetchError("timeout", str(err) or "timed out") from None
        except (
            requests.ConnectionError,
            requests.exceptions.ChunkedEncodingError,
            urllib3.exceptions.HTTPError,
            OSError,
        ) as err:
            reason = "timeout" if self._clock() >= deadline else "connection"
            raise FetchError(reason, str(err) or type(err).__name__) from None
        return FetchResult(200, self._parse(body, response.headers.get("Content-Type", "")), new_validators)

    def _get(self, headers: dict[str, str], deadline: float) -> requests.Response:
        """GET the summary, following redirects ourselves without reading their bodies.

        Session.send reads every 3xx body whole (past our size cap and deadline), even with
        allow_redirects=False, and parses its Location unguarded; so requests go straight to the
        transport adapter, with the settings Session.request would have merged in.
        """
        url = self.url
        for _ in range(MAX_REDIRECTS + 1):
            left = self._time_left(deadline)
            prepared = self._session.prepare_request(requests.Request("GET", url, headers=headers))
            settings = self._session.merge_environment_settings(prepared.url, {}, True, None, None)
            adapter = self._session.get_adapter(prepared.url)
            response = adapter.send(prepared, timeout=(left, left), **settings)
            if not response.is_redirect:
                return response
            response.close()
            location = response.headers["Location"]
            try:
                url = urljoin(url, location)
                target = urlsplit(url)
                target.port  # noqa: B018 - raises ValueError for a bad port
                if target.scheme not in ("http", "https") or not target.hostname:
                    raise ValueError(url)
            except ValueError:
                raise FetchError(
                    "http_status", f"bad redirect Location {location[:100]!r}", response.status_code
                ) from None
            if not _same_site(self._host, target.hostname):
                # Only pages on the allowlist may be read: a page must not send us anywhere else.
                raise FetchError(
                    "http_status", f"redirect to another host refused: {target.hostname[:100]}", response.status_code
                )
        raise FetchError("http_status", f"redirect loop: more than {MAX_REDIRECTS} redirects", response.status_code)

    def _slot(self, deadline: float) -> AbstractContextManager[None]:
        if self._upstream is None:
            return nullcontext()
        return self._upstream.slot(self.url, deadline - self._clock())

    def _time_left(self, deadline: float) -> float:
        left = deadline - self._clock()
        if left <= 0:
            raise FetchError("timeout", f"no complete answer within {self.timeout:g}s")
        return left

    @staticmethod
    def _check_status(response: requests.Response) -> None:
        status = response.status_code
        if status in (200, 304):
            return
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if status == 429:
            raise FetchError("rate_limited", "HTTP 429", status, retry_after)
        raise FetchError("http_status", f"HTTP {status}", status, retry_after if status == 503 else None)

    def _read_body(self, response: requests.Response, deadline: float) -> bytes:
        """The decoded body, read chunk by chunk under the deadline and the size cap."""
        declared = response.headers.get("Content-Length", "")
        if _is_ascii_number(declared) and int(declared) > self.max_bytes:
            raise FetchError("too_large", f"Content-Length {declared} over {self.max_bytes} bytes", 200)
        encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding not in ("", "identity") and encoding not in _DECODERS:
            raise FetchError("invalid_json", f"unsupported Content-Encoding {encoding!r}", 200)
        decoder = zlib.decompressobj(_DECODERS[encoding]) if encoding in _DECODERS else None
        raw = response.raw
        wire_bytes = 0
        chunks: list[bytes] = []
        decoded_bytes = 0
        while True:
            self._arm_socket_timeout(raw, self._time_left(deadline))
            chunk = raw.read1(_READ_CHUNK, decode_content=False)
            if not chunk:
                break
            wire_bytes += len(chunk)
            if wire_bytes > self.max_bytes:
                raise FetchError("too_large", f"body over {self.max_bytes} bytes on the wire", 200)
            for piece in self._decode(decoder, chunk, self.max_bytes - decoded_bytes):
                decoded_bytes += len(piece)
                chunks.append(piece)
        if decoder is not None:
            tail = decoder.flush()
            decoded_bytes += len(tail)
            chunks.append(tail)
            if not decoder.eof:
                raise FetchError("invalid_json", f"truncated {encoding} body", 200)
        if decoded_bytes > self.max_bytes:
            raise FetchError("too_large", f"body over {self.max_bytes} bytes decoded", 200)
        return b"".join(chunks)

    def _decode(self, decoder, chunk: bytes, room: int) -> list[bytes]:
        """Decompress without ever producing more than `room` (+1) bytes: a gzip bomb stops here."""
        if decoder is None:
            return [chunk]
        pieces = []
        data = chunk
        try:
            while data:
                piece = decoder.decompress(data, room + 1)
                room -= len(piece)
                pieces.append(piece)
                if room < 0:
                    raise FetchError("too_large", f"body over {self.max_bytes} bytes decoded", 200)
                data = decoder.unconsumed_tail
        except zlib.error as err:
            raise FetchError("invalid_json", f"bad compressed body: {err}", 200) from None
        return pieces

    @staticmethod
    def _arm_socket_timeout(raw: urllib3.response.BaseHTTPResponse, seconds: float) -> None:
        """Bound the next read by the time left (a fake response in tests has no connection)."""
        connection = getattr(raw, "connection", None)
        sock = getattr(connection, "sock", None)
        if sock is not None:
            sock.settimeout(seconds)

    def _parse(self, body: bytes, content_type: str) -> Summary:
        try:
            return self._engine.interpret([Body(body, content_type)])
        except InvalidPayload as err:
            raise FetchError("invalid_payload", str(err), 200) from None
