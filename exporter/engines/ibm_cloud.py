"""The `ibm_cloud` engine: IBM Cloud's `{url}/status/getEnhancedStatus`.

`statusItems` mixes incidents, maintenances, release notes and announcements; only the first two
are read. An item is open while its `state` is not closed (`resolved`, `complete`, `completed`,
`cancelled`) and its `outageEnd` (Unix milliseconds; "" or 0: none) is not in the past, measured
against when the fetch received the document. Open incidents are incidents, their impact from
`sev`: 1 critical, 2 major, 3 and 4 minor; their status their `state`. Open maintenances are
maintenances, `in_progress` once their `outageStart` has passed, else `scheduled`. Each open
item's `resourceIDs` × `regions` are the components (`is-vpc (us-south)`), with the worst status
any open item gives them: sev 1 major_outage, 2 partial_outage, 3 and 4 degraded_performance, a
maintenance in progress under_maintenance, one to come operational. Other types (`release_note`,
`announcement`) are ignored. The indicator is derived.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from exporter.engines.affected import AffectedComponents, derived_summary
from exporter.engines.base import Body, Engine
from exporter.engines.fields import (
    as_object,
    decode_json,
    epoch_millis,
    objects,
    optional,
    required,
    string,
    string_array,
    string_or_integer,
    timestamp,
)
from exporter.model import Incident, Maintenance, Summary

STATUS_PATH = "/status/getEnhancedStatus"

INCIDENT, MAINTENANCE = "incident", "maintenance"
#: States after which an item is over.
CLOSED_STATES = frozenset({"resolved", "complete", "completed", "cancelled", "canceled"})
#: An incident's `sev` -> its impact.
SEVERITY_IMPACTS = {"1": "critical", "2": "major", "3": "minor", "4": "minor"}
#: An incident's `sev` -> the status of each resource × region it names.
SEVERITY_STATUSES = {
    "1": "major_outage",
    "2": "partial_outage",
    "3": "degraded_performance",
    "4": "degraded_performance",
}
#: A maintenance's status -> the status of each resource × region it names.
MAINTENANCE_STATUSES = {"in_progress": "under_maintenance", "scheduled": "operational"}


def endpoints(url: str) -> tuple[str, ...]:
    """The one document this engine reads under the page's base URL."""
    return (url + STATUS_PATH,)


def interpret(bodies: Sequence[Body]) -> Summary:
    """Decode the body as JSON, then parse_status() as of when it was received."""
    (body,) = bodies
    return parse_status(decode_json(body.content, body.content_type), body.received_at)


def parse_status(document: Any, now: float | None = None) -> Summary:
    """The Summary of a decoded getEnhancedStatus document as of `now` (Unix seconds; None: an
    `outageEnd` is never taken as past), or InvalidPayload."""
    root = as_object(document, "document")
    required(root, "statusItems", "document")
    incidents: list[Incident] = []
    maintenances: list[Maintenance] = []
    resources = AffectedComponents()
    for item, where in objects(root, "statusItems", "statusItems"):
        kind = string(item, "type", where).lower()
        if kind not in (INCIDENT, MAINTENANCE):
            continue
        state = (optional(item, "state", str, where) or "").lower()
        end = epoch_millis(item, "outageEnd", where)
        if state in CLOSED_STATES or (end is not None and now is not None and end <= now):
            continue
        start = epoch_millis(item, "outageStart", where)
        if kind == INCIDENT:
            sev = _severity(item, where)
            incidents.append(_incident(item, where, state, sev, start))
            status = SEVERITY_STATUSES.get(sev, sev or "unknown")
        else:
            running = start is not None and now is not None and start <= now
            maintenance = _maintenance(item, where, "in_progress" if running else "scheduled", start, end)
            maintenances.append(maintenance)
            status = MAINTENANCE_STATUSES[maintenance.status]
        for resource in string_array(item, "resourceIDs", where):
            for region in string_array(item, "regions", where):
                name = f"{resource} ({region})"
                resources.add(name, name, status)
    return derived_summary(resources.components(), incidents, maintenances=maintenances)


def _severity(item: Mapping[str, Any], where: str) -> str:
    return "" if item.get("sev") in (None, "") else string_or_integer(item, "sev", where)


def _title(item: Mapping[str, Any], where: str) -> str:
    return optional(item, "shortDescription", str, where) or string(item, "name", where)


def _incident(item: Mapping[str, Any], where: str, state: str, sev: str, start: float | None) -> Incident:
    return Incident(
        id=string(item, "id", where),
        name=_title(item, where),
        status=state or "open",
        impact=SEVERITY_IMPACTS.get(sev, sev or "none"),
        started_at=start or timestamp(item, "creationTime", where),
    )


def _maintenance(
    item: Mapping[str, Any], where: str, status: str, start: float | None, end: float | None
) -> Maintenance:
    return Maintenance(
        id=string(item, "id", where), name=_title(item, where), status=status, scheduled_for=start, scheduled_until=end
    )


ENGINE = Engine("ibm_cloud", endpoints, interpret)
