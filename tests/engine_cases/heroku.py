"""The heroku engine's malformed-document table (see tests/engine_cases/__init__.py)."""

from __future__ import annotations

from tests.engine_cases import json_cases, sample_documents

MALFORMED = json_cases(
    sample_documents("heroku")[0],
    [
        (lambda d: d.pop("status"), "document: missing 'status'"),
        (lambda d: d.update(status="green"), "status: expected an array, got str"),
        (lambda d: d["status"][1].pop("system"), "status[1]: missing 'system'"),
        (lambda d: d["status"][2].update(status=None), "status[2].status: expected a string, got null"),
        (lambda d: d.update(incidents={}), "incidents: expected an array, got dict"),
        (lambda d: d["incidents"][0].update(resolved="no"), "incidents[0].resolved: expected a boolean, got str"),
        (lambda d: d["incidents"][0].update(id=None), "incidents[0].id: expected a string or an integer, got null"),
        (lambda d: d["incidents"][0].update(status_prod=3), "incidents[0].status_prod: expected a string, got int"),
        (
            lambda d: (d["incidents"][0].pop("status_prod"), d["incidents"][0]["updates"][0].update(status_prod=[])),
            "incidents[0].updates[0].status_prod: expected a string, got list",
        ),
        (lambda d: d["incidents"][0].update(updates={}), "incidents[0].updates: expected an array, got dict"),
        (
            lambda d: d["incidents"][0]["updates"][1].pop("update_type"),
            "incidents[0].updates[1]: missing 'update_type'",
        ),
        (
            lambda d: d["incidents"][0].update(created_at="soon"),
            "incidents[0].created_at: not an RFC 3339 time: 'soon'",
        ),
        (lambda d: d["scheduled"][1].update(upcoming=1), "scheduled[1].upcoming: expected a boolean, got int"),
        (lambda d: d["scheduled"][0].pop("title"), "scheduled[0]: missing 'title'"),
    ],
)
