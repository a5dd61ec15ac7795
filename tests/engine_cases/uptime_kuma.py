"""The uptime_kuma engine's malformed-document table (see tests/engine_cases/__init__.py)."""

from __future__ import annotations

from tests.engine_cases import json_cases, sample_documents

# documents: [status page, heartbeats]
MALFORMED = json_cases(
    sample_documents("uptime_kuma"),
    [
        (lambda d: d[1].pop("heartbeatList"), "heartbeats: missing 'heartbeatList'"),
        (lambda d: d[1].update(heartbeatList=[]), "heartbeatList: expected an object, got list"),
        (lambda d: d[1]["heartbeatList"].update({"13": {}}), "heartbeatList.13: expected an array, got dict"),
        (lambda d: d[1]["heartbeatList"]["12"][1].pop("status"), "heartbeatList.12[1]: missing 'status'"),
        (lambda d: d[1]["heartbeatList"]["11"][0].update(time="noon"), "heartbeatList.11[0].time: not a time: 'noon'"),
        (lambda d: d[0].update(publicGroupList={}), "publicGroupList: expected an array, got dict"),
        (lambda d: d[0]["publicGroupList"][1].pop("name"), "publicGroupList[1]: missing 'name'"),
        (
            lambda d: d[0]["publicGroupList"][0]["monitorList"][1].update(name=None),
            "publicGroupList[0].monitorList[1].name: expected a string, got null",
        ),
        (lambda d: d[0].update(incident="down"), "incident: expected an object, got str"),
        (lambda d: d[0]["incident"].pop("title"), "incident: missing 'title'"),
        (lambda d: d[0]["incident"].update(style=2), "incident.style: expected a string, got int"),
        (lambda d: d[0]["maintenanceList"][0].pop("id"), "maintenanceList[0]: missing 'id'"),
    ],
    several=True,
)
