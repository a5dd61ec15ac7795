"""GETs under one deadline, by every route to a page: direct, via an HTTP proxy, or CONNECT through one.

`Deadline(seconds).run(work)` runs `work` in the calling thread, and the process's one alarm clock
(`alarms.py`) rings when the deadline passes. Every socket the work's requests open is adopted by
the deadline the moment it is connected, before any proxy CONNECT or TLS byte (the deadline holds a
duplicate descriptor, which TLS wrapping cannot detach), so when the alarm rings it shuts them all
down: the work's next (or current) read fails at once, `run` raises the timeout and the slot is freed. Name
resolution, which no socket can cut, runs in a small bounded pool and is waited for no longer than
the time left; connecting is bounded by a socket timeout of the time left. So nothing of a request
outlives its deadline but a resolver thread still waiting for the system resolver to give up, and
at most `RESOLVER_THREADS` of those can exist.

`Transport` makes the requests of one fetch over a connection pool of its own, closed when the
fetch ends: no connection is ever shared with another fetch, so cutting one fetch's sockets can
never break another's. (Keep-alive across fetches would save one handshake per TTL; not worth a
shared pool whose sockets a cut could reach.) Proxies, `NO_PROXY` and CA bundles
(`REQUESTS_CA_BUNDLE`, `CURL_CA_BUNDLE`, and OpenSSL's `SSL_CERT_FILE`) come from the environment.

`Transport.get(url, headers)` follows redirects only on the page's own host (give or take `www.`)
and never from https to http, caps the decoded body, and returns an `Answer` with the status,
headers and bytes, whatever the status; or raises `FetchError` (timeout, connection, too_large,
invalid_json for an undecodable encoding, http_status for a refused redirect).

A redirect is checked on the URL as it will be requested: the Location is joined and prepared
exactly as the request is, then parsed by urllib3's parser, the one that picks the host to connect
to (and by the standard library's too, which must agree). A Location with a backslash, userinfo or
a control character is refused outright: parsers disagree on those, and no page needs them.
Interim answers (1xx, such as 103 Early Hints) are skipped; a response header that does not parse
fails the request as `connection`, as in Go, instead of losing the headers after it.
"""

from __future__ import annotations

import http.client
import ipaddress
import os
import re
import socket
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Callable, Mapping, TypeVar
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.connection
import urllib3.connectionpool
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_environ_proxies, get_netrc_auth
from urllib3.util import parse_url
from urllib3.util.connection import allowed_gai_family
from urllib3.util.response import assert_header_parsing
from urllib3.util.ssl_ import create_urllib3_context, resolve_cert_reqs, resolve_ssl_version

from exporter import __version__
from exporter.errors import FetchError
from exporter.fetch.alarms import alarm_clock

T = TypeVar("T")

MAX_REDIRECTS = 5
USER_AGENT = f"github-status-exporter/{__version__} (+https://github.com/github-status-exporter/github-status-exporter)"
#: Name lookups in progress at once, in all; a hung resolver holds at most this many threads.
RESOLVER_THREADS = 4
_READ_CHUNK = 64 * 1024
#: What we ask for (gzip) and what servers send anyway; anything else we could not decode.
_DECODABLE = frozenset({"", "identity", "gzip", "x-gzip", "deflate"})
#: Characters no Location may hold: parsers split URLs differently at a backslash, and a control
#: character (tab, CR, LF, NUL...) is silently dropped by some and kept by others.
_REFUSED_IN_LOCATION = re.compile(r"[\\\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Answer:
    """One URL's answer: the final status, its headers and (for a 200) the decoded body."""

    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes = b""


class Deadline:
    """The one deadline of a fetch: the time left, and every socket to cut when it passes. Thread-safe."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.seconds = seconds
        self._clock = clock
        self._expires = clock() + seconds
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._cut = False

    def left(self) -> float:
        """Seconds left; raises FetchError("timeout") once there are none."""
        left = self._expires - self._clock()
        if left <= 0:
            raise self.expired_error()
        return left

    @property
    def passed(self) -> bool:
        return self._clock() >= self._expires

    def expired_error(self) -> FetchError:
        return FetchError("timeout", f"no complete answer within {self.seconds:g}s")

    def adopt(self, sock: socket.socket) -> None:
        """Cut this socket with the others when the deadline passes (at once if it has).

        The deadline keeps a duplicate of the descriptor: TLS (`wrap_socket`) detaches the
        socket object it wraps, and a shutdown through the duplicate still reaches the connection,
        while a closed descriptor's number, reused by another socket, is never touched.
        """
        duplicate = sock.dup()
        with self._lock:
            self._sockets.append(duplicate)
            cut = self._cut
        if cut:
            _shutdown(duplicate)

    def cut(self) -> None:
        """Shut down every socket adopted so far, and any adopted from now on."""
        with self._lock:
            self._cut = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shutdown(sock)

    def _release(self) -> None:
        """Close the duplicates (the connections themselves close with their transport)."""
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            sock.close()

    def run(self, work: Callable[[], T]) -> T:
        """`work()` in this thread under this deadline; raises FetchError("timeout") when it passes.

        An alarm cuts the sockets the work holds when the deadline passes: its read fails at once,
        so the work ends (and its thread is free again) right then, whatever it was waiting for.
        """
        outer = getattr(_current, "deadline", None)
        _current.deadline = self
        alarm = alarm_clock().arm(max(self._expires - self._clock(), 0.0), self.cut)
        try:
            result = work()
        except FetchError:
            if self.passed:
                raise self.expired_error() from None
            raise
        finally:
            alarm.cancel()
            _current.deadline = outer
            self._release()
        if self.passed:  # an answer completed after the deadline is no complete answer within it
            raise self.expired_error()
        return result

    def resolve(self, host: str, port: int) -> list[str]:
        """The host's addresses, waited for no longer than the time left."""
        if _is_ip_literal(host):
            return [host]
        lookup = _resolver().submit(socket.getaddrinfo, host, port, allowed_gai_family(), socket.SOCK_STREAM)
        try:
            infos = lookup.result(timeout=self.left())
        except FutureTimeout:
            lookup.cancel()  # still queued: it never runs; running: its thread finishes on its own
            raise FetchError("timeout", f"name resolution of {host[:100]} took longer than the deadline") from None
        except (OSError, UnicodeError) as err:  # UnicodeError: a name IDNA cannot encode ("a..b")
            raise FetchError("connection", f"cannot resolve {host[:100]}: {err}") from None
        return list(dict.fromkeys(info[4][0] for info in infos))


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:  # already closed or never connected: nothing left to cut
        pass


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


_resolver_pool: ThreadPoolExecutor | None = None
_resolver_lock = threading.Lock()


def _resolver() -> ThreadPoolExecutor:
    global _resolver_pool
    with _resolver_lock:
        if _resolver_pool is None:
            _resolver_pool = ThreadPoolExecutor(RESOLVER_THREADS, thread_name_prefix="statuspage-resolve")
        return _resolver_pool


_current = threading.local()


# -- connections whose sockets the deadline adopts ------------------------------------------------


class _DeadlineConnectionMixin:
    """Resolves under the deadline, connects with the time left, and hands the socket to the deadline.

    Used for every connection a fetch makes: to the page, to a proxy, and the proxy connection a
    CONNECT tunnel and TLS then run over.
    """

    def _new_conn(self) -> socket.socket:
        deadline: Deadline | None = getattr(_current, "deadline", None)
        if deadline is None:  # outside Deadline.run (not a path the exporter takes)
            return super()._new_conn()  # type: ignore[misc]
        host = self._dns_host
        error: Exception | None = None
        for address in deadline.resolve(host, self.port):
            self._dns_host, self.timeout = address, deadline.left()
            try:
                sock = super()._new_conn()  # type: ignore[misc]
            except (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError) as err:
                error = err  # try the host's next address
                continue
            finally:
                self._dns_host = host
            deadline.adopt(sock)
            return sock
        assert error is not None  # resolve() returns at least one address or raises
        raise error


class _HTTPResponse(http.client.HTTPResponse):
    """http.client's response, which skips every interim (1xx) answer and refuses bad headers.

    http.client skips only `100 Continue`: a `103 Early Hints` would be taken for the answer. And a
    header line it cannot parse ends the headers silently (urllib3 then logs a traceback); the
    headers after it, Content-Length among them, would be lost.
    """

    def _read_status(self):
        while True:
            version, status, reason = super()._read_status()
            if not 100 <= status < 200 or status == 101:  # 101 Switching Protocols is final
                return version, status, reason
            http.client.parse_headers(self.fp)  # the interim answer's headers: not ours to keep

    def begin(self) -> None:
        super().begin()
        try:
            assert_header_parsing(self.msg)
        except urllib3.exceptions.HeaderParsingError as err:
            raise http.client.HTTPException(f"malformed response header: {str(err)[:200]}") from None


class _HTTPConnection(_DeadlineConnectionMixin, urllib3.connection.HTTPConnection):
    response_class = _HTTPResponse


class _HTTPSConnection(_DeadlineConnectionMixin, urllib3.connection.HTTPSConnection):
    """urllib3's TLS connection, with the verifying context of its CA bundle made once (`_tls_context`).

    urllib3 makes a context and loads the bundle for every connection: certifi's bundle costs
    about 25 ms of CPU, twenty times the rest of a request. Not for a TLS proxy: its handshake
    takes the bundle from the connection, so there urllib3 loads it as before.
    """

    response_class = _HTTPResponse

    def connect(self) -> None:
        tls_proxy = self.proxy is not None and self.proxy.scheme == "https"
        if (
            self.ssl_context is None
            and self.ca_certs
            and not (self.ca_cert_dir or self.ca_cert_data or self.cert_file or tls_proxy)
            and resolve_cert_reqs(self.cert_reqs) == ssl.CERT_REQUIRED
        ):
            context = _tls_context(self.ca_certs, self.ssl_version, self.ssl_minimum_version, self.ssl_maximum_version)
            if context is not None:
                self.ssl_context, self.ca_certs = context, None
        super().connect()


#: Verifying contexts kept at most (CA bundles times TLS versions); then they are made anew.
_MAX_TLS_CONTEXTS = 16
_tls_contexts: dict[tuple, ssl.SSLContext] = {}


def _tls_context(ca_certs: str, version, minimum: int | None, maximum: int | None) -> ssl.SSLContext | None:
    """The context urllib3 would make for a connection that verifies with the bundle `ca_certs`,
    made once per version of the file (path, inode, size and modification time) and shared by
    every connection; None if the file cannot be read (urllib3 then reports it as it always did).
    """
    try:
        stat = os.stat(ca_certs)
        key = (ca_certs, stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, version, minimum, maximum)
        context = _tls_contexts.get(key)
        if context is None:
            context = create_urllib3_context(
                ssl_version=resolve_ssl_version(version),
                ssl_minimum_version=minimum,
                ssl_maximum_version=maximum,
                cert_reqs=ssl.CERT_REQUIRED,
            )
            context.load_verify_locations(ca_certs)
            if len(_tls_contexts) >= _MAX_TLS_CONTEXTS:
                _tls_contexts.clear()
            _tls_contexts[key] = context
    except OSError:  # ssl.SSLError is one: no such file, or no certificate in it
        return None
    return context


class _HTTPPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class _DeadlineAdapter(HTTPAdapter):
    """requests' adapter, with our connections for direct requests and for proxied ones."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = _POOLS
        return manager


# -- the requests of one fetch --------------------------------------------------------------------


class Transport:
    """The requests of one fetch, over connections of its own. Use as a context manager, in Deadline.run."""

    def __init__(self, deadline: Deadline, max_bytes: int):
        """`max_bytes` caps each decoded body (the engine's cap, given by the fetcher)."""
        self._deadline = deadline
        self._max_bytes = max_bytes
        self._adapter = _DeadlineAdapter(pool_connections=1, pool_maxsize=1)

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close every connection this transport opened."""
        self._adapter.close()

    def get(self, url: str, headers: Mapping[str, str]) -> Answer:
        """GET `url`; raises FetchError for a failure of the request itself, whatever the status."""
        try:
            response = self._follow(url, {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip", **headers})
            with response:
                body = self._read_body(response) if response.status_code == 200 else b""
                return Answer(response.url, response.status_code, CaseInsensitiveDict(response.headers), body)
        except FetchError as err:
            raise err.scrubbed(url) from None
        except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema) as err:
            raise FetchError("connection", f"unusable URL or proxy: {err}").scrubbed(url) from None
        except urllib3.exceptions.DecodeError as err:
            raise FetchError("invalid_json", f"bad compressed body: {err}", 200) from None
        except (TimeoutError, requests.Timeout, urllib3.exceptions.TimeoutError) as err:
            raise FetchError("timeout", str(err) or "timed out").scrubbed(url) from None
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as err:
            # A socket the deadline cut fails as a connection error: say what really happened.
            reason = "timeout" if self._deadline.passed else "connection"
            raise FetchError(reason, str(err) or type(err).__name__).scrubbed(url) from None

    def _follow(self, url: str, headers: dict[str, str]) -> requests.Response:
        """GET, following redirects ourselves without reading their bodies.

        Session.send reads every 3xx body whole (past our size cap and deadline), even with
        allow_redirects=False, and parses its Location unguarded; so requests go straight to the
        transport adapter, prepared and with the settings (proxies, CA bundle) as Session.request
        would give them (`_prepare`, `_environment_settings`). Every hop is checked as prepared,
        that is as it will be requested.
        """
        page: _Origin | None = None
        previous: _Origin | None = None
        status = 0
        for _ in range(MAX_REDIRECTS + 1):
            left = self._deadline.left()
            prepared = _prepare(url, headers)
            prepared_url = prepared.url or ""
            origin = _origin(prepared_url, status)
            if page is None:
                page = origin
            else:
                _check_redirect(page, previous, origin, status)
            if not prepared_url.lower().startswith(_ADAPTER_PREFIXES):
                raise requests.exceptions.InvalidSchema(f"No connection adapters were found for {prepared_url!r}")
            proxies, verify = _environment_settings(prepared_url, origin)
            response = self._adapter.send(
                prepared, stream=True, timeout=(left, left), verify=verify, cert=None, proxies=proxies
            )
            if not response.is_redirect:
                return response
            response.close()
            previous, status = origin, response.status_code
            url = _redirect_location(prepared_url, response)
        raise FetchError("http_status", f"redirect loop: more than {MAX_REDIRECTS} redirects", status)

    def _read_body(self, response: requests.Response) -> bytes:
        """The decoded body, read chunk by chunk under the size cap.

        urllib3 (2.6+) decodes a streamed body no further than each read asks, so a gzip bomb
        stops at the cap; the deadline's cut bounds the time.
        """
        declared = response.headers.get("Content-Length", "")
        # Under chunked framing the length means nothing (RFC 9112 6.3): the cap still holds.
        chunked = "chunked" in response.headers.get("Transfer-Encoding", "").lower()
        if not chunked and _is_ascii_number(declared) and int(declared) > self._max_bytes:
            raise FetchError("too_large", f"Content-Length {declared} over {self._max_bytes} bytes", 200)
        encoding = response.headers.get("Content-Encoding", "").strip().lower()
        if encoding not in _DECODABLE:
            raise FetchError("invalid_json", f"unsupported Content-Encoding {encoding[:40]!r}", 200)
        # urllib3 decodes by the header as sent ("gzip " would pass through undecoded): say it plainly.
        response.raw.headers["Content-Encoding"] = encoding
        chunks: list[bytes] = []
        size = 0
        for chunk in response.raw.stream(_READ_CHUNK, decode_content=True):
            size += len(chunk)
            if size > self._max_bytes:
                raise FetchError("too_large", f"body over {self._max_bytes} bytes", 200)
            chunks.append(chunk)
        return b"".join(chunks)


#: The URL prefixes of a Session's adapters (whose get_adapter refuses any other scheme).
_ADAPTER_PREFIXES = ("https://", "http://")
#: The headers a Session starts with (Accept, Connection); the request's own replace them.
_SESSION_HEADERS = requests.utils.default_headers()


def _prepare(url: str, headers: Mapping[str, str]) -> requests.PreparedRequest:
    """The request as Session.prepare_request prepares it: the session's headers under ours, the
    credentials of a `.netrc` for its host, else those of the URL.

    Cookies are left out: the session's jar would be empty (it fills only in Session.send, which
    is never called), and preparing an empty jar costs a tenth of a request's CPU.
    """
    merged = CaseInsensitiveDict(_SESSION_HEADERS)
    merged.update(headers)
    prepared = requests.PreparedRequest()
    prepared.prepare_method("GET")
    prepared.prepare_url(url, None)
    prepared.prepare_headers(merged)
    prepared.prepare_body(None, None, None)
    prepared.prepare_auth(get_netrc_auth(url), url)
    return prepared


#: The variables that decide a request's proxies and CA bundle (the upper and lower case forms
#: requests and urllib read). A change of any of them is seen by the next request; the settings
#: are computed by requests itself, from the whole environment.
_SETTINGS_VARIABLES = (
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
    "REQUEST_METHOD",  # urllib ignores HTTP_PROXY in a CGI script
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "SSL_CERT_FILE",
)
#: Settings kept at most (origins times environments); then they are computed anew.
_MAX_SETTINGS = 1024
_settings: dict[tuple[tuple[str | None, ...], _Origin], tuple[dict[str, str], bool | str]] = {}


def _environment_settings(prepared_url: str, origin: _Origin) -> tuple[dict[str, str], bool | str]:
    """The proxies and CA bundle (`verify`) of a request to `origin`, as
    Session.merge_environment_settings gives them, and OpenSSL's `SSL_CERT_FILE` after requests'
    own variables; kept per origin and environment.

    requests reads the whole environment twice per request for this (a tenth of its CPU); the
    answer depends only on the host, the port and the variables above.
    """
    key = (tuple(map(os.environ.get, _SETTINGS_VARIABLES)), origin)
    settings = _settings.get(key)
    if settings is None:
        proxies = get_environ_proxies(prepared_url)
        verify: bool | str = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        if verify is True and os.environ.get("SSL_CERT_FILE"):
            # OpenSSL's own variable, which requests ignores (it trusts certifi's bundle)
            verify = os.environ["SSL_CERT_FILE"]
        if len(_settings) >= _MAX_SETTINGS:
            _settings.clear()
        _settings[key] = settings = (dict(proxies), verify)
    return settings


@dataclass(frozen=True)
class _Origin:
    """Where a prepared request goes: scheme, host and port, as urllib3 will connect."""

    scheme: str
    host: str
    port: int | None


def _origin(prepared_url: str, status: int) -> _Origin:
    """The origin of a prepared URL, by urllib3's parser; FetchError if the standard library's
    parser would read another one (then what is checked might not be what is requested)."""
    try:
        ours = parse_url(prepared_url)
        theirs = urlsplit(prepared_url)
        same = (
            ours.scheme == theirs.scheme
            and (ours.host or "").strip("[]").lower() == (theirs.hostname or "").lower()
            and ours.port == theirs.port
        )
    except (ValueError, urllib3.exceptions.LocationParseError):
        same = False
    if not same or not ours.host:
        raise FetchError("http_status", f"ambiguous URL {prepared_url[:100]!r}", status or None)
    return _Origin(ours.scheme or "", ours.host.strip("[]").lower(), ours.port)


def _redirect_location(current: str, response: requests.Response) -> str:
    """The redirect's Location joined to the current URL; FetchError for one that parsers could
    read differently (a backslash, a control character, userinfo) or that is no http(s) URL."""
    location = response.headers["Location"]
    status = response.status_code
    if _REFUSED_IN_LOCATION.search(location):
        raise FetchError("http_status", f"redirect Location refused: {location[:100]!r}", status)
    try:
        url = urljoin(current, location)
        target = urlsplit(url)
        target.port  # noqa: B018 - raises ValueError for a bad port
        if target.scheme not in ("http", "https") or not target.hostname:
            raise ValueError(url)
    except ValueError:
        raise FetchError("http_status", f"bad redirect Location {location[:100]!r}", status) from None
    if "@" in target.netloc:
        raise FetchError("http_status", f"redirect Location with userinfo refused: {location[:100]!r}", status)
    return url


def _check_redirect(page: _Origin, previous: _Origin | None, target: _Origin, status: int) -> None:
    """A redirect may take us to the page's own host (give or take www.), never from https to http."""
    if not _same_site(page.host, target.host):
        # Only pages on the allowlist may be read: a page must not send us anywhere else.
        raise FetchError("http_status", f"redirect to another host refused: {target.host[:100]}", status)
    if previous is not None and previous.scheme == "https" and target.scheme != "https":
        raise FetchError("http_status", f"redirect from https to {target.scheme} refused", status)


def _same_site(page_host: str, target_host: str) -> bool:
    """The same host, give or take a leading "www." (githubstatus.com -> www.githubstatus.com)."""
    return page_host.lower().removeprefix("www.") == target_host.lower().removeprefix("www.")


def _is_ascii_number(text: str) -> bool:
    """True for "123"; str.isdigit alone also accepts "²", which int() then refuses."""
    return text.isascii() and text.isdigit()
