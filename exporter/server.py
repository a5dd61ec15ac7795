"""The HTTP side: `/`, `/metrics`, `/-/healthy`, `/-/ready`, on aiohttp's low-level server.

A scrape of /metrics asks the cache to refresh if due and waits for that refresh no longer than
its budget: the `X-Prometheus-Scrape-Timeout-Seconds` it was sent, less a margin, and never more
than the fetch deadline. Then it answers from the cache, whatever happened upstream.
"""

from __future__ import annotations

import asyncio
import html
from dataclasses import dataclass
from typing import Awaitable, Callable

from aiohttp import web

from exporter.cache import SummaryCache
from exporter.exposition import MetricsRenderer

#: Time kept back from Prometheus's scrape timeout to render and send the answer.
SCRAPE_TIMEOUT_MARGIN_SECONDS = 0.25
#: How much longer than the fetch deadline a scrape waits, so the deadline's own verdict arrives.
FETCH_GRACE_SECONDS = 0.1
SCRAPE_TIMEOUT_HEADER = "X-Prometheus-Scrape-Timeout-Seconds"

Handler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]


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


class ExporterApp:
    """Routes requests; one instance serves every connection."""

    def __init__(self, cache: SummaryCache, renderer: MetricsRenderer, info: PageInfo, fetch_timeout: float):
        self._cache = cache
        self._renderer = renderer
        self._fetch_timeout = fetch_timeout
        self._landing = _landing_page(info).encode()
        self._routes: dict[str, Handler] = {
            "/": self._landing_page,
            "/metrics": self._metrics,
            "/-/healthy": self._healthy,
            "/-/ready": self._ready,
        }

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        route = self._routes.get(request.path)
        if route is None:
            return web.Response(status=404, text="404 page not found\n")
        if request.method not in ("GET", "HEAD"):
            return web.Response(status=405, text="405 method not allowed\n", headers={"Allow": "GET, HEAD"})
        return await route(request)

    async def _metrics(self, request: web.BaseRequest) -> web.StreamResponse:
        refresh = self._cache.refresh_if_due()
        if refresh is not None:
            budget = scrape_budget(request.headers.get(SCRAPE_TIMEOUT_HEADER), self._fetch_timeout)
            if budget > 0:
                # asyncio.wait never cancels what it waits for: the refresh goes on for others.
                await asyncio.wait({asyncio.wrap_future(refresh)}, timeout=budget)
        exposition = self._renderer.render(
            request.headers.get("Accept", ""), request.headers.get("Accept-Encoding", "")
        )
        response = web.Response(body=exposition.body, headers={"Content-Type": exposition.content_type})
        if exposition.gzipped:
            response.headers["Content-Encoding"] = "gzip"
            response.headers["Vary"] = "Accept-Encoding"
        return response

    async def _landing_page(self, request: web.BaseRequest) -> web.StreamResponse:
        return web.Response(body=self._landing, content_type="text/html", charset="utf-8")

    async def _healthy(self, request: web.BaseRequest) -> web.StreamResponse:
        return web.Response(text="OK\n")

    async def _ready(self, request: web.BaseRequest) -> web.StreamResponse:
        return web.Response(text="Ready\n")


def _landing_page(info: PageInfo) -> str:
    version = html.escape(info.version)
    url = html.escape(info.status_url)
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>GitHub Status Exporter</title></head>
<body>
<h1>GitHub Status Exporter</h1>
<p>Version {version}. Exports the Statuspage page <a href="{url}">{url}</a> as Prometheus metrics,
reading it at most once every {info.cache_ttl:g}s however often it is scraped.</p>
<ul>
<li><a href="metrics">Metrics</a></li>
<li><a href="-/healthy">Health</a></li>
<li><a href="-/ready">Readiness</a></li>
</ul>
</body>
</html>
"""
