"""render.metrics.MetricsRenderer: one rendering per state, shared; large ones off the loop; gzip; negotiation."""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import threading

import pytest
from prometheus_client import generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.openmetrics.exposition import generate_latest as generate_openmetrics
from prometheus_client.registry import CollectorRegistry

from exporter.engines.statuspage import parse_summary
from exporter.model import CacheView, FetchStats
from exporter.render.collector import BuildInfoCollector, StatuspageCollector
from exporter.render.metrics import (
    INLINE_SERIES,
    OPENMETRICS,
    TEXT,
    MetricsRenderer,
    OwnMetrics,
    accepts_gzip,
    negotiate,
    series_estimate,
)
from tests import payloads

SUMMARY = parse_summary(payloads.load_fixture("summary-groups-incident-maintenance.json"))
OPENMETRICS_ACCEPT = "application/openmetrics-text;version=1.0.0,text/plain;q=0.5"


def large_summary(components: int = 5000):
    return parse_summary(payloads.summary([payloads.component(f"C{i}", id=f"c{i:011d}") for i in range(components)]))


class CountingCollector(StatuspageCollector):
    """Records each rendering of the page's parts, and the thread it ran on."""

    def __init__(self, view):
        super().__init__(view, None)
        self.stats_renderings: list[str] = []
        self.summary_renderings: list[str] = []

    def view_families(self, view):
        self.stats_renderings.append(threading.current_thread().name)
        return super().view_families(view)

    def summary_families(self, summary):
        self.summary_renderings.append(threading.current_thread().name)
        return super().summary_families(summary)


class Ticks:
    """A collector of the exporter's own kind: counts how often it is collected."""

    def __init__(self):
        self.collections = 0

    def collect(self):
        self.collections += 1
        yield GaugeMetricFamily("ticks", "How often this was collected.", value=self.collections)


@dataclasses.dataclass
class Page:
    """A cache's view as the renderer reads it: the same objects until the test changes them."""

    view: CacheView = dataclasses.field(default_factory=lambda: CacheView(SUMMARY, FetchStats(fetches=1, up=True)))
    now: float = 100.0
    generation: int = 0

    def renderer(self, own=()):
        collector = CountingCollector(lambda: self.view)
        own_metrics = OwnMetrics(own, lambda: self.generation, clock=lambda: self.now) if own else None
        return MetricsRenderer(lambda: self.view, collector, own_metrics), collector

    def refresh(self, summary=None):
        stats = self.view.stats
        self.view = CacheView(summary or self.view.summary, dataclasses.replace(stats, fetches=stats.fetches + 1))


def render(renderer, **headers):
    return asyncio.run(renderer.render(**headers))


def test_the_same_state_is_rendered_once_and_its_bytes_handed_to_every_request():
    page = Page()
    renderer, collector = page.renderer()

    async def scrapes():
        return [await renderer.render() for _ in range(100)]

    expositions = asyncio.run(scrapes())
    assert all(exposition.body is expositions[0].body for exposition in expositions)
    assert (len(collector.stats_renderings), len(collector.summary_renderings), renderer.renderings_made) == (1, 1, 1)


def test_new_statistics_render_a_dozen_series_and_reuse_the_unchanged_pages_text():
    page = Page()
    renderer, collector = page.renderer()
    first = render(renderer)
    page.refresh()  # a refresh that found the page unchanged: the cache keeps its Summary object
    second = render(renderer)
    assert b"statuspage_fetches_total 1.0" in first.body and b"statuspage_fetches_total 2.0" in second.body
    assert (len(collector.stats_renderings), len(collector.summary_renderings)) == (2, 1)
    page.refresh(summary=dataclasses.replace(SUMMARY, indicator="minor"))
    assert b'statuspage_overall_status{indicator="minor"} 1.0' in render(renderer).body
    assert (len(collector.stats_renderings), len(collector.summary_renderings)) == (3, 2)


@pytest.mark.parametrize(
    ("accept", "encode"), [("", generate_latest), (OPENMETRICS_ACCEPT, generate_openmetrics)], ids=["text", "om"]
)
def test_the_parts_together_are_byte_for_byte_one_registrys_rendering(accept, encode):
    page = Page()
    own = [Ticks(), BuildInfoCollector("1.2.3")]
    renderer, _ = page.renderer(own)
    body = render(renderer, accept=accept).body
    registry = CollectorRegistry()
    for collector in [*own, StatuspageCollector(lambda: page.view, None)]:
        registry.register(collector)
    own[0].collections = 0  # the registry's rendering counts as the same first collection
    assert body == encode(registry)
    assert body.count(b"# EOF") == (1 if encode is generate_openmetrics else 0)


def test_own_metrics_are_reused_for_a_second_and_redone_at_once_after_a_reload():
    page = Page()
    ticks = Ticks()
    renderer, collector = page.renderer([ticks])
    render(renderer)
    for _ in range(100):
        page.now += 0.009
        assert b"ticks 1.0" in render(renderer).body
    page.now += 0.2  # a second since the rendering
    assert b"ticks 2.0" in render(renderer).body
    page.generation += 1  # a reload, good or bad
    assert b"ticks 3.0" in render(renderer).body
    assert len(collector.summary_renderings) == 1  # the page itself did not change


def test_a_missing_summary_renders_the_statistics_only():
    page = Page(view=CacheView(None, FetchStats(fetches=3)))
    body = render(page.renderer()[0]).body
    assert b"statuspage_fetches_total 3.0" in body and b"statuspage_overall_status" not in body


def test_gzip_when_asked_made_once_per_rendering():
    renderer, _ = Page().renderer()
    plain = render(renderer)
    zipped = render(renderer, accept_encoding="deflate, gzip;q=0.8")
    assert zipped.gzipped and not plain.gzipped
    assert gzip.decompress(zipped.body) == plain.body
    assert render(renderer, accept_encoding="gzip").body is zipped.body


def test_openmetrics_when_asked():
    renderer, _ = Page().renderer()
    text = render(renderer, accept="text/plain;version=0.0.4")
    openmetrics = render(renderer, accept=OPENMETRICS_ACCEPT)
    assert text.content_type == "text/plain; version=0.0.4; charset=utf-8"
    assert openmetrics.content_type == "application/openmetrics-text; version=1.0.0; charset=utf-8"
    assert openmetrics.body.endswith(b"# EOF\n")
    assert not text.body.endswith(b"# EOF\n")


def test_a_large_page_is_rendered_and_gzipped_off_the_event_loop_once_for_every_waiting_request():
    page = Page(view=CacheView(large_summary(), FetchStats(up=True)))
    assert series_estimate(page.view.summary) > INLINE_SERIES
    renderer, collector = page.renderer()
    loop_thread = []

    async def scrapes():
        loop_thread.append(threading.current_thread().name)
        return await asyncio.gather(*(renderer.render(accept_encoding="gzip") for _ in range(20)))

    expositions = asyncio.run(scrapes())
    assert collector.summary_renderings == ["statuspage-render_0"] != loop_thread
    assert renderer.renderings_made == 1
    assert all(exposition.body is expositions[0].body for exposition in expositions)
    assert gzip.decompress(expositions[0].body).count(b"statuspage_component_status{") == 5000 * 5


def test_a_small_page_is_rendered_on_the_event_loop():
    renderer, collector = Page().renderer()
    assert series_estimate(SUMMARY) <= INLINE_SERIES
    render(renderer)
    assert collector.summary_renderings == ["MainThread"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", False),
        ("gzip", True),
        ("GZIP", True),
        ("br, gzip", True),
        ("gzip;q=0", False),
        ("gzip; q=0.5", True),
        ("deflate", False),
        ("x-gzip", False),
        ("*", False),
    ],
)
def test_accepts_gzip(header, expected):
    assert accepts_gzip(header) is expected


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("", TEXT),
        ("text/plain;version=0.0.4;q=0.5,*/*;q=0.1", TEXT),
        ("text/plain;version=1.0.0;escaping=allow-utf-8", TEXT),
        (
            "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
            "text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
            OPENMETRICS,
        ),
        ("application/openmetrics-text; version=abc", OPENMETRICS),
        ("application/openmetrics-text; version=1.0.7; escaping=values", OPENMETRICS),
        ("Application/OpenMetrics-Text", OPENMETRICS),
        ("application/openmetrics-text;q=0, text/plain", TEXT),
        ("application/openmetrics-text;q=nonsense", OPENMETRICS),
    ],
)
def test_negotiation_knows_two_formats_whatever_the_header_says(accept, expected):
    assert negotiate(accept) == expected


def test_clients_cannot_grow_the_renderings_by_naming_new_versions():
    renderer, collector = Page().renderer()

    async def scrapes():
        for minor in range(200):
            await renderer.render(accept=f"application/openmetrics-text; version=1.0.{minor}", accept_encoding="gzip")
            await renderer.render(accept=f"text/plain; version=1.{minor}.0")

    asyncio.run(scrapes())
    assert len(renderer._renderings) == 2
    assert renderer.renderings_made == 2  # one rendering per format, reused
