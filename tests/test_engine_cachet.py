"""The cachet engine: Cachet's components, groups, incidents and schedules -> Summary (pages, tables, captures)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from exporter.engines import ENGINES, Body, cachet
from exporter.model import Component, Incident, Maintenance, Page, Summary
from tests.engine_fixtures import own_engine_fixture, shared_engine_fixture
from tests.engine_samples import SAMPLES, SHARED_CAPTURES

NO_PAGE = Page(id="", name="", url="", updated_at=None)
URL = "https://status.example.org"


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def page(data: list, next_page: str | None = None) -> dict:
    return {"meta": {"pagination": {"links": {"next_page": next_page, "previous_page": None}}}, "data": data}


def component(id_: int, status, group_id=0) -> dict:
    return {"id": id_, "name": f"C{id_}", "status": status, "group_id": group_id, "enabled": True}


def test_endpoints_read_components_and_groups_and_the_newest_incidents_and_schedules():
    assert ENGINES["cachet"].endpoints(URL) == (
        URL + "/api/v1/components",
        URL + "/api/v1/components/groups",
        URL + "/api/v1/incidents?sort=id&order=desc&per_page=100",
        URL + "/api/v1/schedules?sort=id&order=desc&per_page=100",
    )


def test_real_capture_demo_one_watching_incident_and_a_completed_schedule_left_out():
    (files,) = SHARED_CAPTURES["cachet"]
    summary = ENGINES["cachet"].interpret([Body(shared_engine_fixture(name)) for name in files])
    updated = at("2026-09-12 13:00:03")
    assert summary == Summary(
        page=NO_PAGE,
        indicator="none",
        components=(
            Component("1", "API", "operational", "", updated),
            Component("2", "Documentation", "operational", "", updated),  # group 1 is not in the groups document
            Component("3", "Website", "operational", "", updated),
            Component("4", "Laravel Artisan Cheatsheet", "operational", "Services", updated),
            Component("5", "Checkmango", "operational", "Services", updated),
            Component("6", "GitHub", "operational", "", updated),
        ),
        incidents=(Incident("2", "This is an unresolved incident", "watching", "none", updated),),
        maintenances=(),
    )


def test_own_sample_statuses_groups_open_incidents_and_schedules():
    summary = ENGINES["cachet"].interpret(SAMPLES["cachet"].bodies())
    updated = at("2026-11-28 05:10:00")
    assert summary == Summary(
        page=NO_PAGE,
        indicator="critical",
        components=(
            Component("1", "API", "operational", "Platform", updated),
            Component("2", "Dashboard", "degraded_performance", "Platform", updated),
            Component("3", "Webhooks", "partial_outage", "Integrations", updated),
            Component("4", "Search", "major_outage", "", updated),
            Component("5", "Legacy export", "0", "Integrations", updated),  # disabled component 6 left out
        ),
        incidents=(
            Incident("14", "Search is down", "identified", "none", at("2026-11-28 05:00:00")),
            Incident("13", "Slow dashboard", "watching", "none", at("2026-11-28 04:00:00")),
            Incident("12", "Webhook delays", "investigating", "none", at("2026-11-28 03:00:00")),
        ),
        maintenances=(
            Maintenance("4", "Database upgrade", "in_progress", at("2026-11-28 05:00:00"), None),
            Maintenance("3", "Network maintenance", "scheduled", at("2026-12-01 02:00:00"), None),
        ),
    )


@pytest.mark.parametrize(
    ("status", "expected"),
    [(1, "operational"), (2, "degraded_performance"), (3, "partial_outage"), (4, "major_outage"), ("4", "major_outage"),
     (0, "0"), (7, "7")],
)  # fmt: skip
def test_component_status_code_is_the_component_status(status, expected):
    summary = cachet.parse_documents(page([component(1, status)]), page([]), page([]), page([]))
    assert [c.status for c in summary.components] == [expected]


@pytest.mark.parametrize(
    ("fields", "kept", "status"),
    [
        ({"status": 1}, True, "investigating"),
        ({"status": 1, "latest_status": 2}, True, "identified"),
        ({"status": 1, "latest_status": 3, "is_resolved": False}, True, "watching"),
        ({"status": 2, "latest_status": None}, True, "identified"),
        ({"status": 1, "latest_status": 4}, False, None),
        ({"status": 4}, False, None),
        ({"status": 1, "latest_status": 2, "is_resolved": True}, False, None),
        ({"status": 0}, True, "0"),
    ],
)
def test_incident_is_open_unless_resolved_or_fixed_and_takes_its_latest_status(fields, kept, status):
    incident = {"id": 1, "name": "Trouble", **fields}
    summary = cachet.parse_documents(page([]), page([]), page([incident]), page([]))
    assert [i.status for i in summary.incidents] == ([status] if kept else [])


@pytest.mark.parametrize(
    ("status", "completed_at", "expected"),
    [(0, None, ["scheduled"]), (1, None, ["in_progress"]), (2, None, []), (0, "2026-11-28 06:00:00", []),
     (1, "2026-11-28 06:00:00", [])],
)  # fmt: skip
def test_schedule_is_a_maintenance_until_done_or_completed(status, completed_at, expected):
    schedule = {
        "id": 1,
        "name": "Upgrade",
        "status": status,
        "scheduled_at": "2026-11-28 05:00:00",
        "completed_at": completed_at,
    }
    summary = cachet.parse_documents(page([]), page([]), page([]), page([schedule]))
    assert [m.status for m in summary.maintenances] == expected


def test_components_of_every_page_are_read_in_order_numbered_across_pages():
    first = json.loads(own_engine_fixture("cachet-components-statuses-1-to-4-groups.json"))
    second = json.loads(own_engine_fixture("cachet-components-page-2-of-2.json"))
    groups = json.loads(own_engine_fixture("cachet-groups-two.json"))
    summary = cachet.parse_pages([first, second], [groups], [page([])], [page([])])
    assert [(c.id, c.status, c.group) for c in summary.components] == [
        ("1", "operational", "Platform"),
        ("2", "degraded_performance", "Platform"),
        ("3", "partial_outage", "Integrations"),
        ("4", "major_outage", ""),
        ("5", "0", "Integrations"),
        ("7", "degraded_performance", "Integrations"),
        ("8", "operational", ""),
    ]


def test_interpret_hands_the_following_pages_of_a_body_to_the_parser():
    second = own_engine_fixture("cachet-components-page-2-of-2.json")
    first = Body(
        json.dumps(page([component(1, 1)], URL + "/api/v1/components?page=2")).encode(), next_pages=(Body(second),)
    )
    empty = Body(json.dumps(page([])).encode())
    summary = ENGINES["cachet"].interpret([first, empty, empty, empty])
    assert [c.id for c in summary.components] == ["1", "7", "8"]


@pytest.mark.parametrize(
    ("url", "document", "link"),
    [
        (URL + "/api/v1/components", page([], URL + "/api/v1/components?page=2"), URL + "/api/v1/components?page=2"),
        (URL + "/api/v1/components/groups?page=3", page([], "/api/v1/components/groups?page=4"),
         "/api/v1/components/groups?page=4"),
        (URL + "/api/v1/components", page([]), None),
        (URL + "/api/v1/components", {"data": []}, None),
        (URL + "/api/v1/components", {"meta": {"pagination": {"links": {"next_page": ""}}}, "data": []}, None),
        (URL + "/api/v1/incidents?sort=id&order=desc&per_page=100", page([], URL + "/api/v1/incidents?page=2"), None),
        (URL + "/api/v1/schedules?sort=id&order=desc&per_page=100", page([], URL + "/api/v1/schedules?page=2"), None),
    ],
    ids=["absolute", "relative", "last-page", "no-meta", "empty-link", "incidents-first-page-only",
         "schedules-first-page-only"],
)  # fmt: skip
def test_next_page_is_the_pagination_link_of_components_and_groups_only(url, document, link):
    assert cachet.next_page(url, Body(json.dumps(document).encode())) == link
