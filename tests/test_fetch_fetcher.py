"""fetch.PageFetcher against `responses`: success, 304, every failure reason, redirects, limits.

The transport's own behaviour on real sockets (deadline, proxies) is in tests/integration.
"""

from __future__ import annotations

import dataclasses
import email.utils
import gzip
import io
import json
import time
import tracemalloc
import zlib

import pytest
import requests
import responses
from responses import matchers

from exporter import __version__
from exporter.engines import ENGINES, Engine
from exporter.engines.statuspage import parse_summary
from exporter.errors import FetchError
from exporter.fetch.answers import MAX_RETRY_AFTER_SECONDS, Remembered, Validators, parse_retry_after
from exporter.fetch.fetcher import PageFetcher, page_link
from tests import payloads
from tests.engine_fixtures import own_engine_fixture

BASE = "https://status.example.com"
URL = BASE + "/api/v2/summary.json"


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def client(max_bytes: int | None = None) -> PageFetcher:
    engine = ENGINES["statuspage"]
    if max_bytes is not None:
        engine = dataclasses.replace(engine, max_bytes=max_bytes)
    return PageFetcher(BASE, timeout=5.0, engine=engine)


def failure(**kwargs) -> FetchError:
    with pytest.raises(FetchError) as caught:
        client(**kwargs).fetch()
    return caught.value


def test_ok_answer_is_parsed_and_its_validators_kept(mocked):
    body = json.dumps(payloads.summary(indicator="minor")).encode()
    mocked.get(URL, body=body, headers={"ETag": '"v1"', "Last-Modified": "Sat, 28 Nov 2026 05:00:00 GMT"})

    fetcher = client()
    result = fetcher.fetch()

    assert result.status == 200
    assert result.summary.indicator == "minor"
    assert [c.name for c in result.summary.components] == ["Git Operations", "Actions"]
    assert fetcher.memo == (Remembered(Validators('"v1"', "Sat, 28 Nov 2026 05:00:00 GMT")),)


def test_request_names_the_exporter_and_asks_only_for_summary(mocked):
    mocked.get(URL, json=payloads.summary())
    client().fetch()
    [call] = mocked.calls
    assert call.request.url == URL
    assert call.request.headers["User-Agent"].startswith(f"github-status-exporter/{__version__} ")
    assert call.request.headers["Accept-Encoding"] == "gzip"
    assert "If-None-Match" not in call.request.headers


@pytest.mark.parametrize(
    ("engine", "url", "accept"),
    [
        ("statuspage", URL, "application/json"),
        ("feed", BASE, "application/atom+xml, application/rss+xml, application/xml;q=0.9, */*;q=0.8"),
    ],
)
def test_each_engine_asks_for_its_own_media_types(mocked, engine, url, accept):
    bodies = {"feed": own_engine_fixture("feed-rss-titles-resolved-mitigated-open.xml")}
    mocked.get(url, body=bodies.get(engine, json.dumps(payloads.summary()).encode()))
    assert PageFetcher(BASE, timeout=5.0, engine=ENGINES[engine]).fetch().status == 200
    [call] = mocked.calls
    assert call.request.headers["Accept"] == accept


def test_conditional_request_sends_validators_and_304_keeps_them(mocked):
    mocked.get(URL, json=payloads.summary(), headers={"ETag": '"v1"', "Last-Modified": "Sat, 28 Nov 2026 05:00:00 GMT"})
    fetcher = client()
    fetcher.fetch()
    memo = (Remembered(Validators('"v1"', "Sat, 28 Nov 2026 05:00:00 GMT")),)
    mocked.replace(responses.GET, URL, status=304)

    result = fetcher.fetch()

    assert (result.status, result.summary, fetcher.memo) == (304, None, memo)
    headers = mocked.calls[1].request.headers
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == "Sat, 28 Nov 2026 05:00:00 GMT"


def test_a_new_200_replaces_the_validators_and_a_failure_keeps_them(mocked):
    """Moved from the cache's tests: the fetcher owns its memo."""
    fetcher = client()
    mocked.get(URL, json=payloads.summary(), headers={"ETag": '"v1"'})
    fetcher.fetch()
    mocked.replace(responses.GET, URL, json=payloads.summary(), headers={"ETag": '"v2"'})
    fetcher.fetch()
    mocked.replace(responses.GET, URL, status=500)
    with pytest.raises(FetchError):
        fetcher.fetch()
    mocked.replace(responses.GET, URL, status=304)
    assert fetcher.fetch().status == 304
    sent = [call.request.headers.get("If-None-Match") for call in mocked.calls]
    assert sent == [None, '"v1"', '"v2"', '"v2"']
    assert fetcher.memo == (Remembered(Validators('"v2"', None)),)


def test_gzip_body_is_decoded(mocked):
    body = gzip.compress(json.dumps(payloads.summary(indicator="critical")).encode())
    mocked.get(URL, body=body, headers={"Content-Encoding": "gzip"})
    assert client().fetch().summary.indicator == "critical"


@pytest.mark.parametrize(
    ("reply", "reason", "status", "retry_after"),
    [
        ({"body": requests.exceptions.ConnectTimeout("connect timed out")}, "timeout", None, None),
        ({"body": requests.exceptions.ReadTimeout("read timed out")}, "timeout", None, None),
        ({"body": requests.exceptions.ConnectionError("Name or service not known")}, "connection", None, None),
        ({"body": requests.exceptions.SSLError("certificate verify failed")}, "connection", None, None),
        ({"status": 429, "headers": {"Retry-After": "120"}}, "rate_limited", 429, 120.0),
        ({"status": 429}, "rate_limited", 429, None),
        ({"status": 503, "headers": {"Retry-After": "30"}}, "http_status", 503, 30.0),
        ({"status": 503}, "http_status", 503, None),
        ({"status": 500, "headers": {"Retry-After": "30"}}, "http_status", 500, None),
        ({"status": 404}, "http_status", 404, None),
        ({"status": 200, "body": b"<html>maintenance</html>"}, "invalid_json", 200, None),
        ({"status": 200, "body": b"\xff\xfe{}"}, "invalid_json", 200, None),
        ({"status": 200, "body": b"[" * 100_000 + b"]" * 100_000}, "invalid_json", 200, None),
        ({"status": 200, "body": b'{"status": {"indicator": "none"}}'}, "invalid_payload", 200, None),
        ({"status": 200, "body": b"null"}, "invalid_payload", 200, None),
        ({"status": 200, "body": b"x", "headers": {"Content-Encoding": "br"}}, "invalid_json", 200, None),
        ({"status": 200, "body": b"not gzip", "headers": {"Content-Encoding": "gzip"}}, "invalid_json", 200, None),
        (
            {"status": 200, "body": gzip.compress(b"{}")[:-12], "headers": {"Content-Encoding": "gzip"}},
            "invalid_json",
            200,
            None,
        ),
    ],
    ids=lambda value: str(value)[:40],
)
def test_failures_are_classified(mocked, reply, reason, status, retry_after):
    mocked.get(URL, **reply)
    error = failure()
    assert (error.reason, error.status, error.retry_after) == (reason, status, retry_after)


def test_redirect_loop_is_an_http_status_failure(mocked):
    mocked.get(URL, status=302, headers={"Location": URL})
    error = failure()
    assert (error.reason, error.status, error.detail) == ("http_status", 302, "redirect loop: more than 5 redirects")
    assert len(mocked.calls) == 6  # the first request and five redirects, then it gives up


def test_redirects_are_followed_to_the_summary(mocked):
    moved = "https://www.status.example.com/api/v2/summary.json"
    mocked.get(URL, status=301, headers={"Location": moved})
    mocked.get(moved, json=payloads.summary(indicator="minor"))
    assert client().fetch().summary.indicator == "minor"
    assert [call.request.url for call in mocked.calls] == [URL, moved]


def test_a_redirect_from_http_to_https_on_the_same_host_is_followed(mocked):
    plain = "http://status.example.com/api/v2/summary.json"
    mocked.get(plain, status=301, headers={"Location": URL})
    mocked.get(URL, json=payloads.summary())
    assert PageFetcher("http://status.example.com", timeout=5.0).fetch().status == 200


def test_a_redirect_from_https_to_http_on_the_same_host_is_refused_without_a_request(mocked):
    mocked.get(URL, status=301, headers={"Location": "http://status.example.com/api/v2/summary.json"})
    error = failure()
    assert (error.reason, error.status, error.detail) == ("http_status", 301, "redirect from https to http refused")
    assert len(mocked.calls) == 1


@pytest.mark.parametrize(
    "location",
    [
        "http://169.254.169.254/latest/meta-data/",
        "https://status.example.com.evil.example/api/v2/summary.json",
        "https://example.com/api/v2/summary.json",
        "http://127.0.0.1:8080/",
    ],
)
def test_a_redirect_to_another_host_is_refused_without_a_request(mocked, location):
    mocked.get(URL, status=302, headers={"Location": location})
    error = failure()
    assert (error.reason, error.status) == ("http_status", 302)
    assert error.detail.startswith("redirect to another host refused: ")
    assert len(mocked.calls) == 1


def test_a_redirects_body_is_never_read(mocked):
    bomb = gzip.compress(b" " * (64 * 1024 * 1024))
    body = MeteredBody(io.BytesIO(bomb))
    mocked.get(
        URL,
        status=302,
        body=body,
        headers={"Location": URL, "Content-Encoding": "gzip"},
        auto_calculate_content_length=False,
    )
    assert failure().reason == "http_status"
    assert body.bytes_read == 0


class MeteredBody(io.BufferedReader):
    """A response body that counts what was read from it."""

    bytes_read = 0

    def read(self, *args):
        data = super().read(*args)
        self.bytes_read += len(data)
        return data

    def read1(self, *args):
        data = super().read1(*args)
        self.bytes_read += len(data)
        return data


@pytest.mark.parametrize(
    "location",
    ["http://[::1", "http://status.example.com:99999/", "ftp://status.example.com/x", "//"],
)
def test_an_unusable_redirect_location_is_an_http_status_failure(mocked, location):
    mocked.get(URL, status=302, headers={"Location": location})
    error = failure()
    assert error.reason == "http_status"


def test_a_non_ascii_redirect_location_is_followed_and_its_answer_classified(mocked):
    mocked.get(URL, status=302, headers={"Location": "/\xb2"})
    mocked.get("https://status.example.com/%C2%B2", status=404)
    error = failure()
    assert (error.reason, error.status) == ("http_status", 404)


@pytest.mark.parametrize(
    "headers",
    [{"Retry-After": "\xb2"}, {"Retry-After": "1 Jan 99999999999999 00:00 GMT"}, {"Retry-After": "Sat, 99 Foo"}],
)
def test_garbled_retry_after_is_ignored(mocked, headers):
    mocked.get(URL, status=429, headers=headers)
    error = failure()
    assert (error.reason, error.retry_after) == ("rate_limited", None)


def test_garbled_content_length_does_not_escape_classification(mocked):
    mocked.get(URL, body=b"{}", headers={"Content-Length": "\xb2"}, auto_calculate_content_length=False)
    assert failure().reason == "invalid_payload"


def test_declared_length_over_the_cap_is_refused_before_reading(mocked):
    mocked.get(
        URL, body=b"{}", headers={"Content-Length": str(8 * 1024 * 1024 + 1)}, auto_calculate_content_length=False
    )
    error = failure()
    assert (error.reason, error.detail) == ("too_large", "Content-Length 8388609 over 8388608 bytes")


def test_body_over_the_cap_is_refused(mocked):
    mocked.get(URL, body=b" " * 2048, auto_calculate_content_length=False)
    error = failure(max_bytes=1024)
    assert (error.reason, error.detail) == ("too_large", "body over 1024 bytes")


def test_gzip_bomb_is_refused_without_inflating_it(mocked):
    bomb = gzip.compress(b" " * (64 * 1024 * 1024))  # 64 MiB of spaces in about 64 KiB
    assert len(bomb) < 100_000
    mocked.get(URL, body=bomb, headers={"Content-Encoding": "gzip"})
    tracemalloc.start()
    try:
        error = failure(max_bytes=1024 * 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (error.reason, error.detail) == ("too_large", "body over 1048576 bytes")
    assert peak < 8 * 1024 * 1024, f"decoding stops near the cap, it does not inflate 64 MiB (peak {peak} bytes)"


def test_deflate_body_is_decoded(mocked):
    mocked.get(
        URL, body=zlib.compress(json.dumps(payloads.summary()).encode()), headers={"Content-Encoding": "deflate"}
    )
    assert client().fetch().status == 200


def test_body_exactly_at_the_cap_is_accepted(mocked):
    body = json.dumps(payloads.summary()).encode()
    mocked.get(URL, body=body)
    assert client(max_bytes=len(body)).fetch().status == 200


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, None),
        ("", None),
        ("0", 0.0),
        ("120", 120.0),
        (" 45 ", 45.0),
        ("86400", MAX_RETRY_AFTER_SECONDS),
        ("soon", None),
        ("-5", None),
        ("\xb2", None),
        ("Sat, 99 Foo", None),
        ("1 Jan 99999999999999 00:00 GMT", None),
    ],
)
def test_retry_after_takes_seconds_and_is_capped(header, seconds):
    assert parse_retry_after(header) == seconds


@pytest.mark.parametrize(("offset", "low", "high"), [(120, 110, 120), (-3600, 0, 0), (86400, 3600, 3600)])
def test_retry_after_takes_an_http_date_measured_against_the_wall_clock(offset, low, high):
    header = email.utils.formatdate(time.time() + offset, usegmt=True)
    assert low <= parse_retry_after(header) <= high


def test_an_engine_reading_two_documents_sends_each_its_own_validators_and_reuses_a_304s_body(mocked):
    seen = []

    def interpret_both(bodies):
        seen.append(tuple(body.content for body in bodies))
        return parse_summary(payloads.summary())

    engine = Engine("two", lambda url: (url + "/a.json", url + "/b.json"), interpret_both)
    fetcher = PageFetcher(BASE, timeout=5.0, engine=engine)
    mocked.get(BASE + "/a.json", body=b"A1", headers={"ETag": '"a1"'})
    mocked.get(BASE + "/b.json", body=b"B1", headers={"ETag": '"b1"'})
    fetcher.fetch()

    mocked.replace(responses.GET, BASE + "/a.json", status=304)
    mocked.replace(responses.GET, BASE + "/b.json", body=b"B2", headers={"ETag": '"b2"'})
    second = fetcher.fetch()

    assert seen == [(b"A1", b"B1"), (b"A1", b"B2")]
    assert [call.request.headers.get("If-None-Match") for call in mocked.calls] == [None, None, '"a1"', '"b1"']
    assert second.status == 200


def test_a_failing_first_document_ends_the_fetch_without_asking_for_the_second(mocked):
    engine = Engine("two", lambda url: (url + "/a.json", url + "/b.json"), lambda bodies: None)
    mocked.get(BASE + "/a.json", status=429, headers={"Retry-After": "60"})
    with pytest.raises(FetchError) as caught:
        PageFetcher(BASE, timeout=5.0, engine=engine).fetch()
    assert (caught.value.reason, caught.value.retry_after) == ("rate_limited", 60.0)
    assert [call.request.url for call in mocked.calls] == [BASE + "/a.json"]


# --- Documents in pages (Cachet) -------------------------------------------------------------------

CACHET = "https://status.example.org"
COMPONENTS = CACHET + "/api/v1/components"
GROUPS = CACHET + "/api/v1/components/groups"
INCIDENTS = CACHET + "/api/v1/incidents?sort=id&order=desc&per_page=100"
SCHEDULES = CACHET + "/api/v1/schedules?sort=id&order=desc&per_page=100"


def cachet_page(ids, next_page=None) -> dict:
    data = [{"id": i, "name": f"C{i}", "status": 1, "group_id": 0} for i in ids]
    return {"meta": {"pagination": {"links": {"next_page": next_page}}}, "data": data}


def exactly(url: str) -> list:
    """A `responses` matcher of the URL's query string, exactly (none: none)."""
    return [matchers.query_string_matcher(url.partition("?")[2] or None)]


def serve_cachet(mocked, pages: int, **headers) -> None:
    """Components in `pages` pages of two (page n links to n+1), one-page groups, incidents, schedules."""
    for n in range(1, pages + 1):
        url = COMPONENTS if n == 1 else f"{COMPONENTS}?page={n}"
        link = f"{COMPONENTS}?page={n + 1}" if n < pages else None
        mocked.get(url, json=cachet_page([2 * n - 1, 2 * n], link), headers=headers, match=exactly(url))
    for url in (GROUPS, INCIDENTS, SCHEDULES):
        mocked.get(url, json=cachet_page([]), headers=headers, match=exactly(url))


def cachet_client() -> PageFetcher:
    return PageFetcher(CACHET, timeout=5.0, engine=ENGINES["cachet"])


def test_every_page_of_a_paginated_document_is_read_and_interpreted_in_order(mocked):
    serve_cachet(mocked, pages=3, ETag='"e"')
    fetcher = cachet_client()
    result = fetcher.fetch()
    assert [c.id for c in result.summary.components] == ["1", "2", "3", "4", "5", "6"]
    assert [call.request.url for call in mocked.calls] == [
        COMPONENTS, COMPONENTS + "?page=2", COMPONENTS + "?page=3", GROUPS, INCIDENTS, SCHEDULES
    ]  # fmt: skip
    # A document that came in pages keeps no validators (its pages are all read again); one page keeps them.
    assert [r.validators for r in fetcher.memo] == [
        Validators(),
        Validators('"e"'),
        Validators('"e"'),
        Validators('"e"'),
    ]


def test_a_paginated_document_is_read_whole_again_next_time_without_validators(mocked):
    serve_cachet(mocked, pages=2, ETag='"e"')
    fetcher = cachet_client()
    first = fetcher.fetch()
    mocked.calls.reset()
    second = fetcher.fetch()
    assert "If-None-Match" not in mocked.calls[0].request.headers
    assert mocked.calls[2].request.headers["If-None-Match"] == '"e"'
    assert second.summary == first.summary


def test_twenty_pages_are_read_and_a_twenty_first_is_too_large(mocked):
    serve_cachet(mocked, pages=20)
    assert len(cachet_client().fetch().summary.components) == 40
    mocked.reset()
    serve_cachet(mocked, pages=21)
    with pytest.raises(FetchError) as caught:
        cachet_client().fetch()
    assert (caught.value.reason, caught.value.detail) == ("too_large", f"more than 20 pages from {COMPONENTS}")
    assert len([c for c in mocked.calls if c.request.url.startswith(COMPONENTS + "?page=")]) == 19


def test_a_next_page_that_loops_back_is_invalid_payload(mocked):
    mocked.get(COMPONENTS, json=cachet_page([1], COMPONENTS + "?page=2"), match=exactly(COMPONENTS))
    mocked.get(COMPONENTS + "?page=2", json=cachet_page([2], COMPONENTS), match=exactly(COMPONENTS + "?page=2"))
    with pytest.raises(FetchError) as caught:
        cachet_client().fetch()
    assert (caught.value.reason, caught.value.detail) == ("invalid_payload", f"next page {COMPONENTS} was read already")


@pytest.mark.parametrize(
    "link",
    ["https://evil.example.net/api/v1/components?page=2", "https://status.example.org:8443/api/v1/components?page=2",
     "https://user@status.example.org/api/v1/components?page=2", "ftp://status.example.org/x",
     "https://status.example.org\\@evil.example.net/", "https://status.example.org/api/v1/components?page=2\n"],
)  # fmt: skip
def test_a_next_page_off_the_pages_host_is_refused_without_a_request(mocked, link):
    mocked.get(COMPONENTS, json=cachet_page([1], link), match=exactly(COMPONENTS))
    with pytest.raises(FetchError) as caught:
        cachet_client().fetch()
    assert caught.value.reason == "invalid_payload"
    assert caught.value.detail.startswith(f"next page link {link[:100]!r}: ")
    assert [call.request.url for call in mocked.calls] == [COMPONENTS]


def test_a_failing_page_ends_the_fetch_classified(mocked):
    mocked.get(COMPONENTS, json=cachet_page([1], COMPONENTS + "?page=2"), match=exactly(COMPONENTS))
    mocked.get(COMPONENTS + "?page=2", status=429, headers={"Retry-After": "30"}, match=exactly(COMPONENTS + "?page=2"))
    with pytest.raises(FetchError) as caught:
        cachet_client().fetch()
    assert (caught.value.reason, caught.value.retry_after) == ("rate_limited", 30.0)


def test_a_page_whose_pagination_is_malformed_is_invalid_payload(mocked):
    mocked.get(COMPONENTS, json={"meta": {"pagination": {"links": {"next_page": 2}}}, "data": []})
    with pytest.raises(FetchError) as caught:
        cachet_client().fetch()
    assert (caught.value.reason, caught.value.detail) == (
        "invalid_payload",
        "meta.pagination.links.next_page: expected a string, got int",
    )


@pytest.mark.parametrize(
    ("page_url", "current", "link", "url"),
    [
        ("https://s.example.org", "https://s.example.org/api/v1/components", "?page=2",
         "https://s.example.org/api/v1/components?page=2"),
        ("https://s.example.org", "https://s.example.org/api/v1/components", "/api/v1/components?page=2",
         "https://s.example.org/api/v1/components?page=2"),
        # An app behind a TLS proxy writes http links: read with the page's scheme, never downgraded.
        ("https://s.example.org", "https://s.example.org/api/v1/components", "http://S.example.org/api/v1/components?page=2",
         "https://s.example.org/api/v1/components?page=2"),
        ("https://s.example.org/cachet", "https://s.example.org/cachet/api/v1/components",
         "https://s.example.org:443/cachet/api/v1/components?page=2", "https://s.example.org/cachet/api/v1/components?page=2"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/api/v1/components", "http://127.0.0.1:8080/api/v1/components?page=2#x",
         "http://127.0.0.1:8080/api/v1/components?page=2"),
        # A page read with credentials: a relative link keeps them (urljoin), an absolute one gets them.
        ("https://u:pw@s.example.org", "https://u:pw@s.example.org/api/v1/components", "?page=2",
         "https://u:pw@s.example.org/api/v1/components?page=2"),
        ("https://u:pw@s.example.org", "https://u:pw@s.example.org/api/v1/components", "https://s.example.org/api/v1/components?page=2",
         "https://u:pw@s.example.org/api/v1/components?page=2"),
    ],
)  # fmt: skip
def test_page_link_resolves_a_link_on_the_pages_host_under_its_url(page_url, current, link, url):
    assert page_link(page_url, current, link) == url


@pytest.mark.parametrize(
    ("page_url", "link"),
    [
        ("https://s.example.org/cachet", "https://s.example.org/other/api/v1/components?page=2"),
        ("https://s.example.org/cachet", "https://s.example.org/cachetx/api?page=2"),
        ("https://s.example.org/cachet", "/cachet/../admin?page=2"),
        ("https://s.example.org", "https://www.s.example.org/api/v1/components?page=2"),
        ("https://s.example.org", "https://s.example.org:99999/"),
        ("https://s.example.org", "javascript:alert(1)"),
        ("https://s.example.org", "https://u:pw@s.example.org/api/v1/components?page=2"),
        ("https://u:pw@s.example.org", "https://other:pw@s.example.org/api/v1/components?page=2"),
    ],
)
def test_page_link_refuses_any_other(page_url, link):
    with pytest.raises(FetchError) as caught:
        page_link(page_url, page_url + "/api/v1/components", link)
    assert caught.value.reason == "invalid_payload"
