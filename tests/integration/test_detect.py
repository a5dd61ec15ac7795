"""`engine: auto` against loopback fakes: every engine's page is detected as itself, an HTML-only host
is `unknown_engine`, and a detection that runs out of time leaves no thread, slot or socket behind."""

from __future__ import annotations

import json
import threading
import time
from urllib.parse import urlsplit

import pytest

from exporter.engines import ENGINES
from exporter.engines.detection import DETECTION_ORDER
from exporter.errors import FetchError
from exporter.fetch.detect import DetectingFetcher
from exporter.fetch.slots import Upstream
from tests.engine_samples import SAMPLES
from tests.fakepage import SUMMARY_PATH, FakeStatuspage, Reply
from tests.integration.exporter_process import ExporterProcess
from tests.integration.test_exporter_process import value, wait_for

pytestmark = pytest.mark.integration

HTML = Reply(body=b"<!DOCTYPE html><html><body>Status</body></html>", headers={"Content-Type": "text/html"})
NOT_FOUND = Reply(status=404, body=b"not found", etag=False)
#: How long a cut fetch's worker thread may take to end, on a loaded 2-core machine.
CLEANUP_WITHIN = 2.0


def paths(url: str, engine: str) -> list[str]:
    """The paths of the engine's documents for the page at `url`."""
    parts = [urlsplit(endpoint) for endpoint in ENGINES[engine].endpoints(url)]
    return [(part.path or "/") + (f"?{part.query}" if part.query else "") for part in parts]


def asked_for(url: str, engine: str) -> bool:
    """Whether detection asks `engine` at all for `url` (Uptime Kuma only for its URL shape)."""
    check = ENGINES[engine].check_url
    return check is None or check(url) is None


def serve_engine(page: FakeStatuspage, engine: str) -> str:
    """Make the fake a page of that engine only (its sample documents, 404 elsewhere); its URL."""
    sample = SAMPLES[engine]
    url = page.url + sample.url_path
    if engine != "statuspage":
        page.set_reply(NOT_FOUND)
    for path, body in zip(paths(url, engine), sample.bodies(), strict=True):
        page.set_document(path, body.content)
    return url


@pytest.fixture
def page():
    fake = FakeStatuspage().start()
    yield fake
    fake.stop()


@pytest.mark.parametrize("engine", DETECTION_ORDER)
def test_every_engines_page_is_detected_as_itself(page, engine):
    url = serve_engine(page, engine)
    fetcher = DetectingFetcher(url, timeout=5.0, max_stale=600.0)

    result = fetcher.fetch()

    assert (result.status, result.engine, fetcher.engine) == (200, engine, engine)
    assert result.summary == ENGINES[engine].interpret(SAMPLES[engine].bodies())
    # Each engine before it in the order got its first document asked once (a 404 ends its fetch),
    # on the page's own host; the engine itself every document; then nothing more.
    passed_over = [name for name in DETECTION_ORDER[: DETECTION_ORDER.index(engine)] if asked_for(url, name)]
    expected = [paths(url, name)[0] for name in passed_over] + paths(url, engine)
    assert sorted(r.path for r in page.requests) == sorted(expected)


def test_the_decision_is_kept_and_only_the_chosen_engines_documents_are_asked_again(page):
    url = serve_engine(page, "betterstack")
    fetcher = DetectingFetcher(url, timeout=5.0, max_stale=600.0)
    fetcher.fetch()
    before = page.request_count

    again = fetcher.fetch()

    assert (again.engine, again.status) == ("betterstack", 304)  # with the detection's validators
    assert [r.path for r in page.requests[before:]] == ["/index.json"]


def test_an_html_only_host_is_unknown_engine_after_asking_every_engine_once(page):
    page.set_reply(HTML)
    asked = [engine for engine in DETECTION_ORDER if asked_for(page.url, engine)]
    for engine in asked:
        for path in paths(page.url, engine):
            page.set_route(path, HTML)
    fetcher = DetectingFetcher(page.url, timeout=5.0, max_stale=600.0)

    with pytest.raises(FetchError) as caught:
        fetcher.fetch()

    assert caught.value.reason == "unknown_engine"
    assert caught.value.detail.startswith(f"no engine reads {page.url}: incidentio (invalid_json: ")
    assert [part.split(" ")[0] for part in caught.value.detail.split(": ", 1)[1].split("; ")] == asked
    assert fetcher.engine == ""
    # Every engine asked its first document once; nothing but the asked engines' documents was asked
    # (an engine whose first document already fails need not ask the rest).
    requested = [r.path for r in page.requests]
    firsts = [paths(page.url, e)[0] for e in asked]
    assert sorted(set(requested) & set(firsts)) == sorted(set(firsts))
    assert set(requested) <= {p for e in asked for p in paths(page.url, e)}


def test_what_detection_logs_of_the_engines_it_tried_shows_no_credentials(page, log_lines):
    # Cachet's first document links its next page off the host: refused, quoting the page's URL.
    url = page.url.replace("http://", "http://reader:s3cret-pw@")
    cachet_first = paths(page.url, "cachet")[0]
    off_host = {"meta": {"pagination": {"links": {"next_page": "http://x.example/"}}}, "data": []}
    page.set_reply(HTML)
    page.set_document(cachet_first, json.dumps(off_host).encode())
    fetcher = DetectingFetcher(url, timeout=5.0, max_stale=600.0)

    with pytest.raises(FetchError) as caught:
        fetcher.fetch()

    assert caught.value.reason == "unknown_engine"
    [logged] = [line for line in log_lines() if line["msg"] == "engine not detected"]
    [cachet] = [tried for tried in logged["tried"] if tried.startswith("cachet ")]
    assert "not under http://reader:<secret>@127.0.0.1:" in cachet
    assert "s3cret" not in json.dumps(logged)


def test_a_rate_limit_ends_the_detection_and_keeps_its_retry_after(page):
    page.set_route(paths(page.url, "incidentio")[0], Reply(status=429, headers={"Retry-After": "120"}, etag=False))
    fetcher = DetectingFetcher(page.url, timeout=5.0, max_stale=600.0)

    with pytest.raises(FetchError) as caught:
        fetcher.fetch()

    assert (caught.value.reason, caught.value.retry_after) == ("rate_limited", 120.0)
    assert caught.value.detail == "HTTP 429 (engine detection, after 0 engines)"
    assert [r.path for r in page.requests] == paths(page.url, "incidentio")


def _fetch_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "statuspage-fetch"]


def test_a_detection_that_times_out_leaves_nothing_behind(page):
    # The first engine's document never comes: the whole detection has one timeout.
    page.set_route(paths(page.url, "incidentio")[0], Reply(head_drip_interval_seconds=0.2))
    upstream = Upstream(per_host=1, total=1)
    fetcher = DetectingFetcher(page.url, timeout=0.5, max_stale=600.0, upstream=upstream)
    threads_before = len(_fetch_threads())
    started = time.monotonic()

    with pytest.raises(FetchError) as caught:
        fetcher.fetch()

    assert caught.value.reason == "timeout"
    assert time.monotonic() - started < 0.5 + CLEANUP_WITHIN
    wait_for(lambda: len(_fetch_threads()) <= threads_before, timeout=CLEANUP_WITHIN)
    assert len(_fetch_threads()) == threads_before
    with upstream.slot(page.url, timeout=0.0):  # the host's one slot is free again
        pass
    assert fetcher.engine == ""
    assert [r.path for r in page.requests] == paths(page.url, "incidentio")


def test_an_engine_that_stops_interpreting_for_max_stale_is_detected_again(page):
    fetcher = DetectingFetcher(page.url, timeout=5.0, max_stale=0.0)
    assert fetcher.fetch().engine == "statuspage"
    page.set_reply(HTML)
    with pytest.raises(FetchError) as caught:
        fetcher.fetch()
    assert caught.value.reason == "invalid_json"
    serve_engine(page, "betterstack")

    assert fetcher.fetch().engine == "betterstack"


def test_within_max_stale_a_failing_engine_is_kept(page):
    fetcher = DetectingFetcher(page.url, timeout=5.0, max_stale=600.0)
    fetcher.fetch()
    page.set_reply(HTML)
    with pytest.raises(FetchError):
        fetcher.fetch()
    before = page.request_count

    with pytest.raises(FetchError) as caught:
        fetcher.fetch()

    assert caught.value.reason == "invalid_json"
    assert [r.path for r in page.requests[before:]] == [SUMMARY_PATH]
    assert fetcher.engine == "statuspage"


def test_reset_detection_makes_the_next_fetch_detect_again(page):
    fetcher = DetectingFetcher(page.url, timeout=5.0, max_stale=600.0)
    fetcher.fetch()
    serve_engine(page, "heroku")
    fetcher.reset_detection()

    assert fetcher.fetch().engine == "heroku"


def test_the_exporter_exports_the_detected_engine_and_unknown_engine(tmp_path):
    with FakeStatuspage() as default, FakeStatuspage() as found, FakeStatuspage() as html:
        url = serve_engine(found, "instatus")
        html.set_reply(HTML)
        config = tmp_path / "pages.yml"
        config.write_text(
            f"pages:\n  - name: found\n    url: {url}\n    engine: auto\n"
            f"  - name: html\n    url: {html.url}\n    engine: auto\n"
        )
        flags = ["--statuspage.url", default.url, "--config.file", str(config)]
        with ExporterProcess(flags) as exporter:
            detected = exporter.get("/probe", params={"target": "found"}).text
            unknown = exporter.get("/probe", params={"target": "html"}).text
            configured = exporter.metrics()
            logs = exporter.log_lines()
    assert value(detected, "statuspage_up") == 1
    assert value(detected, "statuspage_engine_detected") == 1
    assert (
        value(
            detected,
            "statuspage_page_info",
            page_id="",
            name="Example",
            url="https://status.example.com",
            engine="instatus",
        )
        == 1
    )
    assert value(unknown, "statuspage_up") == 0
    assert value(unknown, "statuspage_fetch_errors_total", reason="unknown_engine") == 1
    assert value(unknown, "statuspage_page_info", page_id="", name="html", url=html.url, engine="auto") == 1
    assert value(configured, "statuspage_engine_detected") == 0
    detections = [line for line in logs if line.get("msg") == "engine detected"]
    assert [(line["engine"], line["tried"]) for line in detections] == [
        ("instatus", ["incidentio (http_status: HTTP 404)", "statuspage (http_status: HTTP 404)", "instatus"])
    ]
