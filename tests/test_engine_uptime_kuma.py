"""The uptime_kuma engine: an Uptime Kuma status page and its heartbeats -> Summary; its page URL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from exporter.engines import ENGINES, Body, uptime_kuma
from exporter.model import Component, Incident, Maintenance, Page, Summary
from tests.engine_fixtures import shared_engine_fixture
from tests.engine_samples import SAMPLES, SHARED_CAPTURES


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("url", "endpoints"),
    [
        ("https://uptime.example.org/status/main", ("https://uptime.example.org/api/status-page/main",
                                                    "https://uptime.example.org/api/status-page/heartbeat/main")),
        ("http://10.0.0.5:3001/kuma/status/ops-team", ("http://10.0.0.5:3001/kuma/api/status-page/ops-team",
                                                       "http://10.0.0.5:3001/kuma/api/status-page/heartbeat/ops-team")),
    ],
)  # fmt: skip
def test_endpoints_come_from_the_status_pages_own_address(url, endpoints):
    assert ENGINES["uptime_kuma"].check_url(url) is None
    assert ENGINES["uptime_kuma"].endpoints(url) == endpoints


@pytest.mark.parametrize(
    "url", ["https://uptime.example.org", "https://uptime.example.org/status", "https://uptime.example.org/status/a/b"]
)
def test_a_url_without_status_and_a_slug_is_refused(url):
    message = ENGINES["uptime_kuma"].check_url(url)
    assert message == (
        f"uptime_kuma wants the status page's own address, {{base}}/status/{{slug}}: {url!r} has no /status/<slug>"
    )
    with pytest.raises(ValueError):
        ENGINES["uptime_kuma"].endpoints(url)


def test_real_capture_demo_maintenance_and_down_monitors_pinned_warning_incident():
    (files,) = SHARED_CAPTURES["uptime_kuma"]
    summary = ENGINES["uptime_kuma"].interpret([Body(shared_engine_fixture(name)) for name in files])
    assert summary == Summary(
        page=Page(id="demo", name="Demo", url="", updated_at=None),
        indicator="critical",
        components=(
            Component("1", "API", "under_maintenance", "Services", at("2026-09-12 12:27:20.287")),
            Component("2", "Webhooks", "major_outage", "Services", at("2026-09-12 12:27:20.773")),
        ),
        incidents=(Incident("1", "Elevated error rates", "active", "major", at("2026-09-12 12:24:51")),),
        maintenances=(Maintenance("2", "Database upgrade", "in_progress", None, None),),
    )


def test_own_sample_newest_heartbeat_wins_a_monitor_in_two_groups_once_one_without_heartbeats():
    summary = ENGINES["uptime_kuma"].interpret(SAMPLES["uptime_kuma"].bodies())
    now = at("2026-11-28 05:00:00")
    assert summary == Summary(
        page=Page(id="main", name="Example services", url="", updated_at=None),
        indicator="critical",
        components=(
            Component("11", "Website", "operational", "Web", now),
            Component("12", "Payments", "major_outage", "Web", now),
            Component("13", "Queue", "degraded_performance", "Backend", now),
            Component("14", "Database", "under_maintenance", "Backend", now),  # its newest beat is listed first
            Component("15", "New monitor", "no_heartbeat", "Backend", None),
        ),
        incidents=(Incident("7", "Payments failing", "active", "critical", now),),
        maintenances=(Maintenance("3", "Database failover test", "in_progress", None, None),),
    )


def document(monitor_beats: list, incident=None) -> tuple[dict, dict]:
    page = {"publicGroupList": [{"name": "G", "monitorList": [{"id": 1, "name": "M"}]}], "incident": incident}
    return page, {"heartbeatList": {"1": monitor_beats}}


@pytest.mark.parametrize(
    ("status", "expected"),
    [(1, "operational"), (0, "major_outage"), (2, "degraded_performance"), (3, "under_maintenance"), (9, "9")],
)
def test_newest_heartbeat_status_is_the_monitor_status(status, expected):
    summary = uptime_kuma.parse_documents(*document([{"status": status, "time": "2026-11-28 05:00:00"}]))
    assert [c.status for c in summary.components] == [expected]


@pytest.mark.parametrize(
    ("style", "impact"),
    [("danger", "critical"), ("warning", "major"), ("info", "minor"), ("primary", "minor"), (None, "minor")],
)
def test_pinned_incident_impact_follows_its_style(style, impact):
    incident = {"id": 1, "title": "T", "style": style, "createdDate": "2026-11-28 05:00:00"}
    summary = uptime_kuma.parse_documents(*document([], incident))
    assert [(i.impact, i.status) for i in summary.incidents] == [(impact, "active")]
