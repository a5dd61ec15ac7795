"""The slack engine: Slack's `/api/v2.0.0/current` -> Summary (real capture, own fixture, tables, bad input)."""

from __future__ import annotations

import copy

import pytest

from exporter.engines import ENGINES, Body, slack
from exporter.model import Component, Incident, Page, Summary
from tests.engine_fixtures import own_engine_fixture, shared_engine_fixture

CAPTURE = "slack-current-2020-07-30-active-2incidents.json"
OWN = "slack-current-outage-notice-resolved.json"


def interpret(content: bytes, content_type: str = "application/json") -> Summary:
    return ENGINES["slack"].interpret([Body(content, content_type)])


def incident(type_: str = "incident", services=("Messaging",), **changes) -> dict:
    obj = {
        "id": 1,
        "date_created": "2026-11-28T05:00:00-08:00",
        "date_updated": "2026-11-28T05:00:00-08:00",
        "title": "Trouble",
        "type": type_,
        "status": "active",
        "url": "https://slack-status.com/x",
        "services": list(services),
        "notes": [],
    }
    obj.update(changes)
    return obj


def current(*incidents: dict, status: str = "active") -> dict:
    return {
        "status": status,
        "date_created": "2026-11-28T05:00:00-08:00",
        "date_updated": "2026-11-28T05:00:00-08:00",
        "active_incidents": list(incidents),
    }


def test_endpoint_is_the_current_status_api_under_the_url():
    assert ENGINES["slack"].endpoints("https://slack-status.com") == ("https://slack-status.com/api/v2.0.0/current",)


def test_real_capture_with_two_active_incidents():
    summary = interpret(shared_engine_fixture(CAPTURE))
    assert summary == Summary(
        page=Page(id="", name="", url="", updated_at=1596147154.0),
        indicator="major",
        components=(
            Component("Notifications", "Notifications", "partial_outage", "", None),
            Component("Apps/Integrations/APIs", "Apps/Integrations/APIs", "partial_outage", "", None),
        ),
        incidents=(
            Incident(
                "878", "We are investigating an issue with notification settings", "active", "major", 1596147154.0
            ),
            Incident("879", "We're looking into an issue with certain API calls", "active", "major", 1595612708.0),
        ),
        maintenances=(),
    )


def test_outage_and_notice_on_one_service_give_it_the_worse_status_and_resolved_incidents_are_left_out():
    summary = interpret(own_engine_fixture(OWN))
    assert summary == Summary(
        page=Page(id="", name="", url="", updated_at=1795872600.0),
        indicator="critical",
        components=(
            Component("Messaging", "Messaging", "major_outage", "", None),
            Component("Connectivity", "Connectivity", "major_outage", "", None),
            Component("Search", "Search", "degraded_performance", "", None),
        ),
        incidents=(
            Incident("1201", "Messages fail to send", "active", "critical", 1795870800.0),
            Incident("1202", "Planned maintenance of search", "active", "minor", 1795867200.0),
        ),
        maintenances=(),
    )


@pytest.mark.parametrize(
    "document",
    [
        {"status": "ok", "date_created": "2018-09-07T18:34:15-07:00", "date_updated": "2018-09-07T18:34:15-07:00"},
        {"status": "ok", "active_incidents": [], "date_updated": "2018-09-07T18:34:15-07:00"},
        {"status": "ok", "active_incidents": None, "date_updated": "2018-09-07T18:34:15-07:00"},
    ],
    ids=["old-brief-answer", "empty-list", "null-list"],
)
def test_ok_is_indicator_none_with_no_components(document):
    summary = slack.parse_current(document)
    assert (summary.indicator, summary.components, summary.incidents) == ("none", (), ())
    assert summary.page.updated_at == 1536370455.0


@pytest.mark.parametrize(
    ("type_", "component_status", "impact", "indicator"),
    [
        ("outage", "major_outage", "critical", "critical"),
        ("incident", "partial_outage", "major", "major"),
        ("notice", "degraded_performance", "minor", "minor"),
        ("Outage", "major_outage", "critical", "critical"),
        # Beyond the vocabulary: kept lower-cased as a series of its own; the indicator ignores it.
        ("Degradation", "degradation", "degradation", "none"),
    ],
)
def test_incident_type_sets_component_status_impact_and_derived_indicator(type_, component_status, impact, indicator):
    summary = slack.parse_current(current(incident(type_)))
    assert [c.status for c in summary.components] == [component_status]
    assert [i.impact for i in summary.incidents] == [impact]
    assert summary.indicator == indicator


@pytest.mark.parametrize(
    ("status", "indicator"),
    [("ok", "none"), ("OK", "none"), ("active", "major"), ("broken", "major")],
)
def test_page_status_ok_is_none_anything_else_is_derived(status, indicator):
    assert slack.parse_current(current(incident("incident"), status=status)).indicator == indicator


def test_active_status_without_incidents_derives_none():
    assert slack.parse_current(current(status="active")).indicator == "none"


@pytest.mark.parametrize(
    ("status", "kept"),
    [("active", True), ("Active", True), ("scheduled", True), ("resolved", False), ("completed", False)],
)
def test_only_incidents_not_resolved_or_completed_count(status, kept):
    summary = slack.parse_current(current(incident(status=status)))
    assert [i.status for i in summary.incidents] == ([status.lower()] if kept else [])
    assert len(summary.components) == (1 if kept else 0)


BASE = current(incident("outage", id=7))


def _mutated(change) -> dict:
    document = copy.deepcopy(BASE)
    change(document)
    return document
