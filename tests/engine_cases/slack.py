"""The slack engine's malformed-document table (see tests/engine_cases/__init__.py)."""

from __future__ import annotations

from tests.engine_cases import json_cases

#: One open outage naming one service.
BASE = {
    "status": "active",
    "date_created": "2026-11-28T05:00:00-08:00",
    "date_updated": "2026-11-28T05:00:00-08:00",
    "active_incidents": [
        {
            "id": 7,
            "date_created": "2026-11-28T05:00:00-08:00",
            "date_updated": "2026-11-28T05:00:00-08:00",
            "title": "Trouble",
            "type": "outage",
            "status": "active",
            "url": "https://slack-status.com/x",
            "services": ["Messaging"],
            "notes": [],
        }
    ],
}

MALFORMED = json_cases(
    BASE,
    [
        (lambda d: d.pop("status"), "document: missing 'status'"),
        (lambda d: d.update(status=None), "document.status: expected a string, got null"),
        (lambda d: d.update(active_incidents={}), "active_incidents: expected an array, got dict"),
        (lambda d: d["active_incidents"].append(None), "active_incidents[1]: expected an object, got null"),
        (lambda d: d["active_incidents"][0].pop("type"), "active_incidents[0]: missing 'type'"),
        (
            lambda d: d["active_incidents"][0].update(id=1.5),
            "active_incidents[0].id: expected a string or an integer, got float",
        ),
        (
            lambda d: d["active_incidents"][0].update(id=True),
            "active_incidents[0].id: expected a string or an integer, got bool",
        ),
        (lambda d: d["active_incidents"][0].update(title=3), "active_incidents[0].title: expected a string, got int"),
        (lambda d: d["active_incidents"][0].pop("services"), "active_incidents[0]: missing 'services'"),
        (
            lambda d: d["active_incidents"][0].update(services="Messaging"),
            "active_incidents[0].services: expected an array, got str",
        ),
        (
            lambda d: d["active_incidents"][0]["services"].append(None),
            "active_incidents[0].services[1]: expected a string, got null",
        ),
        (
            lambda d: d["active_incidents"][0].update(date_created="yesterday"),
            "active_incidents[0].date_created: not an RFC 3339 time: 'yesterday'",
        ),
        (
            lambda d: d.update(date_updated="2026-11-28T05:00:00"),
            "document.date_updated: time without an offset: '2026-11-28T05:00:00'",
        ),
    ],
)
