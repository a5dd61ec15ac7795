"""The statuspage engine's malformed-document table (see tests/engine_cases/__init__.py)."""

from __future__ import annotations

from tests.engine_cases import encode

MALFORMED = [
    (encode([document]), message)
    for document, message in [
        ([], "document: expected an object, got list"),
        ("summary", "document: expected an object, got str"),
        ({"components": []}, "document: missing 'status'"),
        ({"status": {"indicator": "none"}}, "document: missing 'components'"),
        ({"status": None, "components": []}, "status: expected an object, got null"),
        ({"status": {}, "components": []}, "status: missing 'indicator'"),
        ({"status": {"indicator": 1}, "components": []}, "status.indicator: expected a string, got int"),
        ({"status": {"indicator": "none"}, "components": {}}, "components: expected an array, got dict"),
        ({"status": {"indicator": "none"}, "components": [None]}, "components[0]: expected an object, got null"),
        (
            {"status": {"indicator": "none"}, "components": [{"id": "a", "status": "operational"}]},
            "components[0]: missing 'name'",
        ),
        (
            {
                "status": {"indicator": "none"},
                "components": [{"id": "a", "name": "A", "status": "operational", "group": "yes"}],
            },
            "components[0].group: expected a boolean, got str",
        ),
        (
            {
                "status": {"indicator": "none"},
                "components": [{"id": "a", "name": "A", "status": "operational", "updated_at": "yesterday"}],
            },
            "components[0].updated_at: not an RFC 3339 time: 'yesterday'",
        ),
        (
            {
                "status": {"indicator": "none"},
                "components": [{"id": "a", "name": "A", "status": "operational", "updated_at": "2026-01-01T00:00:00"}],
            },
            "components[0].updated_at: time without an offset: '2026-01-01T00:00:00'",
        ),
        (
            {"status": {"indicator": "none"}, "components": [], "incidents": {}},
            "incidents: expected an array, got dict",
        ),
        (
            {"status": {"indicator": "none"}, "components": [], "incidents": [{"id": "i", "name": "n"}]},
            "incidents[0]: missing 'status'",
        ),
        (
            {
                "status": {"indicator": "none"},
                "components": [],
                "scheduled_maintenances": [{"id": "m", "name": "n", "status": "scheduled", "scheduled_for": 5}],
            },
            "scheduled_maintenances[0].scheduled_for: expected a string, got int",
        ),
        ({"page": [], "status": {"indicator": "none"}, "components": []}, "page: expected an object, got list"),
    ]
]
