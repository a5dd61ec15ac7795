"""The cachet engine's malformed-document table (see tests/engine_cases/__init__.py)."""

from __future__ import annotations

from tests.engine_cases import json_cases, sample_documents

# documents: [components, groups, incidents, schedules]
MALFORMED = json_cases(
    sample_documents("cachet"),
    [
        (lambda d: d[0].pop("data"), "components: missing 'data'"),
        (lambda d: d.__setitem__(1, []), "groups: expected an object, got list"),
        (lambda d: d[0].update(data={}), "components.data: expected an array, got dict"),
        (lambda d: d[0]["data"][2].pop("name"), "components[2]: missing 'name'"),
        (
            lambda d: d[0]["data"][0].update(status=None),
            "components[0].status: expected a string or an integer, got null",
        ),
        (lambda d: d[0]["data"][1].update(enabled="yes"), "components[1].enabled: expected a boolean, got str"),
        (
            lambda d: d[0]["data"][1].update(group_id=[1]),
            "components[1].group_id: expected a string or an integer, got list",
        ),
        (lambda d: d[1]["data"][0].update(id=1.5), "groups[0].id: expected a string or an integer, got float"),
        (lambda d: d[2]["data"][0].update(is_resolved="no"), "incidents[0].is_resolved: expected a boolean, got str"),
        (lambda d: d[2]["data"][1].update(occurred_at="soon"), "incidents[1].occurred_at: not a time: 'soon'"),
        (lambda d: d[2]["data"][2].pop("status"), "incidents[2]: missing 'status'"),
        (lambda d: d[3]["data"][0].update(scheduled_at=5), "schedules[0].scheduled_at: expected a string, got int"),
        (lambda d: d[3]["data"][1].pop("name"), "schedules[1]: missing 'name'"),
        (lambda d: d[3]["data"].append(None), "schedules[4]: expected an object, got null"),
    ],
    several=True,
)
