"""The status API of the real exporter process against a real loopback fake page.

Coalescing under 200 concurrent API clients, 304 on If-None-Match, 503 with the classified
reason and Retry-After, stale data after failures, and unknown targets refused without a request.
"""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import urlsplit

import aiohttp
import pytest

from exporter.engines import ENGINES
from tests import engine_samples, payloads
from tests.fakepage import FakeStatuspage, Reply
from tests.integration.exporter_process import ExporterProcess
from tests.statusdocs import assert_valid

OUTAGE = payloads.summary(
    [
        payloads.component("Git Operations", "major_outage", id="gitops000001"),
        payloads.component("Actions", "operational", id="actions00001"),
        payloads.component("Visit www.githubstatus.com for more information", id="0l2p9nhqnxpd"),
    ],
    indicator="major",
    incidents=[payloads.incident('Git "push" fails', id="inc000000001", impact="major")],
)


@pytest.fixture
def page():
    with FakeStatuspage() as fake:
        fake.set_summary(OUTAGE)
        yield fake


def wait_for(condition, timeout: float = 10.0, interval: float = 0.05):
    """Poll `condition()` until it returns something truthy; return that, or fail at the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


async def _many_gets(url: str, count: int) -> list[tuple[int, bytes]]:
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one():
            async with session.get(url) as response:
                return response.status, await response.read()

        return await asyncio.gather(*(one() for _ in range(count)))


def test_200_concurrent_api_clients_cause_one_upstream_request(page):
    body = json.dumps(OUTAGE).encode()
    page.set_reply(Reply(body=body, headers={"Content-Type": "application/json"}, delay_seconds=1.0))
    with ExporterProcess(["--statuspage.url", page.url]) as exporter:
        answers = asyncio.run(_many_gets(exporter.base_url + "/api/v1/status", 200))
    assert page.request_count == 1
    assert {status for status, _ in answers} == {200}
    assert len({body for _, body in answers}) == 1
    document = json.loads(answers[0][1])
    assert_valid("status", document)
    assert document["indicator"] == "major"
    assert [(c["name"], c["status"]) for c in document["components"]] == [
        ("Git Operations", "major_outage"),
        ("Actions", "operational"),
    ]
    assert [i["name"] for i in document["incidents"]] == ['Git "push" fails']


def test_if_none_match_answers_304_and_reuses_the_cache(page):
    with ExporterProcess(["--statuspage.url", page.url]) as exporter:
        first = exporter.get("/api/v1/status")
        again = exporter.get("/api/v1/status", headers={"If-None-Match": first.headers["ETag"]})
    assert first.status_code == 200
    assert (again.status_code, again.content, again.headers["ETag"]) == (304, b"", first.headers["ETag"])
    max_age = int(again.headers["Cache-Control"].removeprefix("max-age="))
    assert 1 <= max_age <= 30
    assert page.request_count == 1


@pytest.mark.parametrize(
    ("reply", "reason", "detail", "retry_after"),
    [
        (Reply(status=500, body=b"oops", etag=False), "http_status", "HTTP 500", (1, 30)),
        (
            Reply(status=429, body=b"slow down", headers={"Retry-After": "120"}, etag=False),
            "rate_limited",
            "HTTP 429",
            (115, 120),
        ),
    ],
)
def test_no_data_is_a_503_with_the_reason_and_retry_after(page, reply, reason, detail, retry_after):
    page.set_reply(reply)
    with ExporterProcess(["--statuspage.url", page.url]) as exporter:
        response = exporter.get("/api/v1/status")
        badge = exporter.get("/api/v1/badge.svg")
    assert response.status_code == 503
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"up": False, "error": {"reason": reason, "detail": detail}}
    assert_valid("status", response.json())
    low, high = retry_after
    assert low <= int(response.headers["Retry-After"]) <= high
    assert "<title>default: unknown</title>" in badge.text
    assert page.request_count == 1


def test_stale_data_is_served_with_stale_true_after_failures(page):
    with ExporterProcess(["--statuspage.url", page.url, "--cache.ttl", "1s"]) as exporter:
        fresh = exporter.get("/api/v1/status").json()
        page.set_reply(Reply(status=502, body=b"bad gateway", etag=False))
        stale = wait_for(lambda: (doc := exporter.get("/api/v1/status").json())["stale"] and doc)
        pages = exporter.get("/api/v1/pages").json()
        html = exporter.get("/").text
        badge = exporter.get("/api/v1/badge.svg").text
    assert (fresh["up"], fresh["stale"]) == (True, False)
    assert (stale["up"], stale["stale"]) == (False, True)
    assert stale["components"] == fresh["components"]
    assert stale["last_success"] == fresh["last_success"]
    assert_valid("status", stale)
    assert pages["pages"][0]["stale"] is True
    assert "Stale data: the latest request to the status page failed (http_status: HTTP 502)." in html
    assert "<title>Example: partial outage (stale)</title>" in badge


def test_unknown_target_is_400_and_causes_no_upstream_request(page, tmp_path):
    pages_file = tmp_path / "pages.yml"
    pages_file.write_text(f"pages:\n  - name: fake\n    url: {page.url}\n")
    # The default page is elsewhere (a closed port on loopback), so the fake counts only "fake".
    args = ["--statuspage.url", "http://127.0.0.1:9", "--config.file", str(pages_file)]
    with ExporterProcess(args) as exporter:
        unknown = exporter.get("/api/v1/status", params={"target": "github"})
        by_url_typo = exporter.get("/api/v1/status", params={"target": page.url + "/x"})
        html = exporter.get("/status", params={"target": "<b>"})
        listing = exporter.get("/api/v1/pages")
        count_before = page.request_count
        known = exporter.get("/api/v1/status", params={"target": "fake"})
    assert (unknown.status_code, by_url_typo.status_code, html.status_code) == (400, 400, 400)
    assert unknown.json()["error"]["reason"] == "unknown_target"
    assert "&lt;b&gt;" in html.text
    assert [p["name"] for p in listing.json()["pages"]] == ["default", "fake"]
    assert count_before == 0
    assert known.status_code == 200 and page.request_count == 1


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_every_engines_page_is_served_as_schema_valid_json(engine):
    assert engine in engine_samples.SAMPLES, f"add a tiny sample page for engine {engine!r} to tests/engine_samples.py"
    sample = engine_samples.SAMPLES[engine]
    with FakeStatuspage() as fake:
        url = fake.url + sample.url_path
        for endpoint, body in zip(ENGINES[engine].endpoints(url), sample.bodies(), strict=True):
            fake.set_document(urlsplit(endpoint).path, body.content)
        with ExporterProcess(["--statuspage.url", url, "--statuspage.engine", engine]) as exporter:
            status = exporter.get("/api/v1/status")
            pages = exporter.get("/api/v1/pages")
    assert status.status_code == 200, status.text
    assert_valid("status", status.json())
    assert (status.json()["page"]["engine"], status.json()["up"]) == (engine, True)
    assert_valid("pages", pages.json())
    assert [(p["engine"], p["up"]) for p in pages.json()["pages"]] == [(engine, True)]
