"""The ibm_cloud engine: IBM Cloud's getEnhancedStatus -> Summary (open items, against the receive time)."""

from __future__ import annotations

import pytest

from exporter.engines import ENGINES, Body, ibm_cloud
from exporter.model import Component, Incident, Maintenance, Page, Summary
from tests.engine_fixtures import own_engine_fixture, shared_engine_fixture
from tests.engine_samples import SHARED_CAPTURES

NO_PAGE = Page(id="", name="", url="", updated_at=None)
OWN = "ibm-cloud-enhanced-status-open-incidents-maintenance.json"
NOW = 1795845600.0  # 2026-11-28T06:00:00Z


def test_endpoint_is_get_enhanced_status():
    assert ENGINES["ibm_cloud"].endpoints("https://cloud.ibm.com") == (
        "https://cloud.ibm.com/status/getEnhancedStatus",
    )


def test_real_capture_resolved_incidents_release_notes_and_an_announcement_are_nothing_open():
    ((name,),) = SHARED_CAPTURES["ibm_cloud"]
    summary = ENGINES["ibm_cloud"].interpret([Body(shared_engine_fixture(name), received_at=NOW)])
    assert summary == Summary(NO_PAGE, "none", (), (), ())


def test_own_fixture_open_incidents_by_severity_and_a_maintenance_to_come():
    summary = ENGINES["ibm_cloud"].interpret([Body(own_engine_fixture(OWN), received_at=NOW)])
    assert summary == Summary(
        page=NO_PAGE,
        indicator="critical",
        components=(
            Component("is-vpc (us-south)", "is-vpc (us-south)", "major_outage", "", None),
            Component("is-vpc (eu-de)", "is-vpc (eu-de)", "major_outage", "", None),
            Component(
                "containers-kubernetes (us-south)", "containers-kubernetes (us-south)", "degraded_performance", "", None
            ),
            Component(
                "databases-for-postgresql (jp-tok)", "databases-for-postgresql (jp-tok)", "operational", "", None
            ),
        ),
        incidents=(
            Incident("INC0000001", "VPC API errors", "new", "critical", 1795842000.0),
            Incident("INC0000002", "Kubernetes Service", "in-progress", "minor", 1795842600.0),
        ),
        maintenances=(Maintenance("CHG0000004", "Minor version upgrade", "scheduled", 4070926800.0, 4070934000.0),),
    )


def item(**fields) -> dict:
    return {"type": "incident", "state": "new", "id": "INC1", "name": "VPC", "sev": 2, "regions": ["us-south"],
            "resourceIDs": ["is-vpc"], "outageStart": 1795842000000, "outageEnd": "", **fields}  # fmt: skip


@pytest.mark.parametrize(
    ("sev", "impact", "status"),
    [(1, "critical", "major_outage"), ("2", "major", "partial_outage"), (3, "minor", "degraded_performance"),
     (4, "minor", "degraded_performance"), (5, "5", "5")],
)  # fmt: skip
def test_incident_severity_is_its_impact_and_its_resources_status(sev, impact, status):
    summary = ibm_cloud.parse_status({"statusItems": [item(sev=sev)]}, NOW)
    assert ([i.impact for i in summary.incidents], [c.status for c in summary.components]) == ([impact], [status])


@pytest.mark.parametrize(
    ("fields", "open_"),
    [
        ({}, True),
        ({"state": "resolved"}, False),
        ({"state": "Resolved"}, False),
        ({"outageEnd": NOW * 1000}, False),
        ({"outageEnd": NOW * 1000 - 1}, False),
        ({"outageEnd": NOW * 1000 + 60_000}, True),
        ({"outageEnd": 0}, True),
        ({"type": "release_note"}, False),
        ({"type": "announcement"}, False),
    ],
    ids=["open", "resolved", "resolved-capitalised", "ended-now", "ended", "ends-later", "no-end", "release-note",
         "announcement"],
)  # fmt: skip
def test_an_item_is_open_until_resolved_or_its_outage_end_has_passed(fields, open_):
    summary = ibm_cloud.parse_status({"statusItems": [item(**fields)]}, NOW)
    assert len(summary.incidents) == (1 if open_ else 0)


def test_without_a_receive_time_an_outage_end_is_not_taken_as_past():
    assert len(ibm_cloud.parse_status({"statusItems": [item(outageEnd=1000)]}).incidents) == 1


@pytest.mark.parametrize(
    ("start", "status", "component_status"),
    [(NOW * 1000 - 1, "in_progress", "under_maintenance"), (NOW * 1000 + 60_000, "scheduled", "operational")],
)
def test_a_maintenance_is_in_progress_once_its_outage_start_has_passed(start, status, component_status):
    maintenance = item(
        type="maintenance", state="scheduled", id="CHG1", outageStart=start, outageEnd=NOW * 1000 + 7_200_000
    )
    summary = ibm_cloud.parse_status({"statusItems": [maintenance]}, NOW)
    assert ([m.status for m in summary.maintenances], [c.status for c in summary.components]) == (
        [status],
        [component_status],
    )
