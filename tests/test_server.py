"""server.ExporterApp on a real aiohttp test server: every route, methods, encodings, budgets."""

from __future__ import annotations

import asyncio
import gzip
import threading

import pytest
from aiohttp.test_utils import RawTestServer, TestClient

from exporter import __version__
from exporter.__main__ import build_app
from exporter.config import load
from exporter.pagefile import load_pages
from exporter.server import ExporterApp, scrape_budget
from exporter.statuspage import FetchResult, Validators
from exporter.summary import parse_summary
from tests import payloads

OK = FetchResult(200, parse_summary(payloads.summary(indicator="minor")), Validators())


class GatedFetcher:
    """Answers OK once `gate` is set (set from the start unless the test holds it)."""

    url = "http://status.invalid/api/v2/summary.json"

    def __init__(self, open_gate: bool = True):
        self.gate = threading.Event()
        if open_gate:
            self.gate.set()
        self.calls = 0

    def fetch(self, validators):
        self.calls += 1
        self.gate.wait(10)
        return OK


def make_app(fetcher, argv=(), fetchers=None) -> ExporterApp:
    """The real wiring, with `fetcher` for the default page and `fetchers[name]` for file pages."""
    config = load(["--statuspage.url", "https://status.example.com/<x>", *argv], {})
    pages = load_pages(config.config_file, config) if config.config_file else ()
    app, _ = build_app(config, pages, make_fetcher=lambda page: (fetchers or {}).get(page.name, fetcher))
    return app


def serve(fetcher, scenario, argv=(), fetchers=None):
    """Run `await scenario(client)` against a real loopback server for the app."""

    async def main():
        server = RawTestServer(make_app(fetcher, argv, fetchers).handle, access_log=None)
        async with TestClient(server) as client:
            return await scenario(client)

    return asyncio.run(main())


def test_metrics_scrape_fetches_and_answers_the_data():
    async def scenario(client):
        response = await client.get("/metrics")
        return response.status, response.headers["Content-Type"], await response.text()

    status, content_type, text = serve(GatedFetcher(), scenario)
    assert status == 200
    assert content_type == "text/plain; version=0.0.4; charset=utf-8"
    assert 'statuspage_overall_status{indicator="minor"} 1.0' in text
    assert "statuspage_up 1.0" in text


def test_concurrent_scrapes_share_one_upstream_request():
    fetcher = GatedFetcher(open_gate=False)

    async def scenario(client):
        scrapes = [asyncio.ensure_future(client.get("/metrics")) for _ in range(50)]
        await asyncio.sleep(0.2)
        fetcher.gate.set()
        responses = await asyncio.gather(*scrapes)
        return [await r.text() for r in responses]

    bodies = serve(fetcher, scenario)
    assert fetcher.calls == 1
    assert all("statuspage_up 1.0" in body for body in bodies)


def test_scrape_answers_from_cache_when_its_budget_runs_out():
    fetcher = GatedFetcher(open_gate=False)

    async def scenario(client):
        response = await client.get("/metrics", headers={"X-Prometheus-Scrape-Timeout-Seconds": "0.5"})
        answered_while_fetch_still_running = not fetcher.gate.is_set()
        fetcher.gate.set()
        return answered_while_fetch_still_running, await response.text()

    answered_early, text = serve(fetcher, scenario)
    assert answered_early
    assert "statuspage_up 0.0" in text
    assert "statuspage_component_status" not in text


def test_gzip_and_openmetrics_on_request():
    async def scenario(client):
        zipped = await client.get("/metrics", headers={"Accept-Encoding": "gzip"}, auto_decompress=False)
        body = await zipped.read()
        om = await client.get("/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"})
        return zipped.headers.get("Content-Encoding"), body, om.headers["Content-Type"], await om.text()

    encoding, body, om_type, om_text = serve(GatedFetcher(), scenario)
    assert encoding == "gzip"
    assert b"statuspage_up 1.0" in gzip.decompress(body)
    assert om_type.startswith("application/openmetrics-text; version=1.0.0")
    assert om_text.endswith("# EOF\n")


def test_head_metrics_has_headers_and_no_body():
    async def scenario(client):
        plain = {"Accept-Encoding": "identity"}
        get = await client.get("/metrics", headers=plain)
        head = await client.head("/metrics", headers=plain)
        return len(await get.read()), head.status, head.headers["Content-Length"], await head.read()

    length, status, head_length, head_body = serve(GatedFetcher(), scenario)
    assert status == 200
    assert int(head_length) == length
    assert head_body == b""


@pytest.mark.parametrize(
    ("method", "path", "status", "text"),
    [
        ("GET", "/-/healthy", 200, "OK\n"),
        ("HEAD", "/-/healthy", 200, ""),
        ("GET", "/-/ready", 200, "Ready\n"),
        ("GET", "/nope", 404, "404 page not found\n"),
        ("GET", "/metrics/", 404, "404 page not found\n"),
        ("POST", "/metrics", 405, "405 method not allowed\n"),
        ("PUT", "/", 405, "405 method not allowed\n"),
        ("DELETE", "/-/healthy", 405, "405 method not allowed\n"),
        ("GET", "/-/reload", 405, "405 method not allowed\n"),
        ("POST", "/nope", 404, "404 page not found\n"),
    ],
)
def test_routes_and_methods(method, path, status, text):
    async def scenario(client):
        response = await client.request(method, path)
        return response.status, await response.text(), response.headers.get("Allow")

    got_status, got_text, allow = serve(GatedFetcher(), scenario)
    assert (got_status, got_text) == (status, text)
    expected_allow = {"/-/reload": "POST, PUT"}.get(path, "GET, HEAD") if status == 405 else None
    assert allow == expected_allow


def test_only_metrics_reaches_the_status_page():
    fetcher = GatedFetcher()

    async def scenario(client):
        for path in ("/", "/-/healthy", "/-/ready", "/nope", "/probe", "/probe?target=x"):
            await client.get(path)

    serve(fetcher, scenario)
    assert fetcher.calls == 0


def test_landing_page_names_version_target_and_links():
    async def scenario(client):
        response = await client.get("/")
        return response.headers["Content-Type"], await response.text()

    content_type, html = serve(GatedFetcher(), scenario)
    assert content_type == "text/html; charset=utf-8"
    assert f"Version {__version__}." in html
    assert '<a href="https://status.example.com/&lt;x&gt;">' in html  # the target, escaped
    for link in ('href="metrics"', 'href="-/healthy"', 'href="-/ready"'):
        assert link in html


@pytest.mark.parametrize(
    ("header", "budget"),
    [(None, 5.1), ("10", 5.1), ("2", 1.75), ("0.2", 0.0), ("garbage", 5.1), ("nan", 5.1), ("-3", 0.0)],
)
def test_scrape_budget(header, budget):
    assert scrape_budget(header, fetch_timeout=5.0) == pytest.approx(budget)
