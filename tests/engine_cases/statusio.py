"""The statusio engine's malformed-document table (see tests/engine_cases/__init__.py)."""

from __future__ import annotations

from tests.engine_cases import json_cases, sample_documents
from tests.engine_fixtures import replaced, without

MALFORMED = json_cases(
    sample_documents("statusio")[0],
    [
        (replaced("result", []), "result: expected an object, got list"),
        (without("result"), "document: missing 'result'"),
        (without("result", "status_overall"), "result: missing 'status_overall'"),
        (
            replaced("result", "status_overall", "status_code", "400"),
            "status_overall.status_code: expected an integer code, got str",
        ),
        (
            replaced("result", "status_overall", "status_code", True),
            "status_overall.status_code: expected an integer code, got bool",
        ),
        (
            replaced("result", "status_overall", "updated", "yesterday"),
            "status_overall.updated: not an RFC 3339 time: 'yesterday'",
        ),
        (replaced("result", "status", {}), "status: expected an array, got dict"),
        (replaced("result", "status", 0, "x"), "status[0]: expected an object, got str"),
        (
            replaced("result", "status", 0, "status_code", None),
            "status[0].status_code: expected an integer code, got null",
        ),
        (without("result", "status", 0, "id"), "status[0]: missing 'id'"),
        (replaced("result", "status", 0, "name", 5), "status[0].name: expected a string, got int"),
        (replaced("result", "incidents", 0, "_id", None), "incidents[0]._id: expected a string, got null"),
        (replaced("result", "incidents", 0, "messages", []), "incidents[0].messages: expected at least one message"),
        (
            replaced("result", "incidents", 0, "messages", 0, "state", 1.5),
            "incidents[0].messages[0].state: expected an integer code, got float",
        ),
        (
            without("result", "incidents", 0, "messages", 0, "datetime"),
            "incidents[0].messages[0].datetime: missing or null",
        ),
        (replaced("result", "maintenance", []), "maintenance: expected an object, got list"),
        (replaced("result", "maintenance", "active", "x"), "maintenance.active: expected an array, got str"),
        (
            replaced("result", "maintenance", "active", 0, "datetime_planned_end", 7),
            "maintenance.active[0].datetime_planned_end: expected a string, got int",
        ),
    ],
)
