"""The instatus engine: an Instatus page's summary and components documents into the one model."""

from __future__ import annotations

import json

import pytest

from exporter.engines import ENGINES
from exporter.engines.base import Body
from exporter.errors import FetchError
from exporter.model import Component, Incident, Maintenance, Page, Summary
from tests.engine_fixtures import own_engine_fixture, shared_engine_fixture

PERPLEXITY_SUMMARY = "instatus-perplexity-2026-09-xx-v3-summary-up.json"
PERPLEXITY_COMPONENTS = "instatus-perplexity-2026-09-xx-components-operational.json"
OWN_SUMMARY = "instatus-v3-summary-hasissues-incident-maintenance.json"
OWN_COMPONENTS = "instatus-components-issues-groups.json"


def interpret(summary: bytes, components: bytes) -> Summary:
    return ENGINES["instatus"].interpret([Body(summary, "application/json"), Body(components, "application/json")])


def parse(summary: dict, components: dict) -> Summary:
    return interpret(json.dumps(summary).encode(), json.dumps(components).encode())


def own() -> tuple[dict, dict]:
    return json.loads(own_engine_fixture(OWN_SUMMARY)), json.loads(own_engine_fixture(OWN_COMPONENTS))


def test_the_engine_reads_the_v3_summary_then_the_v3_components():
    assert ENGINES["instatus"].endpoints("https://status.perplexity.com") == (
        "https://status.perplexity.com/v3/summary.json",
        "https://status.perplexity.com/v3/components.json",
    )


def test_perplexity_capture_up_without_incident_or_maintenance_lists():
    summary = interpret(shared_engine_fixture(PERPLEXITY_SUMMARY), shared_engine_fixture(PERPLEXITY_COMPONENTS))
    assert summary == Summary(
        page=Page(id="", name="Perplexity", url="https://status.perplexity.com", updated_at=None),
        indicator="none",
        components=(
            Component("clyi6jhgg31469ihojbwbsmeeg", "Website", "operational", "", None),
            Component("clyiakn7i60113hvojwho6za6j", "API", "operational", "", None),
            Component("cmr18ih7201l20rqmap66bx4l", "Computer", "operational", "", None),
        ),
        incidents=(),
        maintenances=(),
    )


def test_a_page_with_issues_groups_an_incident_and_maintenances():
    assert parse(*own()) == Summary(
        page=Page(id="", name="Example", url="https://status.example.com", updated_at=None),
        indicator="critical",  # HASISSUES: derived, here from Billing's major outage
        components=(
            Component("cm0component000000000001", "Website", "operational", "", None),
            Component("cm0component000000000002", "API", "partial_outage", "Platform", None),
            Component("cm0component000000000003", "Search", "degraded_performance", "Platform", None),
            Component("cm0component000000000004", "Cache", "under_maintenance", "Storage", None),
            Component("cm0component000000000005", "Billing", "major_outage", "", None),
        ),
        incidents=(Incident("cm0incident00000000000001", "API errors", "identified", "major", 1795842600.0),),
        maintenances=(
            Maintenance("cm0maintenance0000000001", "Database upgrade", "scheduled", 1795914000.0, 1795921200.0),
            Maintenance("cm0maintenance0000000002", "Cache resize", "in_progress", 1795842000.0, 1795843800.0),
        ),
    )


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("OPERATIONAL", "operational"),
        ("DEGRADEDPERFORMANCE", "degraded_performance"),
        ("PARTIALOUTAGE", "partial_outage"),
        ("MAJOROUTAGE", "major_outage"),
        ("UNDERMAINTENANCE", "under_maintenance"),
        ("MINOROUTAGE", "minoroutage"),  # beyond the table: kept lower-cased, a series of its own
    ],
)
def test_component_statuses(word, status):
    summary, components = own()
    components["components"][0]["status"] = word
    assert parse(summary, components).components[0].status == status


@pytest.mark.parametrize(
    ("page_status", "component_statuses", "incident_impact", "indicator"),
    [
        ("UP", ["MAJOROUTAGE"], "MAJOROUTAGE", "none"),  # the page's own word wins where it has one
        ("UNDERMAINTENANCE", ["OPERATIONAL"], None, "maintenance"),
        ("HASISSUES", ["OPERATIONAL", "DEGRADEDPERFORMANCE"], None, "minor"),
        ("HASISSUES", ["UNDERMAINTENANCE"], None, "maintenance"),
        ("HASISSUES", ["PARTIALOUTAGE"], "DEGRADEDPERFORMANCE", "major"),
        ("HASISSUES", ["OPERATIONAL"], "MAJOROUTAGE", "critical"),
        ("HASISSUES", ["OPERATIONAL"], None, "none"),
        ("DOWN", ["OPERATIONAL"], None, "down"),  # beyond the table: kept lower-cased
    ],
)
def test_page_status_to_indicator(page_status, component_statuses, incident_impact, indicator):
    summary, components = own()
    summary["page"]["status"] = page_status
    components["components"] = [
        dict(components["components"][0], id=f"c{i}", status=s) for i, s in enumerate(component_statuses)
    ]
    summary["activeIncidents"] = (
        [dict(summary["activeIncidents"][0], impact=incident_impact)] if incident_impact else []
    )
    assert parse(summary, components).indicator == indicator


@pytest.mark.parametrize(
    ("word", "impact"),
    [
        ("OPERATIONAL", "none"),
        ("DEGRADEDPERFORMANCE", "minor"),
        ("MINOROUTAGE", "minor"),
        ("PARTIALOUTAGE", "major"),
        ("MAJOROUTAGE", "critical"),
        ("UNDERMAINTENANCE", "undermaintenance"),
        (None, "none"),
    ],
)
def test_incident_impacts(word, impact):
    summary, components = own()
    summary["activeIncidents"][0]["impact"] = word
    assert parse(summary, components).incidents[0].impact == impact


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("INVESTIGATING", "investigating"),
        ("IDENTIFIED", "identified"),
        ("MONITORING", "monitoring"),
        ("RESOLVED", None),
    ],
)
def test_incident_statuses_and_resolved_ones_dropped(word, status):
    summary, components = own()
    summary["activeIncidents"] = summary["activeIncidents"][:1]
    summary["activeIncidents"][0]["status"] = word
    assert [i.status for i in parse(summary, components).incidents] == ([status] if status else [])


@pytest.mark.parametrize(
    ("word", "duration", "expected"),
    [
        ("NOTSTARTEDYET", "120", [("scheduled", 1795914000.0, 1795921200.0)]),
        ("INPROGRESS", 90, [("in_progress", 1795914000.0, 1795919400.0)]),
        ("INPROGRESS", None, [("in_progress", 1795914000.0, None)]),
        ("COMPLETED", "120", []),
        ("POSTPONED", "0", [("postponed", 1795914000.0, 1795914000.0)]),
    ],
)
def test_maintenance_statuses_and_end_from_duration_in_minutes(word, duration, expected):
    summary, components = own()
    summary["activeMaintenances"] = [dict(summary["activeMaintenances"][0], status=word, duration=duration)]
    assert [(m.status, m.scheduled_for, m.scheduled_until) for m in parse(summary, components).maintenances] == expected


def test_an_incident_without_an_id_is_known_by_its_url():
    summary, components = own()
    del summary["activeIncidents"][0]["id"]
    assert parse(summary, components).incidents[0].id == "https://status.example.com/incident/cm0incident00000000000001"


@pytest.mark.parametrize("which", [0, 1])
def test_either_body_not_json_is_invalid_json(which):
    bodies = [json.dumps(d).encode() for d in own()]
    bodies[which] = b"<html>Too many requests</html>"
    with pytest.raises(FetchError) as caught:
        interpret(*bodies)
    assert caught.value.reason == "invalid_json"
