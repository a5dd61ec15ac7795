"""server.ExporterApp on a real aiohttp test server: every route, methods, encodings, budgets."""

from __future__ import annotations

import asyncio
import gzip
import json
import threading

import pytest
from aiohttp.test_utils import RawTestServer, TestClient

from exporter import __version__
from exporter.__main__ import build_app
from exporter.config import load
from exporter.engines.statuspage import parse_summary
from exporter.errors import FetchError
from exporter.fetch.answers import FetchResult
from exporter.pagefile import load_pages
from exporter.render import collector as collector_module
from exporter.render import documents as api
from exporter.web.server import ExporterApp, scrape_budget
from tests import payloads
from tests.statusdocs import assert_valid

OK = FetchResult(200, parse_summary(payloads.summary(indicator="minor")))


class GatedFetcher:
    """Answers OK once `gate` is set (set from the start unless the test holds it)."""

    url = "http://status.invalid/api/v2/summary.json"

    def __init__(self, open_gate: bool = True):
        self.gate = threading.Event()
        if open_gate:
            self.gate.set()
        self.calls = 0

    def fetch(self):
        self.calls += 1
        self.gate.wait(10)
        return OK


def make_app(fetcher, argv=(), fetchers=None) -> ExporterApp:
    """The real wiring, with `fetcher` for the default page and `fetchers[name]` for file pages."""
    config = load(["--statuspage.url", "https://status.example.com/<x>", *argv], {})
    pages = load_pages(config.config_file, config) if config.config_file else ()
    app, _ = build_app(config, pages, make_fetcher=lambda page: (fetchers or {}).get(page.name, fetcher))
    return app


class Arrivals:
    """Counts requests that reached the app's handler, so tests can wait for them instead of sleeping."""

    count = 0

    @classmethod
    def wrap(cls, handle):
        async def counted(request):
            cls.count += 1
            return await handle(request)

        cls.count = 0
        return counted

    @classmethod
    async def wait_for(cls, count: int, seconds: float = 10.0) -> None:
        limit = asyncio.get_running_loop().time() + seconds
        while cls.count < count:
            assert asyncio.get_running_loop().time() < limit, f"only {cls.count} of {count} requests arrived"
            await asyncio.sleep(0.01)


def serve(fetcher, scenario, argv=(), fetchers=None):
    """Run `await scenario(client)` against a real loopback server for the app."""

    async def main():
        server = RawTestServer(Arrivals.wrap(make_app(fetcher, argv, fetchers).handle), access_log=None)
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
        await Arrivals.wait_for(50)  # every scrape is waiting for the one request
        fetcher.gate.set()
        responses = await asyncio.gather(*scrapes)
        return [await r.text() for r in responses]

    bodies = serve(fetcher, scenario)
    assert fetcher.calls == 1
    assert all("statuspage_up 1.0" in body for body in bodies)


class ChangingFetcher:
    """Answers a minor page first, then a major one."""

    url = "http://status.invalid"

    def __init__(self):
        self.calls = 0

    def fetch(self):
        self.calls += 1
        indicator = "minor" if self.calls == 1 else "major"
        return FetchResult(200, parse_summary(payloads.summary(indicator=indicator)))


def test_a_scrape_that_waited_for_new_data_answers_it_though_a_recent_rendering_exists():
    fetcher = ChangingFetcher()

    async def scenario(client):
        limit = asyncio.get_running_loop().time() + 10
        while asyncio.get_running_loop().time() < limit:
            before = fetcher.calls
            text = await (await client.get("/metrics")).text()
            if (before, fetcher.calls) == (1, 2):  # this scrape started the second fetch and waited for it
                return text
            await asyncio.sleep(0.05)  # a scrape every 50 ms: a rendering younger than 1 s always exists
        raise AssertionError("the cache never refreshed")

    text = serve(fetcher, scenario, ["--cache.ttl", "1500ms"])  # out of step with the 1 s rendering age
    assert "statuspage_fetches_total 2.0" in text
    assert 'statuspage_overall_status{indicator="major"} 1.0' in text


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


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Accept-Encoding": "identity"},
        {"Accept-Encoding": "gzip"},
        {"Accept": "application/openmetrics-text; version=1.0.0"},
        {"Accept": "application/openmetrics-text; version=1.0.0", "Accept-Encoding": "gzip"},
    ],
)
def test_every_metrics_answer_varies_on_accept_and_accept_encoding(headers):
    """Regression: /metrics varied on Accept without saying so (and said Accept-Encoding only when gzipped)."""

    async def scenario(client):
        response = await client.get("/metrics", headers=headers, auto_decompress=False)
        return response.headers.getall("Vary")

    assert serve(GatedFetcher(), scenario) == ["Accept, Accept-Encoding"]


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


def test_only_the_routes_that_show_the_page_reach_the_status_page():
    fetcher = GatedFetcher()

    async def scenario(client):
        for path in ("/-/healthy", "/-/ready", "/nope", "/probe", "/probe?target=x", "/api/v1/pages"):
            await client.get(path)
        before = fetcher.calls
        await client.get("/")
        return before

    assert serve(fetcher, scenario) == 0
    assert fetcher.calls == 1  # the status page refreshes as a scrape does


def test_status_page_names_the_page_its_state_version_and_operator_links():
    async def scenario(client):
        response = await client.get("/")
        return response.headers["Content-Type"], response.headers["Content-Security-Policy"], await response.text()

    content_type, csp, html = serve(GatedFetcher(), scenario)
    assert content_type == "text/html; charset=utf-8"
    assert csp.startswith("default-src 'none'; style-src 'sha256-")
    assert "<title>Example status</title>" in html
    assert '<p class="state">Minor service outage</p>' in html
    assert f"github-status-exporter {__version__}:" in html
    assert '<a href="https://status.example.com/&lt;x&gt;">' in html  # the configured URL, escaped
    for link in ('href="metrics"', 'href="-/healthy"', 'href="-/ready"'):
        assert link in html


@pytest.mark.parametrize(
    ("header", "budget"),
    [(None, 5.1), ("10", 5.1), ("2", 1.75), ("0.2", 0.0), ("garbage", 5.1), ("nan", 5.1), ("-3", 0.0)],
)
def test_scrape_budget(header, budget):
    assert scrape_budget(header, fetch_timeout=5.0) == pytest.approx(budget)


# -- /probe and /-/reload ------------------------------------------------------------------------------

PAGES = """
pages:
  - name: cloudflare
    url: https://www.cloudflarestatus.com
  - name: discord
    url: https://discordstatus.com
    components_exclude: "^Actions$"
"""


class NamedFetcher(GatedFetcher):
    def __init__(self, indicator: str):
        super().__init__()
        self.result = FetchResult(200, parse_summary(payloads.summary(indicator=indicator)))

    def fetch(self):
        self.calls += 1
        return self.result


@pytest.fixture
def pages_file(tmp_path):
    path = tmp_path / "pages.yml"
    path.write_text(PAGES)
    return path


def probe_fetchers():
    return {"cloudflare": NamedFetcher("major"), "discord": NamedFetcher("critical")}


def test_probe_answers_the_named_page_and_only_its_series(pages_file):
    default, fetchers = GatedFetcher(), probe_fetchers()

    async def scenario(client):
        by_name = await client.get("/probe?target=cloudflare")
        by_url = await client.get("/probe", params={"target": "https://discordstatus.com"})
        return by_name.status, await by_name.text(), by_url.status, await by_url.text()

    status, cloudflare, status_url, discord = serve(default, scenario, ["--config.file", str(pages_file)], fetchers)
    assert (status, status_url) == (200, 200)
    assert 'statuspage_overall_status{indicator="major"} 1.0' in cloudflare
    assert 'statuspage_overall_status{indicator="critical"} 1.0' in discord
    assert 'component="Actions"' in cloudflare and 'component="Actions"' not in discord  # per-page exclude
    for text in (cloudflare, discord):
        assert "statuspage_up 1.0" in text and "statuspage_fetches_total 1.0" in text
        assert "process_" not in text and "statuspage_exporter_build_info" not in text
    assert default.calls == 0  # /probe never touches the default page
    assert [f.calls for f in fetchers.values()] == [1, 1]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "400 missing parameter 'target': /probe?target=NAME\n"),
        ("?target=", "400 missing parameter 'target': /probe?target=NAME\n"),
        ("?target=github", "400 unknown target 'github': /probe reads only the pages listed in --config.file\n"),
        (
            "?target=http://169.254.169.254/latest",
            "400 unknown target 'http://169.254.169.254/latest': /probe reads only the pages listed in --config.file\n",
        ),
        (
            "?target=" + "x" * 300,
            f"400 unknown target '{'x' * 200}...': /probe reads only the pages listed in --config.file\n",
        ),
    ],
)
def test_probe_refuses_what_is_not_configured_without_any_request(pages_file, query, message):
    created = []

    def make_fetcher(page):
        created.append(page.name)
        return NamedFetcher("none")

    async def scenario(client):
        response = await client.get("/probe" + query)
        return response.status, await response.text()

    config = load(["--config.file", str(pages_file)], {})

    async def main():
        app, _ = build_app(config, load_pages(config.config_file, config), make_fetcher=make_fetcher)
        async with TestClient(RawTestServer(app.handle, access_log=None)) as client:
            return await scenario(client)

    status, text = asyncio.run(main())
    assert (status, text) == (400, message)
    # Fetchers exist for the listed pages only, and none of them was asked anything.
    assert sorted(created) == ["cloudflare", "default", "discord"]


def test_reload_by_http_applies_a_good_file_and_keeps_unchanged_caches(pages_file):
    fetchers = probe_fetchers()
    fetchers["statusio"] = NamedFetcher("minor")

    async def scenario(client):
        await client.get("/probe?target=cloudflare")
        pages_file.write_text(
            PAGES.replace("discord", "statusio").replace("https://discordstatus.com", "https://status.example.io")
        )
        reload = await client.post("/-/reload")
        new = await client.get("/probe?target=statusio")
        gone = await client.get("/probe?target=discord")
        kept = await client.get("/probe?target=cloudflare")
        metrics = await client.get("/metrics")
        return (reload.status, await reload.text(), new.status, gone.status, await kept.text(), await metrics.text())

    reload_status, reload_text, new, gone, kept, metrics = serve(
        GatedFetcher(), scenario, ["--config.file", str(pages_file), "--web.enable-lifecycle"], fetchers
    )
    assert (reload_status, reload_text) == (200, "config reloaded\n")
    assert (new, gone) == (200, 400)
    assert fetchers["cloudflare"].calls == 1  # the second probe was served by the surviving cache
    assert "statuspage_fetches_total 1.0" in kept
    assert "statuspage_exporter_config_last_reload_successful 1.0" in metrics


def test_reload_of_a_bad_file_keeps_the_old_pages_and_says_so(pages_file):
    async def scenario(client):
        pages_file.write_text("pages:\n  - name: broken\n")
        reload = await client.post("/-/reload")
        old = await client.get("/probe?target=cloudflare")
        metrics = await client.get("/metrics")
        return reload.status, await reload.text(), old.status, await metrics.text()

    flags = ["--config.file", str(pages_file), "--web.enable-lifecycle"]
    status, text, old, metrics = serve(GatedFetcher(), scenario, flags, probe_fetchers())
    assert status == 500
    assert text == f"500 config reload failed, old config kept: {pages_file}: pages[0]: missing 'url'\n"
    assert old == 200
    assert "statuspage_exporter_config_last_reload_successful 0.0" in metrics


def test_a_failed_reload_shows_in_the_very_next_scrape(pages_file):
    """Regression (issue 19.10): a rendering less than a second old used to say 1 after a failed reload."""

    async def scenario(client):
        before = await (await client.get("/metrics")).text()
        pages_file.write_text("pages:\n  - name: broken\n")
        reload = await client.post("/-/reload")
        after = await (await client.get("/metrics")).text()
        pages_file.write_text(PAGES)
        good = await client.post("/-/reload")
        again = await (await client.get("/metrics")).text()
        return before, reload.status, after, good.status, again

    flags = ["--config.file", str(pages_file), "--web.enable-lifecycle"]
    before, failed, after, succeeded, again = serve(GatedFetcher(), scenario, flags, probe_fetchers())
    assert "statuspage_exporter_config_last_reload_successful 1.0" in before
    assert (failed, succeeded) == (500, 200)
    assert "statuspage_exporter_config_last_reload_successful 0.0" in after
    assert "statuspage_exporter_config_last_reload_successful 1.0" in again


def test_scrapes_waiting_on_one_refresh_share_one_rendering(monkeypatch):
    """Regression (issue 19.5): 20 scrapes that waited for one refresh rendered the page 20 times."""
    renderings = []
    counted = collector_module.visible_components

    def counting(components, exclude, **scope):  # called once per rendering of the page's components
        renderings.append(len(components))
        return counted(components, exclude, **scope)

    monkeypatch.setattr(collector_module, "visible_components", counting)
    fetcher = GatedFetcher(open_gate=False)

    async def scenario(client):
        scrapes = [asyncio.ensure_future(client.get("/metrics")) for _ in range(20)]
        await Arrivals.wait_for(20)  # every scrape is waiting for the one request
        fetcher.gate.set()
        responses = await asyncio.gather(*scrapes)
        return [await r.read() for r in responses]

    bodies = serve(fetcher, scenario)
    assert fetcher.calls == 1
    assert renderings == [2]  # the page's two components, rendered once for all 20 scrapes
    assert len(set(bodies)) == 1 and b"statuspage_up 1.0" in bodies[0]


def test_status_page_indexes_the_other_pages_from_their_caches_only(pages_file):
    fetchers = probe_fetchers()

    async def scenario(client):
        return await (await client.get("/")).text()

    html = serve(GatedFetcher(), scenario, ["--config.file", str(pages_file)], fetchers)
    assert '<a href="status?target=cloudflare">Cloudflare</a><span class="status unknown">No data</span>' in html
    assert '<a href="status?target=discord">Discord</a>' in html
    assert [f.calls for f in fetchers.values()] == [0, 0]


def test_status_page_of_a_listed_page_indexes_the_default_page(pages_file):
    fetchers = probe_fetchers()

    async def scenario(client):
        await client.get("/metrics")
        return await (await client.get("/status?target=cloudflare")).text()

    html = serve(GatedFetcher(), scenario, ["--config.file", str(pages_file)], fetchers)
    assert '<p class="state">Partial system outage</p>' in html  # cloudflare's "major"
    assert (
        '<li><a href="status?target=discord">Discord</a><span class="status unknown">No data</span></li>'
        '<li><a href="./">Example</a><span><span class="status minor">Minor service outage</span>'
    ) in html  # worst first: discord has no data yet
    assert [f.calls for f in fetchers.values()] == [1, 0]


# -- the status API and badges -----------------------------------------------------------------------


class FailingFetcher(GatedFetcher):
    def __init__(self, error: FetchError):
        super().__init__()
        self.error = error

    def fetch(self):
        self.calls += 1
        raise self.error


def test_api_status_answers_the_default_page_with_etag_and_cache_control():
    async def scenario(client):
        response = await client.get("/api/v1/status")
        return response.status, response.headers.copy(), await response.read()

    status, headers, body = serve(GatedFetcher(), scenario)
    document = json.loads(body)
    assert_valid("status", document)
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert headers["ETag"] == api.etag(body)
    assert headers["Cache-Control"] == "max-age=30"  # --cache.ttl 30s, just refreshed
    assert (document["indicator"], document["up"], document["stale"]) == ("minor", True, False)
    assert [c["name"] for c in document["components"]] == ["Git Operations", "Actions"]


@pytest.mark.parametrize(
    ("if_none_match", "status"),
    [("{etag}", 304), ("W/{etag}", 304), ('"other", {etag}', 304), ("*", 304), ('"other"', 200), ("", 200)],
)
def test_api_status_if_none_match_answers_304_without_body(if_none_match, status):
    fetcher = GatedFetcher()

    async def scenario(client):
        first = await client.get("/api/v1/status")
        tag = first.headers["ETag"]
        again = await client.get("/api/v1/status", headers={"If-None-Match": if_none_match.format(etag=tag)})
        return tag, again.status, again.headers.get("ETag"), await again.read()

    tag, got, again_tag, body = serve(fetcher, scenario)
    assert (got, again_tag) == (status, tag)
    assert (body == b"") is (status == 304)
    assert fetcher.calls == 1


@pytest.mark.parametrize(
    ("error", "reason", "retry_after"),
    [
        (FetchError("http_status", "HTTP 502", 502), "http_status", "30"),
        (FetchError("rate_limited", "HTTP 429", 429, retry_after=120.0), "rate_limited", "120"),
    ],
)
def test_api_status_without_data_is_503_with_the_reason_and_retry_after(error, reason, retry_after):
    async def scenario(client):
        response = await client.get("/api/v1/status")
        return response.status, response.headers.get("Retry-After"), json.loads(await response.read())

    status, got_retry_after, document = serve(FailingFetcher(error), scenario)
    assert (status, got_retry_after) == (503, retry_after)
    assert document == {"up": False, "error": {"reason": reason, "detail": error.detail}}
    assert_valid("status", document)


def test_api_status_of_listed_pages_by_name_and_url_with_their_own_exclusions(pages_file):
    async def scenario(client):
        by_name = await client.get("/api/v1/status?target=cloudflare")
        by_url = await client.get("/api/v1/status", params={"target": "https://discordstatus.com"})
        return json.loads(await by_name.read()), json.loads(await by_url.read())

    cloudflare, discord = serve(GatedFetcher(), scenario, ["--config.file", str(pages_file)], probe_fetchers())
    assert (cloudflare["indicator"], discord["indicator"]) == ("major", "critical")
    assert [c["name"] for c in cloudflare["components"]] == ["Git Operations", "Actions"]
    assert [c["name"] for c in discord["components"]] == ["Git Operations"]  # components_exclude: ^Actions$


def test_a_pages_include_scopes_its_metrics_api_status_page_and_badges_but_not_its_indicator(tmp_path):
    path = tmp_path / "pages.yml"
    path.write_text(
        'pages:\n  - name: vendor\n    url: https://status.vendor.example\n    components_include: "^Act"\n'
    )
    components = [
        payloads.component("Git Operations", "major_outage", id="gitops000001"),
        payloads.component("Actions", "degraded_performance", id="actions00001"),
    ]
    summary = parse_summary(payloads.summary(components, indicator="critical"))
    fetcher = NamedFetcher("critical")
    fetcher.result = FetchResult(200, summary)

    async def scenario(client):
        answers = {}
        for route in ("/probe", "/api/v1/status", "/status", "/api/v1/pages"):
            answers[route] = await (await client.get(route, params={"target": "vendor"})).text()
        for component in ("Actions", "Git Operations"):
            badge = await client.get("/api/v1/badge.svg", params={"target": "vendor", "component": component})
            answers[component] = badge.status
        return answers

    answers = serve(GatedFetcher(), scenario, ["--config.file", str(path)], {"vendor": fetcher})
    metrics = answers["/probe"]
    assert 'component="Actions"' in metrics and "Git Operations" not in metrics
    assert 'statuspage_components_worst_status{status="degraded_performance"} 1.0' in metrics
    assert 'statuspage_overall_status{indicator="critical"} 1.0' in metrics  # the vendor's own indicator
    document = json.loads(answers["/api/v1/status"])
    assert ([c["name"] for c in document["components"]], document["indicator"]) == (["Actions"], "critical")
    assert "Actions" in answers["/status"] and "Git Operations" not in answers["/status"]
    pages = {page["name"]: page for page in json.loads(answers["/api/v1/pages"])["pages"]}
    assert pages["vendor"]["components_worst_status"] == "degraded_performance"
    assert (answers["Actions"], answers["Git Operations"]) == (200, 404)


@pytest.mark.parametrize(
    ("path", "status", "content_type"),
    [
        ("/api/v1/status?target=github", 400, "application/json"),
        ("/api/v1/status?target=", 400, "application/json"),
        ("/api/v1/status?target=http://169.254.169.254/latest", 400, "application/json"),
        ("/status?target=nope", 400, "text/html; charset=utf-8"),
        ("/status?target=%3Cscript%3E", 400, "text/html; charset=utf-8"),
        ("/api/v1/badge.svg?target=nope", 400, "image/svg+xml; charset=utf-8"),
        ("/api/v1/pages", 200, "application/json"),
    ],
)
def test_unknown_targets_and_the_pages_list_make_no_upstream_request(pages_file, path, status, content_type):
    default, fetchers = GatedFetcher(), probe_fetchers()

    async def scenario(client):
        response = await client.get(path)
        return response.status, response.headers["Content-Type"], await response.text()

    got, got_type, text = serve(default, scenario, ["--config.file", str(pages_file)], fetchers)
    assert (got, got_type) == (status, content_type)
    assert "<script>" not in text
    assert [default.calls, *(f.calls for f in fetchers.values())] == [0, 0, 0]


def test_api_unknown_target_names_the_reason():
    async def scenario(client):
        return json.loads(await (await client.get("/api/v1/status?target=github")).read())

    assert serve(GatedFetcher(), scenario) == {
        "error": {
            "reason": "unknown_target",
            "detail": "unknown target 'github': give the name or exact URL of a page listed in --config.file",
        }
    }


def test_api_pages_lists_the_default_and_the_listed_pages_as_cached(pages_file):
    async def scenario(client):
        await client.get("/api/v1/status?target=discord")
        return json.loads(await (await client.get("/api/v1/pages")).read())

    document = serve(GatedFetcher(), scenario, ["--config.file", str(pages_file)], probe_fetchers())
    assert_valid("pages", document)
    assert [(p["name"], p["default"], p["indicator"], p["up"]) for p in document["pages"]] == [
        ("default", True, None, False),
        ("cloudflare", False, None, False),
        ("discord", False, "critical", True),
    ]


def test_concurrent_api_clients_share_one_upstream_request():
    fetcher = GatedFetcher(open_gate=False)

    async def scenario(client):
        requests = [asyncio.ensure_future(client.get("/api/v1/status")) for _ in range(50)]
        await Arrivals.wait_for(50)  # every client is waiting for the one request
        fetcher.gate.set()
        return [(r.status, await r.read()) for r in await asyncio.gather(*requests)]

    answers = serve(fetcher, scenario)
    assert fetcher.calls == 1
    assert {status for status, _ in answers} == {200}
    assert len({body for _, body in answers}) == 1


@pytest.mark.parametrize(
    ("query", "status", "label", "message"),
    [
        ("", 200, "Example", "minor outage"),
        ("?component=Actions", 200, "Actions", "operational"),
        ("?component=gitops000001", 200, "Git Operations", "operational"),
        ("?component=%3Cb%3E", 404, "&lt;b&gt;", "no such component"),
    ],
)
def test_badge_says_the_state_in_words(query, status, label, message):
    async def scenario(client):
        response = await client.get("/api/v1/badge.svg" + query)
        return (
            response.status,
            response.headers["Content-Type"],
            response.headers["Cache-Control"],
            await response.text(),
        )

    got, content_type, cache_control, svg = serve(GatedFetcher(), scenario)
    assert (got, content_type) == (status, "image/svg+xml; charset=utf-8")
    assert cache_control == "max-age=30"
    assert f"<title>{label}: {message}</title>" in svg


# -- logging of client errors ------------------------------------------------------------------------


def _log_bad_request(logger_name: str) -> None:
    import logging

    from aiohttp.http_exceptions import BadHttpMessage

    try:
        raise BadHttpMessage("Invalid method encountered")
    except BadHttpMessage:
        logging.getLogger(logger_name).exception("Error handling request from %s", "127.0.0.1")


def test_malformed_requests_are_one_debug_line_without_traceback(log_lines):
    import logging

    from exporter.web.server import ClientErrorLogFilter

    logger = logging.getLogger("aiohttp.server.test")
    logger.addFilter(ClientErrorLogFilter())
    try:
        _log_bad_request(logger.name)
        try:
            raise RuntimeError("a bug of ours")
        except RuntimeError:
            logger.exception("Error handling request")
    finally:
        logger.filters.clear()
    bad, bug = log_lines()
    assert {k: bad[k] for k in ("level", "msg", "error")} == {
        "level": "debug",
        "msg": "bad request from client",
        "error": "BadHttpMessage: Invalid method encountered",
    }
    assert "exception" not in bad
    assert bug["level"] == "error" and "RuntimeError: a bug of ours" in bug["exception"]


def test_malformed_requests_are_dropped_above_debug(log_lines):
    import logging

    from exporter.web.server import ClientErrorLogFilter

    logger = logging.getLogger("aiohttp.server.test2")
    logger.addFilter(ClientErrorLogFilter())
    logger.setLevel(logging.INFO)
    try:
        _log_bad_request(logger.name)
    finally:
        logger.filters.clear()
        logger.setLevel(logging.NOTSET)
    assert log_lines() == []


def test_reuse_builds_again_only_when_an_input_is_another_object():
    from exporter.web.server import _Reuse

    class Owner:
        pass

    reuse, owner, other_owner, built = _Reuse(), Owner(), Owner(), []
    summary, stats = object(), object()

    def build():
        built.append(1)
        return len(built)

    assert reuse.get(owner, (summary, stats), build) == 1
    assert reuse.get(owner, (summary, stats), build) == 1
    assert reuse.get(other_owner, (summary, stats), build) == 2
    assert reuse.get(owner, (summary, object()), build) == 3
    assert reuse.get(owner, ({"equal": 1},), build) == 4
    assert reuse.get(owner, ({"equal": 1},), build) == 5  # equal is not enough: the same object is


def test_every_route_but_metrics_is_reserved_from_the_telemetry_path():
    from exporter.config import RESERVED_PATHS

    app = make_app(GatedFetcher())
    assert set(app._routes) - {"/metrics"} == set(RESERVED_PATHS)
