"""The HTTP side: `/`, `/metrics`, `/probe`, `/-/healthy`, `/-/ready`, `/-/reload` (aiohttp, low level).

At the edge, before any route: basic auth from the web config (401 on every path without valid
credentials) and its extra response headers; `/-/reload` only with `--web.enable-lifecycle`.

A scrape of /metrics asks the cache to refresh if due and waits for that refresh no longer than
its budget: the `X-Prometheus-Scrape-Timeout-Seconds` it was sent, less a margin, and never more
than the fetch deadline. Then it answers from the cache, whatever happened upstream.
"""

from __future__ import annotations

import asyncio
import html
import logging
from dataclasses import dataclass
from typing import Awaitable, Callable
from urllib.parse import quote

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from exporter.reload import Reloader
from exporter.targets import PageTarget
from exporter.webauth import OPEN, Guard, Verdict

#: Time kept back from Prometheus's scrape timeout to render and send the answer.
SCRAPE_TIMEOUT_MARGIN_SECONDS = 0.25
#: How much longer than the fetch deadline a scrape waits, so the deadline's own verdict arrives.
FETCH_GRACE_SECONDS = 0.1
SCRAPE_TIMEOUT_HEADER = "X-Prometheus-Scrape-Timeout-Seconds"

#: How long an idle keep-alive connection (or one that has not finished its request) stays open:
#: longer than the usual 15 s-1 m scrape intervals, short enough that slowloris connections go.
KEEPALIVE_TIMEOUT_SECONDS = 75.0

Handler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]


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
    """What the landing page says about this exporter."""

    version: str
    status_url: str
    cache_ttl: float
    telemetry_path: str = "/metrics"


_READ = ("GET", "HEAD")
_WRITE = ("POST", "PUT")


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
    ):
        """`guard` gives the web config's auth and headers in force; `reload_web` reloads that config."""
        self._default = default
        self._reloader = reloader
        self._info = info
        self._guard = guard
        self._enable_lifecycle = enable_lifecycle
        self._reload_web = reload_web
        self._stopping = asyncio.Event()
        self._routes: dict[str, tuple[tuple[str, ...], Handler]] = {
            "/": (_READ, self._landing_page),
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
            verdict = await guard.auth.check(request.headers.get("Authorization"))
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
            shown = target if len(target) <= 200 else target[:200] + "..."
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

    async def _landing_page(self, request: web.BaseRequest) -> web.StreamResponse:
        body = _landing_page(self._info, [t.settings.name for t in self._reloader.targets])
        return web.Response(text=body, content_type="text/html", charset="utf-8")

    async def _healthy(self, request: web.BaseRequest) -> web.StreamResponse:
        return web.Response(text="OK\n")

    async def _ready(self, request: web.BaseRequest) -> web.StreamResponse:
        return web.Response(text="Ready\n")


def http_server(app: ExporterApp) -> web.Server:
    """The aiohttp protocol factory serving `app`, with our logging and connection limits."""
    return web.Server(app.handle, access_log=None, keepalive_timeout=KEEPALIVE_TIMEOUT_SECONDS)


async def _serve_page(request: web.BaseRequest, page: PageTarget, stopping: asyncio.Event) -> web.StreamResponse:
    """Refresh the page if due, wait for it within the scrape's budget, answer from its cache."""
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
    exposition = page.renderer.render(request.headers.get("Accept", ""), request.headers.get("Accept-Encoding", ""))
    response = web.Response(body=exposition.body, headers={"Content-Type": exposition.content_type})
    if exposition.gzipped:
        response.headers["Content-Encoding"] = "gzip"
        response.headers["Vary"] = "Accept-Encoding"
    return response


def _landing_page(info: PageInfo, probe_names: list[str]) -> str:
    version = html.escape(info.version)
    metrics = html.escape(quote(info.telemetry_path.lstrip("/")))
    url = html.escape(info.status_url)
    probes = "".join(f'<li><a href="probe?target={quote(name)}">{html.escape(name)}</a></li>' for name in probe_names)
    probe_section = (
        f"<h2>Other pages (/probe)</h2>\n<ul>{probes}</ul>\n"
        if probe_names
        else "<p>No other pages: list them in <code>--config.file</code> to read them with /probe.</p>\n"
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>GitHub Status Exporter</title></head>
<body>
<h1>GitHub Status Exporter</h1>
<p>Version {version}. Exports the Statuspage page <a href="{url}">{url}</a> as Prometheus metrics,
reading it at most once every {info.cache_ttl:g}s however often it is scraped.</p>
<ul>
<li><a href="{metrics}">Metrics</a></li>
<li><a href="-/healthy">Health</a></li>
<li><a href="-/ready">Readiness</a></li>
</ul>
{probe_section}</body>
</html>
"""
