"""The apple engine's malformed-document table (see tests/engine_cases/__init__.py)."""

from __future__ import annotations

from tests.engine_cases import json_cases, sample_documents

MALFORMED = json_cases(
    sample_documents("apple")[0],
    [
        (lambda d: d.pop("services"), "document: missing 'services'"),
        (lambda d: d.update(services={}), "services: expected an array, got dict"),
        (lambda d: d["services"][4].pop("serviceName"), "services[4]: missing 'serviceName'"),
        (lambda d: d["services"][0].update(events={}), "services[0].events: expected an array, got dict"),
        (lambda d: d["services"][1]["events"][1].pop("statusType"), "services[1].events[1]: missing 'statusType'"),
        (
            lambda d: d["services"][2]["events"][0].update(eventStatus=None),
            "services[2].events[0].eventStatus: expected a string, got null",
        ),
        (
            lambda d: d["services"][0]["events"][0].update(epochStartDate="soon"),
            "services[0].events[0].epochStartDate: not Unix milliseconds: 'soon'",
        ),
        (lambda d: d["services"][3]["events"][0].pop("messageId"), "services[3].events[0]: missing 'messageId'"),
        (
            lambda d: d["services"][1]["events"][1].update(message=7),
            "services[1].events[1].message: expected a string, got int",
        ),
        (lambda d: d["services"].append(d["services"][4]), "component id 'Siri' appears twice"),
    ],
)
