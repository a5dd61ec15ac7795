"""The statusio engine: Status.io's status API, read by its codes, into the one model."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exporter.engines import ENGINES
from exporter.engines.base import Body
from exporter.errors import FetchError, InvalidPayload
from exporter.model import Component, Incident, Maintenance, Page, Summary
from tests.engine_fixtures import own_engine_fixture, shared_engine_fixture

DOCKER = "statusio-docker-2020-07-16-partial-disruption-1incident.json"
GITLAB = "statusio-gitlab-2023-06-29-operational-upcoming-maintenance.json"
OWN = "statusio-security-event-active-maintenance.json"


def interpret(content: bytes) -> Summary:
    return ENGINES["statusio"].interpret([Body(content, "application/json")])


def document(*, overall: int = 100, components=(), incidents=(), maintenance=None) -> dict:
    """A minimal Status.io status document."""
    return {
        "result": {
            "status_overall": {"updated": "2026-11-28T05:30:00.000Z", "status": "prose", "status_code": overall},
            "status": list(components),
            "incidents": list(incidents),
            "maintenance": maintenance if maintenance is not None else {"active": [], "upcoming": []},
        }
    }


def component(code: int, id: str = "c1") -> dict:
    return {"id": id, "name": "Web", "updated": "2026-11-28T05:00:00.000Z", "status": "prose", "status_code": code}


def incident(*messages: tuple[int, int, str]) -> dict:
    """An incident whose messages are (state, status, datetime)."""
    return {
        "name": "Trouble",
        "_id": "i1",
        "datetime_open": "2026-11-28T05:00:00.000Z",
        "messages": [{"details": "x", "state": s, "status": c, "datetime": t} for s, c, t in messages],
    }


def parse(doc: dict) -> Summary:
    return interpret(json.dumps(doc).encode())


def test_the_engine_is_registered_and_reads_the_configured_url_itself():
    url = "https://api.status.io/1.0/status/5b36dc6502d06804c08349f7"
    assert ENGINES["statusio"].endpoints(url) == (url,)


def test_docker_capture_with_a_partial_disruption_and_one_incident():
    summary = interpret(shared_engine_fixture(DOCKER))
    t = 1594920145.333
    names = [
        ("582c71aa40855b4d0e000240", "Docker Package Repositories", "operational"),
        ("533c6539221ae15e3f000040", "Docker Hub Web", "operational"),
        ("5342d1b837768a325c00000b", "Docker Hub Registry", "operational"),
        ("5342bc9420974b775d000008", "Docker Hub Automated Builds", "partial_outage"),
        ("53a1c83e814a437c5a00075a", "Docker.com Web", "operational"),
        ("5347131d545b2f12640000bc", "Docker Docs", "operational"),
        ("55b15ea10a54eb8c71000ebf", "Docker Community Forums", "operational"),
        ("57f296dbe1401094660008e1", "Docker Support Site", "operational"),
    ]
    assert summary == Summary(
        page=Page(id="", name="", url="", updated_at=t),
        indicator="major",
        components=tuple(Component(id, name, status, "", t) for id, name, status in names),
        incidents=(
            Incident(
                id="5f108cc06e9c9104c0553a46",
                name="Docker Hub automated builds issue",
                status="investigating",
                impact="major",
                started_at=1594920128.325,
            ),
        ),
        maintenances=(),
    )


def test_gitlab_capture_all_operational_with_one_upcoming_maintenance():
    summary = interpret(shared_engine_fixture(GITLAB))
    assert summary.page == Page(id="", name="", url="", updated_at=1688052028.798)
    assert summary.indicator == "none"
    assert [(c.name, c.status, c.group) for c in summary.components] == [
        (name, "operational", "")
        for name in (
            "Website",
            "API",
            "Git Operations",
            "Container Registry",
            "GitLab Pages",
            "CI/CD - GitLab SaaS Shared Runners",
            "CI/CD - GitLab SaaS Private Runners",
            "CI/CD - Windows Shared Runners (Beta)",
            "SAML SSO - GitLab SaaS",
            "Background Processing",
            "GitLab Customers Portal",
            "Support Services",
            "packages.gitlab.com",
            "version.gitlab.com",
            "forum.gitlab.com",
            "docs.gitlab.com",
            "Canary",
        )
    ]
    assert summary.components[0] == Component("5b36dc6502d06804c0834a07", "Website", "operational", "", 1687631968.191)
    assert len({c.id for c in summary.components}) == 17
    assert summary.incidents == ()
    assert summary.maintenances == (
        Maintenance(
            id="649d8d7a6c2f36053b37055d",
            name="CI Cluster PostgreSQL 14 Upgrade",
            status="scheduled",
            scheduled_for=1688824800.0,
            scheduled_until=1688842800.0,
        ),
    )


def test_security_event_latest_message_by_time_and_active_maintenance():
    summary = interpret(own_engine_fixture(OWN))
    assert summary.indicator == "critical"
    # Containers (where a component runs) are not components, and never change a component's status.
    assert [(c.id, c.name, c.status) for c in summary.components] == [
        ("c000000000000000000000a1", "Login", "security_issue"),
        ("c000000000000000000000a2", "Database", "under_maintenance"),
        ("c000000000000000000000a3", "Web", "degraded_performance"),
    ]
    # The messages are listed out of order: the latest by datetime (05:25, monitoring, minor) wins.
    assert summary.incidents == (
        Incident("i000000000000000000000b1", "Suspicious logins", "monitoring", "minor", 1795842600.0),
    )
    assert summary.maintenances == (
        Maintenance("m000000000000000000000c1", "Database upgrade", "in_progress", 1795842000.0, 1795849200.0),
    )


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (100, "operational"),
        (200, "under_maintenance"),
        (300, "degraded_performance"),
        (400, "partial_outage"),
        (500, "major_outage"),
        (600, "security_issue"),
        (700, "700"),  # beyond the table: kept, as a series of its own
    ],
)
def test_component_status_codes(code, status):
    assert parse(document(components=[component(code)])).components[0].status == status


@pytest.mark.parametrize(
    ("code", "indicator"),
    [
        (100, "none"),
        (200, "maintenance"),
        (300, "minor"),
        (400, "major"),
        (500, "critical"),
        (600, "critical"),
        (0, "0"),
    ],
)
def test_overall_status_codes(code, indicator):
    assert parse(document(overall=code)).indicator == indicator


@pytest.mark.parametrize(
    ("code", "impact"),
    [(100, "none"), (300, "minor"), (400, "major"), (500, "critical"), (600, "critical"), (200, "200")],
)
def test_incident_impact_from_the_latest_message_status_code(code, impact):
    doc = document(incidents=[incident((100, code, "2026-11-28T05:00:00Z"))])
    assert parse(doc).incidents[0].impact == impact


@pytest.mark.parametrize(
    ("state", "status"), [(100, "investigating"), (200, "identified"), (300, "monitoring"), (400, "400")]
)
def test_incident_status_from_the_latest_message_state(state, status):
    doc = document(incidents=[incident((state, 400, "2026-11-28T05:00:00Z"))])
    assert parse(doc).incidents[0].status == status


def test_messages_at_the_same_time_the_later_listed_wins():
    doc = document(incidents=[incident((100, 500, "2026-11-28T05:00:00Z"), (200, 300, "2026-11-28T05:00:00Z"))])
    assert (parse(doc).incidents[0].status, parse(doc).incidents[0].impact) == ("identified", "minor")


def test_prose_is_ignored_only_the_codes_count():
    doc = document(components=[dict(component(100), status="Major Outage")])
    doc["result"]["status_overall"]["status"] = "Major Outage"
    summary = parse(doc)
    assert (summary.indicator, summary.components[0].status) == ("none", "operational")


@pytest.mark.parametrize("value", [None, {}])
def test_maintenance_missing_null_or_empty_means_none(value):
    doc = document()
    if value is None:
        del doc["result"]["maintenance"]
    else:
        doc["result"]["maintenance"] = value
    assert parse(doc).maintenances == ()


@given(st.binary(max_size=200))
def test_any_bytes_are_a_summary_or_the_typed_error(content):
    try:
        interpret(content)
    except (InvalidPayload, FetchError) as err:
        assert not isinstance(err, FetchError) or err.reason == "invalid_json"
