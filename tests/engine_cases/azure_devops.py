"""The azure_devops engine's malformed-document table (see tests/engine_cases/__init__.py)."""

from __future__ import annotations

from tests.engine_cases import json_cases, sample_documents

MALFORMED = json_cases(
    sample_documents("azure_devops")[0],
    [
        (lambda d: d.pop("status"), "document: missing 'status'"),
        (lambda d: d["status"].pop("health"), "status: missing 'health'"),
        (lambda d: d.pop("services"), "document: missing 'services'"),
        (lambda d: d.update(services={}), "services: expected an array, got dict"),
        (lambda d: d["services"][1].pop("id"), "services[1]: missing 'id'"),
        (lambda d: d["services"][0].update(geographies="US"), "services[0].geographies: expected an array, got str"),
        (lambda d: d["services"][0]["geographies"][2].pop("name"), "services[0].geographies[2]: missing 'name'"),
        (
            lambda d: d["services"][1]["geographies"][0].update(health=3),
            "services[1].geographies[0].health: expected a string, got int",
        ),
        (lambda d: d["services"][1]["geographies"][0].update(health=""), "component status: empty"),
        (lambda d: d.update(lastUpdated="today"), "document.lastUpdated: not an RFC 3339 time: 'today'"),
    ],
)
