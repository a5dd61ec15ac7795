"""The instatus engine's malformed-document table (see tests/engine_cases/__init__.py)."""

from __future__ import annotations

from tests.engine_cases import json_cases, sample_documents
from tests.engine_fixtures import replaced, without


def _at(index, mutate):
    return lambda documents: mutate(documents[index])


MALFORMED = json_cases(
    sample_documents("instatus"),
    [
        (_at(index, mutate), message)
        for index, mutate, message in [
            (0, without("page"), "summary: missing 'page'"),
            (0, replaced("page", "status", None), "page.status: expected a string, got null"),
            (0, replaced("page", "name", 3), "page.name: expected a string, got int"),
            (0, replaced("activeIncidents", {}), "activeIncidents: expected an array, got dict"),
            (
                0,
                replaced("activeIncidents", 0, "started", "now"),
                "activeIncidents[0].started: not an RFC 3339 time: 'now'",
            ),
            (0, without("activeIncidents", 0, "status"), "activeIncidents[0]: missing 'status'"),
            (0, replaced("activeIncidents", 0, "impact", 4), "activeIncidents[0].impact: expected a string, got int"),
            (
                0,
                lambda d: [m(d) for m in (without("activeIncidents", 0, "id"), without("activeIncidents", 0, "url"))],
                "activeIncidents[0]: missing 'url'",
            ),
            (
                0,
                replaced("activeMaintenances", 0, "duration", "two hours"),
                "activeMaintenances[0].duration: expected a number of minutes, got str",
            ),
            (
                0,
                replaced("activeMaintenances", 0, "duration", -5),
                "activeMaintenances[0].duration: expected a number of minutes, got int",
            ),
            (1, without("components"), "components.json: missing 'components'"),
            (1, replaced("components", None), "components: expected an array, got null"),
            (1, replaced("components", 1, "status", None), "components[1].status: expected a string, got null"),
            (1, replaced("components", 1, "group", 7), "components[1].group: expected an object, got int"),
            (
                1,
                replaced("components", 1, "group", "name", False),
                "components[1].group.name: expected a string, got bool",
            ),
        ]
    ],
    several=True,
)
