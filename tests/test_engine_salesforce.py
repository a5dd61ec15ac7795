"""The salesforce engine: Salesforce Trust's instances preview -> Summary."""

from __future__ import annotations

import pytest

from exporter.engines import ENGINES, Body, salesforce
from exporter.model import Component, Incident, Maintenance, Page, Summary
from tests.engine_fixtures import shared_engine_fixture
from tests.engine_samples import SAMPLES, SHARED_CAPTURES

NO_PAGE = Page(id="", name="", url="", updated_at=None)


def test_endpoint_is_the_instances_status_preview():
    assert ENGINES["salesforce"].endpoints("https://api.status.salesforce.com") == (
        "https://api.status.salesforce.com/v1/instances/status/preview",
    )


def test_real_capture_37_active_instances_of_40_all_ok():
    ((name,),) = SHARED_CAPTURES["salesforce"]
    summary = ENGINES["salesforce"].interpret([Body(shared_engine_fixture(name))])
    assert (summary.indicator, summary.incidents, summary.maintenances) == ("none", (), ())
    assert len(summary.components) == 37
    assert {c.status for c in summary.components} == {"operational"}
    assert summary.components[:3] == (
        Component("POD37", "POD37", "operational", "EMEA", None),
        Component("POD42", "POD42", "operational", "NA", None),
        Component("POD44", "POD44", "operational", "EMEA", None),
    )
    assert {c.group for c in summary.components} == {"NA", "EMEA", "APAC"}
    assert "POD5" not in {c.id for c in summary.components}  # isActive false


def test_own_sample_incident_on_two_instances_once_maintenances_running_and_to_come():
    assert ENGINES["salesforce"].interpret(SAMPLES["salesforce"].bodies()) == Summary(
        page=NO_PAGE,
        indicator="critical",
        components=(
            Component("NA10", "NA10", "major_outage", "NA", None),
            Component("NA11", "NA11", "degraded_performance", "NA", None),
            Component("NA12", "NA12", "operational", "NA", None),
            Component("EU20", "EU20", "operational", "EMEA", None),
            Component("AP5", "AP5", "under_maintenance", "APAC", None),
        ),
        incidents=(
            Incident("8001", "Incident 8001", "active", "major", 1795842000.0),  # the minor impact has ended
            Incident("8002", "Incident 8002", "active", "none", 1795845600.0),  # every impact has ended
        ),
        maintenances=(
            Maintenance("9002", "Scheduled maintenance for NA12", "scheduled", 1796446800.0, 1796454000.0),
            Maintenance("9001", "Scheduled maintenance for AP5", "in_progress", 1795842000.0, 1795856400.0),
        ),
    )


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("OK", "operational"),
        ("INFORMATIONAL_CORE", "operational"),
        ("INFORMATIONAL_NONCORE", "operational"),
        ("MINOR_INCIDENT_CORE", "degraded_performance"),
        ("MINOR_INCIDENT_NONCORE", "degraded_performance"),
        ("MAJOR_INCIDENT_CORE", "major_outage"),
        ("MAJOR_INCIDENT_NONCORE", "major_outage"),
        ("MAINTENANCE_CORE", "under_maintenance"),
        ("MAINTENANCE_NONCORE", "under_maintenance"),
        ("SOMETHING_NEW", "something_new"),
    ],
)
def test_instance_status_is_the_component_status(status, expected):
    document = [{"key": "NA1", "location": "NA", "status": status, "isActive": True}]
    assert [c.status for c in salesforce.parse_instances(document).components] == [expected]


@pytest.mark.parametrize(
    ("impacts", "impact"),
    [
        ([("minor", None), ("major", None)], "major"),
        ([("major", "2026-11-28T06:00:00Z"), ("minor", "")], "minor"),
        ([("critical", None), ("minor", None)], "critical"),
        ([("major", "2026-11-28T06:00:00Z")], "none"),
        ([], "none"),
        ([("severe", None)], "severe"),
    ],
)
def test_incident_impact_is_the_worst_impact_not_ended(impacts, impact):
    incident = {"id": 1, "IncidentImpacts": [{"severity": s, "endTime": end} for s, end in impacts]}
    document = [{"key": "NA1", "status": "OK", "isActive": True, "Incidents": [incident]}]
    assert [i.impact for i in salesforce.parse_instances(document).incidents] == [impact]
