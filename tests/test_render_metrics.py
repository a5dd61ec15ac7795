"""exposition.MetricsRenderer: reuse of renderings, gzip, content negotiation."""

from __future__ import annotations

import gzip

import pytest
from prometheus_client.registry import CollectorRegistry

from exporter.render.metrics import OPENMETRICS, TEXT, MetricsRenderer, accepts_gzip, negotiate


class CountingCollector:
    """Counts how often it is collected: each collection is one rendering."""

    def __init__(self):
        self.collections = 0

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        self.collections += 1
        yield GaugeMetricFamily("renders", "How often this was rendered.", value=self.collections)


@pytest.fixture
def setup():
    state = {"now": 100.0}
    collector = CountingCollector()
    registry = CollectorRegistry()
    registry.register(collector)
    renderer = MetricsRenderer(registry, clock=lambda: state["now"])
    return renderer, collector, state


def test_within_a_second_the_rendering_is_reused(setup):
    renderer, collector, state = setup
    first = renderer.render()
    for _ in range(100):
        state["now"] += 0.009
        assert renderer.render() == first
    assert collector.collections == 1


def test_a_fresh_rendering_is_made_when_asked_and_then_reused(setup):
    renderer, collector, state = setup
    renderer.render()
    assert b"renders 2.0" in renderer.render(fresh=True).body
    assert b"renders 2.0" in renderer.render().body


def test_renderings_older_than_a_second_are_redone(setup):
    renderer, collector, state = setup
    renderer.render()
    state["now"] += 1.0
    renderer.render()
    assert collector.collections == 2


def test_gzip_when_asked_made_once_per_rendering(setup):
    renderer, collector, state = setup
    plain = renderer.render()
    zipped = renderer.render(accept_encoding="deflate, gzip;q=0.8")
    assert zipped.gzipped and not plain.gzipped
    assert gzip.decompress(zipped.body) == plain.body
    assert renderer.render(accept_encoding="gzip").body is zipped.body
    assert collector.collections == 1


def test_openmetrics_when_asked(setup):
    renderer, collector, state = setup
    text = renderer.render(accept="text/plain;version=0.0.4")
    openmetrics = renderer.render(accept="application/openmetrics-text;version=1.0.0,text/plain;q=0.5")
    assert text.content_type == "text/plain; version=0.0.4; charset=utf-8"
    assert openmetrics.content_type == "application/openmetrics-text; version=1.0.0; charset=utf-8"
    assert openmetrics.body.endswith(b"# EOF\n")
    assert not text.body.endswith(b"# EOF\n")


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


def test_clients_cannot_grow_the_renderings_by_naming_new_versions(setup):
    renderer, collector, state = setup
    for minor in range(200):
        renderer.render(accept=f"application/openmetrics-text; version=1.0.{minor}", accept_encoding="gzip")
        renderer.render(accept=f"text/plain; version=1.{minor}.0")
    assert len(renderer._renderings) == 2
    assert collector.collections == 2  # one rendering per format, reused
