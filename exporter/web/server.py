"""The HTTP side (aiohttp, low level): `/metrics`, `/probe`, the status API, page and badges, `/-/...`.

At the edge, before any route: basic auth from the web config (401 on every path without valid
credentials) and its extra response headers; `/-/reload` only with `--web.enable-lifecycle`.

A scrape of /metrics asks the cache to refresh if due and waits for that refresh no longer than
its budget: the `X-Prometheus-Scrape-Timeout-Seconds` it was sent, less a margin, and never more
than the fetch deadline. Then it answers from the cache, whatever happened upstream. The status
API (`/api/v1/status`), the status page (`/`, `/status`) and the badge (`/api/v1/badge.svg`)
refresh and wait in exactly the same way, from the same cache; `/api/v1/pages` and the page's
index of other pages read only what is cached. Nothing but /metrics runs on the scrape path.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import weakref
from dataclasses import dataclass
from typing import Awaitable, Callable, TypeVar

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from exporter.model import shorten
from exporter.reload import Reloader
from exporter.render import badge
from exporter.render import documents as api
from exporter.render import html as statushtml
from exporter.render.status_view import PageStatus, page_status
from exporter.targets import PageTarget
from exporter.web.auth import OPEN, Guard, Verdict

#: Time kept back from Prometheus's scrape timeout to render and send the answer.
SCRAPE_TIMEOUT_MARGIN_SECONDS = 0.25
#: How much longer than the fetch deadline a scrape waits, so the deadline's own verdict arrives.
FETCH_GRACE_SECONDS = 0.1
SCRAPE_TIMEOUT_HEADER = "X-Prometheus-Scrape-Timeout-Seconds"

#: How long an idle keep-alive connection (or one that has not finished its request) stays open:
#: longer than the usual 15 s-1 m scrape intervals, short enough that slowloris connections go.
KEEPALIVE_TIMEOUT_SECONDS = 75.0

Handler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]
T = TypeVar("T")


class ClientErrorLogFilter(logging.Filter):
    """Turns aiohttp's `error` + traceback for a malformed request into one `debug` line.

    A client's garbage is the client's problem: at `error` anyone could flood the log and page
    whoever alerts on it. Exceptions raised by our own handlers are left as they are.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if not isinstance(error, HttpProcessingError):
            return True
        record.msg, record.args = "bad request from client", ()
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        record.exc_info = record.exc_text = None
        record.error = f"{type(error).__name__}: {error.message}"[:200]
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


def scrape_budget(header: str | None, fetch_timeout: float) -> float:
    """Seconds a scrape may wait for an upstream request, from Prometheus's header if sent."""
    limit = fetch_timeout + FETCH_GRACE_SECONDS
    if header is None:
        return limit
    try:
        scrape_timeout = float(header)
    except ValueError:
        return limit
    if scrape_timeout != scrape_timeout:  # NaN
        return limit
    return max(0.0, min(limit, scrape_timeout - SCRAPE_TIMEOUT_MARGIN_SECONDS))


@dataclass(frozen=True)
class PageInfo:
    """What the status page's footer says about this exporter."""

    version: str
    cache_ttl: float
    telemetry_path: str = "/metrics"


_READ = ("GET", "HEAD")
_WRITE = ("POST", "PUT")


class _Reuse:
    """The latest value built for each owner, reused while its inputs are the very same objects."""

    def __init__(self):
        self._latest: weakref.WeakKeyDictionary[object, tuple[tuple, object]] = weakref.WeakKeyDictionary()

    def get(self, owner: object, inputs: tuple, build: Callable[[], T]) -> T:
        latest = self._latest.get(owner)
        if latest is not None and all(a is b for a, b in zip(latest[0], inputs, strict=True)):
            return latest[1]
        value = build()
        self._latest[owner] = (inputs, value)
        return value


_UNAUTHORIZED_HEADERS = {"WWW-Authenticate": "Basic"}
LIFECYCLE_DISABLED = "403 the lifecycle API is disabled: start with --web.enable-lifecycle for POST /-/reload\n"


class ExporterApp:
    """Routes requests; one instance serves every connection."""

    def __init__(
        self,
        default: PageTarget,
        reloader: Reloader,
        info: PageInfo,
        guard: Callable[[], Guard] = lambda: OPEN,
        enable_lifecycle: bool = False,
        reload_web: Callable[[], str | None] = lambda: None,
        wall: Callable[[], float] = time.time,
    ):
        """`guard` gives the web config's auth and headers in force; `reload_web` reloads that config;
        `wall` is the clock the status page tells ages by."""
        self._default = default
        self._reloader = reloader
        self._info = info
        self._guard = guard
        self._enable_lifecycle = enable_lifecycle
        self._reload_web = reload_web
        self._wall = wall
        self._stopping = asyncio.Event()
        # Many clients asking between two refreshes get the same bytes, built once on the event loop.
        self._statuses = _Reuse()
        self._documents = _Reuse()
        self._routes: dict[str, tuple[tuple[str, ...], Handler]] = {
            "/": (_READ, self._status_page),
            "/status": (_READ, self._status_page),
            "/api/v1/status": (_READ, self._api_status),
            "/api/v1/pages": (_READ, self._api_pages),
            "/api/v1/badge.svg": (_READ, self._badge),
            info.telemetry_path: (_READ, self._metrics),
            "/probe": (_READ, self._probe),
            "/-/healthy": (_READ, self._healthy),
            "/-/ready": (_READ, self._ready),
            "/-/reload": (_WRITE, self._reload),
        }

    def begin_shutdown(self) -> None:
        """Scrapes waiting for an upstream request answer from the cache at once."""
        self._stopping.set()

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        guard = self._guard()
        if guard.auth is None:
            response = await self._route(request)
        else:
            verdict = await guard.auth.check(request.headers.get("Authorization"), request.remote)
            if verdict is Verdict.ALLOW:
                response = await self._route(request)
            elif verdict is Verdict.BUSY:
                response = web.Response(
                    status=429, text="429 too many authentication attempts, try again\n", headers={"Retry-After": "1"}
                )
            else:
                response = web.Response(status=401, text="401 unauthorized\n", headers=_UNAUTHORIZED_HEADERS)
        for name, value in guard.headers:
            response.headers[name] = value
        return response

    async def _route(self, request: web.BaseRequest) -> web.StreamResponse:
        route = self._routes.get(request.path)
        if route is None:
            return web.Response(status=404, text="404 page not found\n")
        methods, handler = route
        if request.method not in methods:
            return web.Response(status=405, text="405 method not allowed\n", headers={"Allow": ", ".join(methods)})
        return await handler(request)

    async def _metrics(self, request: web.BaseRequest) -> web.StreamResponse:
        return await _serve_page(request, self._default, self._stopping)

    async def _probe(self, request: web.BaseRequest) -> web.StreamResponse:
        target = request.query.get("target")
        if not target:
            return web.Response(status=400, text="400 missing parameter 'target': /probe?target=NAME\n")
        page = self._reloader.targets.lookup(target)
        if page is None:
            shown = shorten(target)
            return web.Response(
                status=400,
                text=f"400 unknown target {shown!r}: /probe reads only the pages listed in --config.file\n",
            )
        return await _serve_page(request, page, self._stopping)

    async def _reload(self, request: web.BaseRequest) -> web.StreamResponse:
        if not self._enable_lifecycle:
            return web.Response(status=403, text=LIFECYCLE_DISABLED)
        failures = []
        error = self._reloader.reload()
        if error is not None:
            failures.append(f"config reload failed, old config kept: {error}")
        web_error = self._reload_web()
        if web_error is not None:
            failures.append(f"web config reload failed, old settings kept: {web_error}")
        if failures:
            return web.Response(status=500, text=f"500 {'; '.join(failures)}\n")
        return web.Response(text="config reloaded\n")

    # -- the status API, page and badges -----------------------------------------------------------
    def _chosen_page(self, request: web.BaseRequest) -> PageTarget | None:
        """The default page without `target`; else the listed page it names; None for anything else."""
        if "target" not in request.query:
            return self._default
        return self._reloader.targets.lookup(request.query["target"])

    def _status(self, page: PageTarget) -> PageStatus:
        """The page's status as cached now; built again only when the cache holds other objects."""
        view, is_default = page.cache.view(), page is self._default
        inputs = (view.summary, view.stats, page.settings, is_default)
        return self._statuses.get(page.cache, inputs, lambda: page_status(page.settings, view, is_default=is_default))

    async def _current_status(self, request: web.BaseRequest, page: PageTarget) -> PageStatus:
        await _wait_for_refresh(request, page, self._stopping)
        return self._status(page)

    def _cached_statuses(self, leave_out: PageTarget | None = None) -> list[PageStatus]:
        """Every page (but `leave_out`) as cached now, the default first: no upstream request."""
        return [self._status(t) for t in (self._default, *self._reloader.targets) if t is not leave_out]

    async def _api_status(self, request: web.BaseRequest) -> web.StreamResponse:
        page = self._chosen_page(request)
        if page is None:
            return _unknown_target_json(request.query["target"])
        status = await self._current_status(request, page)
        encoded = self._documents.get(page.cache, (status,), lambda: api.encode_status(status))
        document = api.status_document(status, page.cache.seconds_until_due(), encoded=encoded)
        return _json_response(request, document)

    async def _api_pages(self, request: web.BaseRequest) -> web.StreamResponse:
        return _json_response(request, api.pages_document(self._cached_statuses()))

    async def _badge(self, request: web.BaseRequest) -> web.StreamResponse:
        page = self._chosen_page(request)
        if page is None:
            return web.Response(
                status=400,
                body=badge.render("status", "unknown target", badge.UNKNOWN_TONE).encode(),
                headers={"Content-Type": badge.CONTENT_TYPE, **_SVG_HEADERS},
            )
        status = await self._current_status(request, page)
        component = request.query.get("component")
        face = badge.face(status, component)
        code = 200
        if face is None:
            code, face = 404, ((component or "")[:100], "no such component", badge.UNKNOWN_TONE)
        headers = {
            "Content-Type": badge.CONTENT_TYPE,
            "Cache-Control": f"max-age={math.ceil(page.cache.seconds_until_due())}",
            **_SVG_HEADERS,
        }
        return web.Response(status=code, body=badge.render(*face).encode(), headers=headers)

    async def _status_page(self, request: web.BaseRequest) -> web.StreamResponse:
        page = self._chosen_page(request)
        if page is None:
            body = statushtml.render_unknown_target(request.query["target"])
            return web.Response(status=400, body=body.encode(), headers=_HTML_HEADERS)
        status = await self._current_status(request, page)
        footer = statushtml.Footer(self._info.version, self._info.cache_ttl, self._info.telemetry_path)
        body = statushtml.render(status, self._cached_statuses(leave_out=page), footer, now=self._wall())
        return web.Response(body=body.encode(), headers=_HTML_HEADERS)

    async def _healthy(self, request: web.BaseRequest) -> web.StreamResponse:
        return web.Response(text="OK\n")

    async def _ready(self, request: web.BaseRequest) -> web.StreamResponse:
        return web.Response(text="Ready\n")


def http_server(app: ExporterApp) -> web.Server:
    """The aiohttp protocol factory serving `app`, with our logging and connection limits."""
    return web.Server(app.handle, access_log=None, keepalive_timeout=KEEPALIVE_TIMEOUT_SECONDS)


async def _wait_for_refresh(request: web.BaseRequest, page: PageTarget, stopping: asyncio.Event) -> None:
    """Refresh the page if due and wait for it within the request's scrape budget (or until shutdown)."""
    refresh = page.cache.refresh_if_due()
    if refresh is not None:
        budget = scrape_budget(request.headers.get(SCRAPE_TIMEOUT_HEADER), page.settings.fetch_timeout)
        if budget > 0 and not stopping.is_set():
            stop = asyncio.ensure_future(stopping.wait())
            try:
                # asyncio.wait never cancels what it waits for: the refresh goes on for others.
                await asyncio.wait(
                    {asyncio.wrap_future(refresh), stop}, timeout=budget, return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                stop.cancel()


async def _serve_page(request: web.BaseRequest, page: PageTarget, stopping: asyncio.Event) -> web.StreamResponse:
    """Refresh the page if due, wait for it within the scrape's budget, answer from its cache.

    The exposition is the page's state's one rendering: scrapes that waited for the same refresh
    share it, and a large one is made off the event loop.
    """
    await _wait_for_refresh(request, page, stopping)
    accept, accept_encoding = request.headers.get("Accept", ""), request.headers.get("Accept-Encoding", "")
    exposition = page.renderer.current(accept, accept_encoding) or await page.renderer.render(accept, accept_encoding)
    # Every answer says what it varies on, gzipped or not: a cache must not hand OpenMetrics (or
    # gzip) to a client that asked for neither.
    vary = {"Content-Type": exposition.content_type, "Vary": "Accept, Accept-Encoding"}
    response = web.Response(body=exposition.body, headers=vary)
    if exposition.gzipped:
        response.headers["Content-Encoding"] = "gzip"
    return response


#: A status page may load nothing and run nothing: its one stylesheet is inline, allowed by hash.
_HTML_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": f"default-src 'none'; style-src '{statushtml.STYLE_HASH}'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
#: An SVG opened on its own is a document too: no scripts, no loads.
_SVG_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
}


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an `If-None-Match` header names `etag` (weak comparison, as RFC 9110 asks) or is `*`."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    return any(candidate.strip().removeprefix("W/") == etag for candidate in if_none_match.split(","))


def _json_response(request: web.BaseRequest, document: api.Document) -> web.Response:
    headers = {"ETag": document.etag, "Cache-Control": f"max-age={document.max_age}"}
    if document.status == 200 and etag_matches(request.headers.get("If-None-Match"), document.etag):
        return web.Response(status=304, headers=headers)
    if document.status == 503:
        headers["Retry-After"] = str(document.max_age)
    headers["Content-Type"] = api.CONTENT_TYPE
    return web.Response(status=document.status, body=document.body, headers=headers)


def _unknown_target_json(target: str) -> web.Response:
    shown = shorten(target)
    document = {
        "error": {
            "reason": "unknown_target",
            "detail": f"unknown target {shown!r}: give the name or exact URL of a page listed in --config.file",
        }
    }
    return web.Response(status=400, body=api.encode(document), headers={"Content-Type": api.CONTENT_TYPE})
