"""The heroku engine: Heroku's `/api/v4/current-status` -> Summary (real capture, own fixture, tables, bad input)."""

from __future__ import annotations

import copy
import json

import pytest

from exporter.engines import ENGINES, Body, heroku
from exporter.model import Component, Incident, Maintenance, Page, Summary
from tests.engine_fixtures import own_engine_fixture, shared_engine_fixture

CAPTURE = "heroku-v4-current-status-2020-11-09-data-blue-scheduled.json"
OWN = "heroku-current-status-incident-maintenances.json"
NO_PAGE = Page(id="", name="", url="", updated_at=None)


def interpret(content: bytes, content_type: str = "application/json") -> Summary:
    return ENGINES["heroku"].interpret([Body(content, content_type)])


def systems(*colours: str) -> list[dict]:
    return [{"system": f"S{i}", "status": colour} for i, colour in enumerate(colours)]


def item(id_=1, *, resolved=False, upcoming=False, status_prod="yellow", updates=None) -> dict:
    return {
        "id": id_,
        "created_at": "2026-11-28T05:00:00.000Z",
        "title": f"Item {id_}",
        "resolved": resolved,
        "upcoming": upcoming,
        "status_prod": status_prod,
        "updates": updates if updates is not None else [],
    }


def update(kind: str, created_at: str | None) -> dict:
    obj = {"id": 1, "update_type": kind, "contents": "..."}
    if created_at is not None:
        obj["created_at"] = created_at
    return obj


def test_endpoint_is_the_v4_current_status_under_the_url():
    assert ENGINES["heroku"].endpoints("https://status.heroku.com") == (
        "https://status.heroku.com/api/v4/current-status",
    )


def test_real_capture_data_under_maintenance_and_a_resolved_scheduled_item_left_out():
    summary = interpret(shared_engine_fixture(CAPTURE))
    assert summary == Summary(
        page=NO_PAGE,
        indicator="maintenance",
        components=(
            Component("Apps", "Apps", "operational", "", None),
            Component("Data", "Data", "under_maintenance", "", None),
            Component("Tools", "Tools", "operational", "", None),
        ),
        incidents=(),
        maintenances=(),
    )


def test_open_incident_with_latest_update_and_upcoming_and_running_maintenances():
    summary = interpret(own_engine_fixture(OWN))
    assert summary == Summary(
        page=NO_PAGE,
        indicator="minor",
        components=(
            Component("Apps", "Apps", "degraded_performance", "", None),
            Component("Data", "Data", "under_maintenance", "", None),
            Component("Tools", "Tools", "operational", "", None),
        ),
        incidents=(Incident("2301", "Increased router latency", "update", "minor", 1795842000.0),),
        maintenances=(
            Maintenance("2305", "Data service update", "in_progress", None, None),
            Maintenance("2310", "Dashboard maintenance", "scheduled", None, None),
        ),
    )


@pytest.mark.parametrize(
    ("colour", "status"),
    [
        ("green", "operational"),
        ("yellow", "degraded_performance"),
        ("red", "major_outage"),
        ("blue", "under_maintenance"),
        ("RED", "major_outage"),
        ("purple", "purple"),  # beyond the vocabulary: a series of its own
    ],
)
def test_system_colour_is_the_component_status(colour, status):
    assert [c.status for c in heroku.parse_current_status({"status": systems(colour)}).components] == [status]


@pytest.mark.parametrize(
    ("colours", "indicator"),
    [
        (("green", "green"), "none"),
        (("green", "blue"), "maintenance"),
        (("blue", "yellow"), "minor"),
        (("yellow", "red", "blue"), "critical"),
        (("purple",), "none"),
    ],
)
def test_indicator_is_derived_from_the_worst_system(colours, indicator):
    assert heroku.parse_current_status({"status": systems(*colours)}).indicator == indicator


@pytest.mark.parametrize(
    ("status_prod", "impact", "indicator"),
    [
        ("green", "none", "none"),
        ("yellow", "minor", "minor"),
        ("red", "critical", "critical"),
        ("blue", "none", "none"),
    ],
)
def test_incident_impact_follows_its_production_colour(status_prod, impact, indicator):
    document = {"status": systems("green"), "incidents": [item(status_prod=status_prod)]}
    summary = heroku.parse_current_status(document)
    assert [i.impact for i in summary.incidents] == [impact]
    assert summary.indicator == indicator


def test_incident_without_status_prod_takes_the_impact_of_its_latest_update():
    summary = interpret(own_engine_fixture("heroku-current-status-incident-without-status-prod.json"))
    assert summary == Summary(
        page=NO_PAGE,
        indicator="critical",
        components=(
            Component("Apps", "Apps", "major_outage", "", None),
            Component("Data", "Data", "operational", "", None),
            Component("Tools", "Tools", "operational", "", None),
        ),
        incidents=(Incident("2320", "Dyno restarts failing", "update", "critical", 1795842000.0),),
        maintenances=(),
    )


def test_real_capture_with_an_open_incident_lacking_status_prod_keeps_the_whole_page():
    document = json.loads(shared_engine_fixture(CAPTURE))
    incident = copy.deepcopy(document["scheduled"][0])
    incident.update(id=2121, title="Slow builds", resolved=False)
    del incident["status_prod"]
    incident["updates"] = [u for u in incident["updates"] if u["update_type"] != "resolved"]  # newest: blue
    document["incidents"] = [incident]
    summary = heroku.parse_current_status(document)
    assert summary.incidents == (Incident("2121", "Slow builds", "maintenance", "none", 1604019334.418),)
    assert [c.status for c in summary.components] == ["operational", "under_maintenance", "operational"]
    assert summary.indicator == "maintenance"


@pytest.mark.parametrize(
    ("incident_colour", "update_colours", "impact"),
    [
        ("red", ("yellow", "green"), "critical"),  # the incident's own colour wins
        (None, ("yellow", "red"), "critical"),  # newest update: the second (later created_at)
        (None, ("red", None), "critical"),  # the newest update names none: that is no colour, not an error
        (None, (), "none"),
        (None, ("yellow",), "minor"),
    ],
)
def test_incident_colour_falls_back_to_its_latest_update_then_to_no_impact(incident_colour, update_colours, impact):
    updates = []
    for i, colour in enumerate(update_colours):
        obj = update("update", f"2026-11-28T0{5 + i}:00:00Z")
        if colour is not None:
            obj["status_prod"] = colour
        updates.append(obj)
    obj = item(updates=updates)
    del obj["status_prod"]
    if incident_colour is not None:
        obj["status_prod"] = incident_colour
    assert [i.impact for i in heroku.parse_current_status({"status": [], "incidents": [obj]}).incidents] == [impact]


@pytest.mark.parametrize(
    ("updates", "status"),
    [
        ([], "issue"),
        ([update("issue", "2026-11-28T05:00:00Z"), update("Monitoring", "2026-11-28T06:00:00Z")], "monitoring"),
        ([update("update", "2026-11-28T06:00:00Z"), update("issue", "2026-11-28T05:00:00Z")], "update"),
        ([update("update", "2026-11-28T06:00:00Z"), update("issue", None)], "update"),
    ],
    ids=["no-updates", "oldest-first", "newest-first", "undated-update"],
)
def test_incident_status_is_its_latest_update_type(updates, status):
    document = {"status": [], "incidents": [item(updates=updates)]}
    assert [i.status for i in heroku.parse_current_status(document).incidents] == [status]


@pytest.mark.parametrize(
    ("resolved", "upcoming", "statuses"),
    [(False, True, ["scheduled"]), (False, False, ["in_progress"]), (True, False, []), (True, True, [])],
)
def test_scheduled_items_not_resolved_are_maintenances(resolved, upcoming, statuses):
    document = {"status": [], "scheduled": [item(resolved=resolved, upcoming=upcoming)]}
    assert [m.status for m in heroku.parse_current_status(document).maintenances] == statuses


BASE = json.loads(own_engine_fixture(OWN))


def _mutated(change) -> dict:
    document = copy.deepcopy(BASE)
    change(document)
    return document
