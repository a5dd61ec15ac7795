"""cache.SummaryCache: coalescing, TTL, 304, Retry-After, stale-while-error, statistics."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import pytest

from exporter.engines.statuspage import parse_summary
from exporter.errors import FetchError
from exporter.fetch.answers import FetchResult
from exporter.fetch.cache import Clock, SummaryCache
from exporter.model import FetchStats
from exporter.vocabulary import REASONS
from tests import payloads

SUMMARY = parse_summary(payloads.summary(indicator="minor"))
OTHER_SUMMARY = parse_summary(payloads.summary(indicator="major"))
OK = FetchResult(200, SUMMARY)


@dataclass
class FakeTime:
    now: float = 1000.0
    wall_offset: float = 1_795_000_000.0

    def clock(self) -> Clock:
        return Clock(monotonic=lambda: self.now, wall=lambda: self.now + self.wall_offset)


@dataclass
class ScriptedFetcher:
    """Answers fetch() from a script; each entry a FetchResult or a FetchError to raise."""

    script: list = field(default_factory=list)
    url: str = "https://status.example.com/api/v2/summary.json"
    calls: list = field(default_factory=list)
    time: FakeTime | None = None
    duration: float = 0.25

    def fetch(self) -> FetchResult:
        self.calls.append(self.time.now if self.time is not None else None)
        if self.time is not None:
            self.time.now += self.duration
        outcome = self.script.pop(0)
        if isinstance(outcome, FetchError):
            raise outcome
        return outcome


def inline(target):
    target()


def make_cache(script, ttl=30.0, max_stale=600.0):
    time = FakeTime()
    fetcher = ScriptedFetcher(list(script), time=time)
    return SummaryCache(fetcher, ttl, max_stale, clock=time.clock(), spawn=inline), fetcher, time


def test_first_scrape_fetches_and_exports_the_summary():
    cache, fetcher, time = make_cache([OK])
    view = cache.get(timeout=1)
    assert view.summary == SUMMARY
    assert view.stats == FetchStats(
        fetches=1,
        errors=view.stats.errors,
        not_modified=0,
        last_duration_seconds=0.25,
        last_success_timestamp=1000.25 + time.wall_offset,
        up=True,
    )
    assert dict(view.stats.errors) == dict.fromkeys(REASONS, 0)


def test_no_new_request_within_the_ttl_however_many_scrapes():
    cache, fetcher, time = make_cache([OK, OK])
    for _ in range(50):
        cache.get(timeout=1)
        time.now += 0.5  # 50 scrapes over 25 s
    assert len(fetcher.calls) == 1
    time.now = 1000.0 + 30.0  # the TTL counts from the start of the latest attempt
    cache.get(timeout=1)
    assert len(fetcher.calls) == 2


def test_failures_also_wait_for_the_ttl():
    cache, fetcher, time = make_cache([FetchError("connection", "refused"), OK])
    cache.get(timeout=1)
    time.now += 10
    cache.get(timeout=1)
    assert len(fetcher.calls) == 1


def test_many_threads_share_one_request():
    release = threading.Event()
    calls = []

    class SlowFetcher:
        url = "https://status.example.com/api/v2/summary.json"

        def fetch(self):
            calls.append(threading.current_thread().name)
            release.wait(5)
            return OK

    cache = SummaryCache(SlowFetcher(), ttl=30.0, max_stale=600.0)
    views = []
    threads = [threading.Thread(target=lambda: views.append(cache.get(timeout=5))) for _ in range(40)]
    for thread in threads:
        thread.start()
    release.set()
    for thread in threads:
        thread.join(5)
    assert calls == ["statuspage-fetch"]  # one request, on the shared worker threads
    assert len(views) == 40
    assert all(view.summary == SUMMARY for view in views)


def test_a_scrape_stops_waiting_at_its_budget_and_gets_the_cache():
    release = threading.Event()

    class HangingFetcher:
        url = "u"

        def fetch(self):
            release.wait(5)
            return OK

    cache = SummaryCache(HangingFetcher(), ttl=30.0, max_stale=600.0)
    in_flight = cache.refresh_if_due()
    view = cache.get(timeout=0.05)  # joins the request in flight, and gives up on it at its budget
    assert view.summary is None and view.stats.fetches == 0
    release.set()
    in_flight.result(timeout=5)  # the request went on without the scrape, and its answer was kept
    assert (cache.view().summary, cache.view().stats.fetches) == (SUMMARY, 1)


def test_304_renews_freshness_and_keeps_data():
    not_modified = FetchResult(304, None)
    cache, fetcher, time = make_cache([OK, not_modified], ttl=30.0, max_stale=60.0)
    cache.get(timeout=1)
    time.now += 50
    view = cache.get(timeout=1)
    assert fetcher.calls == [1000.0, 1050.25]  # the validators are the fetcher's (test_fetch_fetcher)
    assert view.summary == SUMMARY
    assert view.stats.not_modified == 1 and view.stats.up
    time.now += 50  # 100 s after the 200 but only 50 s after the 304: still fresh
    assert cache.view().summary == SUMMARY


def test_stale_data_is_served_until_max_stale_then_dropped_while_own_series_stay():
    error = FetchError("timeout", "slow")
    cache, fetcher, time = make_cache([OK, error, error, error], ttl=30.0, max_stale=100.0)
    cache.get(timeout=1)  # success ends at 1000.25
    time.now += 30
    view = cache.get(timeout=1)
    assert view.summary == SUMMARY and not view.stats.up
    time.now = 1000.25 + 100.0 - fetcher.duration  # this scrape's failed request takes 0.25 s
    assert cache.get(timeout=1).summary == SUMMARY  # exactly max_stale old: still served
    time.now += 30
    view = cache.get(timeout=1)
    assert view.summary is None
    assert view.stats.errors["timeout"] == 3 and view.stats.fetches == 4
    assert view.stats.last_success_timestamp == 1000.25 + time.wall_offset


def test_retry_after_holds_requests_back_and_cache_keeps_serving():
    limited = FetchError("rate_limited", "HTTP 429", 429, retry_after=300.0)
    cache, fetcher, time = make_cache([OK, limited, OK], ttl=30.0, max_stale=600.0)
    cache.get(timeout=1)
    time.now += 30
    cache.get(timeout=1)  # 429 at 1030.5 (after its 0.25 s duration)
    for _ in range(10):
        time.now += 29
        view = cache.get(timeout=1)
        assert view.summary == SUMMARY and not view.stats.up
    assert len(fetcher.calls) == 2
    time.now = 1030.5 + 300.0
    assert cache.get(timeout=1).stats.up
    assert len(fetcher.calls) == 3


def test_new_200_replaces_data():
    second = FetchResult(200, OTHER_SUMMARY)
    cache, fetcher, time = make_cache([OK, second, OK])
    cache.get(timeout=1)
    time.now += 30
    assert cache.get(timeout=1).summary == OTHER_SUMMARY
    time.now += 30
    assert cache.get(timeout=1).summary == SUMMARY
    assert len(fetcher.calls) == 3


def test_an_unchanged_page_keeps_its_summary_and_a_changed_one_gets_the_new():
    """Renderings are keyed on the objects: an equal Summary must not look like new data."""
    equal = FetchResult(200, parse_summary(payloads.summary(indicator="minor")))
    assert equal.summary == SUMMARY and equal.summary is not SUMMARY
    cache, _, time = make_cache([OK, equal, FetchResult(200, OTHER_SUMMARY)])
    first = cache.get(timeout=1)
    time.now += 30
    second = cache.get(timeout=1)
    assert second.summary is first.summary is SUMMARY
    assert second.stats is not first.stats and second.stats.fetches == 2
    time.now += 30
    assert cache.get(timeout=1).summary is OTHER_SUMMARY


@pytest.mark.parametrize("reason", REASONS)
def test_each_failure_reason_is_counted_and_sets_up_to_zero(reason):
    cache, _, time = make_cache([OK, FetchError(reason, "detail")])
    assert cache.get(timeout=1).stats.up
    time.now += 30
    view = cache.get(timeout=1)
    assert view.stats.errors[reason] == 1
    assert sum(view.stats.errors.values()) == 1
    assert not view.stats.up
    assert view.summary == SUMMARY  # stale while error


def test_last_success_timestamp_is_zero_until_the_first_success():
    cache, _, time = make_cache([FetchError("timeout", "x"), OK])
    assert cache.get(timeout=1).stats.last_success_timestamp == 0.0
    time.now += 30
    assert cache.get(timeout=1).stats.last_success_timestamp == time.now + time.wall_offset


def test_failure_is_logged_with_its_context(log_lines):
    cache, _, _ = make_cache([FetchError("rate_limited", "HTTP 429", 429, retry_after=60.0)])
    cache.get(timeout=1)
    [line] = log_lines()
    assert {key: line[key] for key in line if key != "time"} == {
        "level": "warn",
        "msg": "fetch failed",
        "url": "https://status.example.com/api/v2/summary.json",
        "reason": "rate_limited",
        "status": 429,
        "duration_seconds": 0.25,
        "retry_after_seconds": 60.0,
        "error": "HTTP 429",
        "logger": "exporter.fetch.cache",
    }


def test_recovery_is_logged_once_and_steady_success_is_quiet_at_info(log_lines):
    cache, _, time = make_cache([FetchError("timeout", "x"), OK, OK])
    for _ in range(3):
        cache.get(timeout=1)
        time.now += 30
    assert [(line["level"], line["msg"]) for line in log_lines()] == [
        ("warn", "fetch failed"),
        ("info", "fetch succeeded"),
        ("debug", "fetch succeeded"),
    ]


def test_expiry_of_stale_data_is_logged_once(log_lines):
    cache, _, time = make_cache([OK, FetchError("timeout", "x")], max_stale=10.0)
    cache.get(timeout=1)
    time.now += 30
    for _ in range(3):
        assert cache.get(timeout=1).summary is None
    assert [line["msg"] for line in log_lines()].count("cached data expired") == 1


def test_healthy_data_is_never_dropped_even_with_max_stale_below_the_ttl():
    cache, fetcher, time = make_cache([OK, OK], ttl=60.0, max_stale=0.0)
    assert cache.get(timeout=1).summary == SUMMARY
    time.now += 30  # within the TTL: no request, and the data is as fresh as the TTL allows
    assert cache.get(timeout=1).summary == SUMMARY


def test_max_stale_zero_drops_data_at_the_first_failure():
    cache, fetcher, time = make_cache([OK, FetchError("timeout", "x")], ttl=30.0, max_stale=0.0)
    cache.get(timeout=1)
    time.now += 30
    view = cache.get(timeout=1)
    assert view.summary is None and not view.stats.up


def test_a_crashing_fetcher_is_logged_counted_as_not_up_and_the_cache_keeps_working(log_lines):
    class Crashing:
        url = "u"

        def __init__(self):
            self.calls = 0

        def fetch(self):
            self.calls += 1
            if self.calls == 2:
                raise KeyError("a bug")
            return OK

    time = FakeTime()
    fetcher = Crashing()
    cache = SummaryCache(fetcher, 30.0, 600.0, clock=time.clock(), spawn=inline)
    cache.get(timeout=1)
    time.now += 30
    view = cache.get(timeout=1)
    assert not view.stats.up and view.stats.fetches == 2
    assert sum(view.stats.errors.values()) == 0  # a bug is not one of the seven reasons
    assert view.summary == SUMMARY  # stale while error
    [crash] = [line for line in log_lines() if line["msg"] == "fetch crashed"]
    assert crash["level"] == "error" and "KeyError: 'a bug'" in crash["exception"]
    time.now += 30
    assert cache.get(timeout=1).stats.up  # and the next refresh runs


def test_a_refresh_that_cannot_start_a_thread_does_not_wedge_the_cache():
    def no_threads(target):
        raise RuntimeError("can't start new thread")

    time = FakeTime()
    cache = SummaryCache(ScriptedFetcher([OK]), 30.0, 600.0, clock=time.clock(), spawn=no_threads)
    with pytest.raises(RuntimeError):
        cache.refresh_if_due()
    assert cache.refresh_if_due() is None  # no refresh in flight to wait for, and none due yet
    cache._spawn = inline  # threads are back
    time.now += 30
    assert cache.get(timeout=1).summary == SUMMARY


def test_last_error_is_recorded_on_a_failure_and_cleared_by_a_success():
    cache, _, time = make_cache([FetchError("http_status", "HTTP 502", 502), OK])
    failed = cache.get(timeout=1).stats
    assert (failed.last_error_reason, failed.last_error_detail) == ("http_status", "HTTP 502")
    time.now += 30
    recovered = cache.get(timeout=1).stats
    assert (recovered.last_error_reason, recovered.last_error_detail) == ("", "")


@pytest.mark.parametrize(
    ("elapsed", "expected"),
    [(0.0, 30.0), (10.0, 20.0), (29.5, 0.5), (30.0, 0.0), (45.0, 0.0)],
)
def test_seconds_until_due_counts_down_the_ttl_from_the_latest_attempt(elapsed, expected):
    cache, _, time = make_cache([OK])
    assert cache.seconds_until_due() == 0.0  # never fetched: due now
    cache.get(timeout=1)
    time.now = 1000.0 + elapsed
    assert cache.seconds_until_due() == pytest.approx(expected)


def test_seconds_until_due_waits_out_a_retry_after():
    limited = FetchError("rate_limited", "HTTP 429", 429, retry_after=300.0)
    cache, _, time = make_cache([limited])
    cache.get(timeout=1)  # attempt at 1000.0, answered at 1000.25: not before 1300.25
    time.now = 1100.0
    assert cache.seconds_until_due() == pytest.approx(200.25)


def test_a_fetch_error_quoting_the_pages_credentials_is_recorded_and_logged_without_them(log_lines):
    time = FakeTime()
    url = "https://reader:s3cret-pw@status.example.com"
    quoted = f"next page link 'https://other.example/x': not under {url}"
    fetcher = ScriptedFetcher([FetchError("invalid_payload", quoted, 200)], url=url, time=time)
    cache = SummaryCache(fetcher, 30.0, 600.0, clock=time.clock(), spawn=inline)
    view = cache.get(timeout=1)
    detail = view.stats.last_error_detail
    assert detail == "next page link 'https://other.example/x': not under https://reader:<secret>@status.example.com"
    assert view.stats.errors["invalid_payload"] == 1
    [failed] = [line for line in log_lines() if line["msg"] == "fetch failed"]
    assert failed["error"] == detail and "s3cret-pw" not in str(log_lines())
