"""The incidentio engine's malformed-document table (see tests/engine_cases/__init__.py)."""

from __future__ import annotations

from tests.engine_cases import json_cases, sample_documents
from tests.engine_fixtures import replaced, without

MALFORMED = json_cases(
    sample_documents("incidentio")[0],
    [
        (without("summary"), "document: missing 'summary'"),
        (replaced("summary", "x"), "summary: expected an object, got str"),
        (without("summary", "structure"), "summary: missing 'structure'"),
        (replaced("summary", "structure", "items", {}), "structure.items: expected an array, got dict"),
        (
            replaced("summary", "structure", "items", 0, "group", "name", None),
            "structure.items[0].group.name: expected a string, got null",
        ),
        (
            replaced("summary", "structure", "items", 0, "group", "hidden", "no"),
            "structure.items[0].group.hidden: expected a boolean, got str",
        ),
        (
            replaced("summary", "structure", "items", 0, "group", "components", 1, 3),
            "structure.items[0].group.components[1]: expected an object, got int",
        ),
        (
            without("summary", "structure", "items", 0, "group", "components", 0, "component_id"),
            "structure.items[0].group.components[0]: missing 'component_id'",
        ),
        (without("summary", "structure", "items", 1, "component"), "structure.items[1]: missing 'component'"),
        (
            replaced("summary", "affected_components", 0, "status", None),
            "affected_components[0].status: expected a string, got null",
        ),
        (
            replaced("summary", "ongoing_incidents", 0, "published_at", "soon"),
            "ongoing_incidents[0].published_at: not an RFC 3339 time: 'soon'",
        ),
        (without("summary", "ongoing_incidents", 1, "status"), "ongoing_incidents[1]: missing 'status'"),
        (
            replaced("summary", "ongoing_incidents", 0, "affected_components", 0, "status", 2),
            "ongoing_incidents[0].affected_components[0].status: expected a string, got int",
        ),
        (
            replaced("summary", "scheduled_maintenances", 0, "starts_at", "2026-11-29T01:00:00"),
            "scheduled_maintenances[0].starts_at: time without an offset: '2026-11-29T01:00:00'",
        ),
        (replaced("summary", "name", 5), "summary.name: expected a string, got int"),
    ],
)
