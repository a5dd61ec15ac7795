"""The azure_devops engine: Azure DevOps' health document -> Summary."""

from __future__ import annotations

import pytest

from exporter.engines import ENGINES, Body, azure_devops
from exporter.model import Component, Page, Summary
from tests.engine_fixtures import shared_engine_fixture
from tests.engine_samples import SAMPLES, SHARED_CAPTURES

SERVICES = ("Core services", "Boards", "Repos", "Pipelines", "Test Plans", "Artifacts", "Other services")
GEOGRAPHIES = ("United States", "Canada", "Brazil", "Europe", "United Kingdom", "Asia Pacific", "Australia", "India")


def test_endpoint_is_the_health_api_with_its_version():
    assert ENGINES["azure_devops"].endpoints("https://status.dev.azure.com") == (
        "https://status.dev.azure.com/_apis/status/health?api-version=7.1-preview.1",
    )


def test_real_capture_seven_services_in_eight_geographies_all_healthy():
    ((name,),) = SHARED_CAPTURES["azure_devops"]
    summary = ENGINES["azure_devops"].interpret([Body(shared_engine_fixture(name))])
    assert summary == Summary(
        page=Page(id="", name="", url="", updated_at=1784912734.397),
        indicator="none",
        components=tuple(
            Component(f"{s} ({g})", f"{s} ({g})", "operational", s, None) for s in SERVICES for g in GEOGRAPHIES
        ),
        incidents=(),
        maintenances=(),
    )


def test_own_sample_each_geography_health_and_the_overall_health():
    summary = ENGINES["azure_devops"].interpret(SAMPLES["azure_devops"].bodies())
    assert (summary.indicator, [(c.id, c.status, c.group) for c in summary.components]) == (
        "major",
        [
            ("Boards (United States)", "operational", "Boards"),
            ("Boards (Europe)", "degraded_performance", "Boards"),
            ("Boards (Asia Pacific)", "operational", "Boards"),
            ("Pipelines (United States)", "partial_outage", "Pipelines"),
            ("Pipelines (Europe)", "major_outage", "Pipelines"),
            ("Pipelines (Asia Pacific)", "operational", "Pipelines"),
        ],
    )


@pytest.mark.parametrize(
    ("health", "status", "indicator"),
    [
        ("healthy", "operational", "none"),
        ("advisory", "degraded_performance", "minor"),
        ("degraded", "partial_outage", "major"),
        ("unhealthy", "major_outage", "critical"),
        ("Unhealthy", "major_outage", "critical"),
        ("unknown", "unknown", "unknown"),
    ],
)
def test_health_is_the_component_status_and_the_overall_indicator(health, status, indicator):
    document = {
        "status": {"health": health},
        "services": [{"id": "Boards", "geographies": [{"id": "US", "name": "United States", "health": health}]}],
    }
    summary = azure_devops.parse_health(document)
    assert ([c.status for c in summary.components], summary.indicator) == ([status], indicator)
