"""The salesforce engine's malformed-document table (see tests/engine_cases/__init__.py)."""

from __future__ import annotations

from tests.engine_cases import json_cases, sample_documents

MALFORMED = json_cases(
    sample_documents("salesforce")[0],
    [
        (lambda d: d.append("POD1"), "instances[6]: expected an object, got str"),
        (lambda d: d[0].update(isActive="true"), "instances[0].isActive: expected a boolean, got str"),
        (lambda d: d[1].pop("status"), "instances[1]: missing 'status'"),
        (lambda d: d[2].update(key=12), "instances[2].key: expected a string, got int"),
        (lambda d: d[3].update(location=[]), "instances[3].location: expected a string, got list"),
        (lambda d: d[0].update(Incidents={}), "instances[0].Incidents: expected an array, got dict"),
        (lambda d: d[0]["Incidents"][0].pop("id"), "instances[0].Incidents[0]: missing 'id'"),
        (
            lambda d: d[0]["Incidents"][0]["IncidentImpacts"][0].pop("severity"),
            "instances[0].Incidents[0].IncidentImpacts[0]: missing 'severity'",
        ),
        (
            lambda d: d[3]["Incidents"][0]["IncidentImpacts"][0].update(endTime=1),
            "instances[3].Incidents[0].IncidentImpacts[0].endTime: expected a string, got int",
        ),
        (
            lambda d: d[4]["Maintenances"][0].update(plannedStartTime="tomorrow"),
            "instances[4].Maintenances[0].plannedStartTime: not an RFC 3339 time: 'tomorrow'",
        ),
        (
            lambda d: d[2]["Maintenances"][0].update(id=None),
            "instances[2].Maintenances[0].id: expected a string or an integer, got null",
        ),
    ],
)
