"""The apple engine: Apple's system status (bare JSON or jsonCallback(...);) -> Summary."""

from __future__ import annotations

import json

import pytest

from exporter.engines import ENGINES, Body, apple
from exporter.errors import FetchError
from exporter.model import Component, Incident, Maintenance, Page, Summary
from tests.engine_fixtures import own_engine_fixture, shared_engine_fixture
from tests.engine_samples import SHARED_CAPTURES

NO_PAGE = Page(id="", name="", url="", updated_at=None)
OWN = "apple-system-status-outage-issue-maintenances.json"

OWN_SUMMARY = Summary(
    page=NO_PAGE,
    indicator="critical",
    components=(
        Component("Apple Account", "Apple Account", "major_outage", "", None),
        Component("iCloud Mail", "iCloud Mail", "major_outage", "", None),  # an outage and an issue: the worse
        Component("Maps Display", "Maps Display", "under_maintenance", "", None),
        Component("App Store", "App Store", "operational", "", None),  # upcoming maintenance, resolved outage
        Component("Siri", "Siri", "operational", "", None),
    ),
    incidents=(
        Incident("1000007001", "Users may be unable to sign in.", "ongoing", "critical", 1795842000.0),  # listed twice
        Incident("1000007002", "Some users may see slow mail delivery.", "ongoing", "minor", 1795843000.0),
    ),
    maintenances=(
        Maintenance("1000007003", "Maps display maintenance.", "in_progress", 1795840000.0, 1795850000.0),
        Maintenance("1000007004", "App Store maintenance.", "scheduled", 1796446800.0, 1796454000.0),
    ),
)


def test_endpoint_is_the_system_status_script():
    assert ENGINES["apple"].endpoints("https://www.apple.com") == (
        "https://www.apple.com/support/systemstatus/data/system_status_en_US.js",
    )


def test_real_capture_78_services_five_resolved_outages_all_operational():
    ((name,),) = SHARED_CAPTURES["apple"]
    summary = ENGINES["apple"].interpret([Body(shared_engine_fixture(name))])
    assert (summary.indicator, summary.incidents, summary.maintenances) == ("none", (), ())
    assert len(summary.components) == 78
    assert {c.status for c in summary.components} == {"operational"}
    assert summary.components[:2] == (
        Component("App Store", "App Store", "operational", "", None),
        Component("Apple Account", "Apple Account", "operational", "", None),
    )


@pytest.mark.parametrize(
    ("wrap", "content_type"),
    [
        ("{}", "application/json"),
        ("jsonCallback({});", "application/javascript"),
        ("jsonCallback({})", "text/javascript"),
        ("\n  jsonCallback( {} ) ;\n", ""),
    ],
    ids=["bare", "jsonp", "jsonp-no-semicolon", "jsonp-spaced"],
)
def test_own_fixture_bare_or_wrapped_in_json_callback(wrap, content_type):
    document = json.dumps(json.loads(own_engine_fixture(OWN)))
    body = wrap.replace("{}", document).encode()
    assert ENGINES["apple"].interpret([Body(body, content_type)]) == OWN_SUMMARY


@pytest.mark.parametrize("content", [b"jsonCallback({}", b"callback({});", b"jsonCallback();"])
def test_a_broken_wrapper_is_invalid_json(content):
    with pytest.raises(FetchError) as caught:
        ENGINES["apple"].interpret([Body(content)])
    assert caught.value.reason == "invalid_json"


@pytest.mark.parametrize(
    ("status_type", "event_status", "component", "incidents", "maintenances"),
    [
        ("Outage", "ongoing", "major_outage", [("critical", "ongoing")], []),
        ("Issue", "ongoing", "degraded_performance", [("minor", "ongoing")], []),
        ("Maintenance", "ongoing", "under_maintenance", [], ["in_progress"]),
        ("Maintenance", "upcoming", "operational", [], ["scheduled"]),
        ("Maintenance", "resolved", "operational", [], []),
        ("Outage", "resolved", "operational", [], []),
        ("Outage", "upcoming", "operational", [], []),
        ("Glitch", "ongoing", "glitch", [("glitch", "ongoing")], []),
    ],
)
def test_an_event_by_type_and_status(status_type, event_status, component, incidents, maintenances):
    event = {"messageId": "1", "statusType": status_type, "eventStatus": event_status, "message": "M",
             "epochStartDate": 1795842000000, "epochEndDate": None}  # fmt: skip
    summary = apple.parse_status({"services": [{"serviceName": "S", "events": [event]}]})
    assert [c.status for c in summary.components] == [component]
    assert [(i.impact, i.status) for i in summary.incidents] == incidents
    assert [m.status for m in summary.maintenances] == maintenances
