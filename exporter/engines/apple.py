"""The `apple` engine: Apple's system status, `{url}/support/systemstatus/data/system_status_en_US.js`.

The document is JSON, bare or wrapped in `jsonCallback(...);` (JSONP, as the page loads it).
Every entry of `services` is a component keyed and named by its `serviceName`. Each of its events
with `eventStatus` `ongoing` gives it a status by its `statusType`: `Outage` major_outage, `Issue`
degraded_performance, `Maintenance` under_maintenance (the worst of them; none: operational).
Ongoing Outage and Issue events are incidents (critical and minor; any other type: a series of
its own), named by their `message`, status `ongoing`; Maintenance events `upcoming` or `ongoing`
are maintenances (`scheduled`, `in_progress`). Apple lists one event under every service it
affects: an event is exported once, by its `messageId`. Times come from the epoch fields
(milliseconds). The indicator is derived.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from exporter.engines.affected import derived_summary
from exporter.engines.base import Body, Engine
from exporter.engines.fields import (
    as_object,
    decode_text,
    epoch_millis,
    load_json,
    objects,
    required,
    string,
    string_or_integer,
)
from exporter.model import Component, Incident, Maintenance, Summary
from exporter.vocabulary import worst_component_status

STATUS_PATH = "/support/systemstatus/data/system_status_en_US.js"
_CALLBACK = "jsonCallback("

ONGOING = "ongoing"
#: An ongoing event's `statusType` -> the status it gives its service.
TYPE_STATUSES = {"outage": "major_outage", "issue": "degraded_performance", "maintenance": "under_maintenance"}
#: An ongoing event's `statusType` -> the incident's impact (Maintenance is no incident).
TYPE_IMPACTS = {"outage": "critical", "issue": "minor"}
MAINTENANCE = "maintenance"
#: A Maintenance event's `eventStatus` -> the maintenance's status (others: over, not exported).
MAINTENANCE_STATUSES = {"upcoming": "scheduled", "ongoing": "in_progress"}


def endpoints(url: str) -> tuple[str, ...]:
    """The one document this engine reads under the page's base URL."""
    return (url + STATUS_PATH,)


def interpret(bodies: Sequence[Body]) -> Summary:
    """Decode the body (JSON, or JSON inside `jsonCallback(...);`), then parse_status()."""
    (body,) = bodies
    return parse_status(load_json(unwrap(decode_text(body.content, body.content_type))))


def unwrap(text: str) -> str:
    """The JSON inside `jsonCallback(...);` (a trailing `;` optional); any other text as it is."""
    stripped = text.strip()
    if stripped.startswith(_CALLBACK):
        inner = stripped[len(_CALLBACK) :].removesuffix(";").rstrip()
        if inner.endswith(")"):
            return inner[:-1]
    return text


def parse_status(document: Any) -> Summary:
    """Turn the decoded status document into a Summary, or raise InvalidPayload."""
    root = as_object(document, "document")
    required(root, "services", "document")
    components: list[Component] = []
    incidents: dict[str, Incident] = {}
    maintenances: dict[str, Maintenance] = {}
    for service, where in objects(root, "services", "services"):
        name = string(service, "serviceName", where)
        statuses = []
        for event, event_where in objects(service, "events", f"{where}.events"):
            kind = string(event, "statusType", event_where).lower()
            state = string(event, "eventStatus", event_where).lower()
            if state == ONGOING:
                statuses.append(TYPE_STATUSES.get(kind, kind))
            if kind == MAINTENANCE and state in MAINTENANCE_STATUSES:
                maintenance = _maintenance(event, event_where, MAINTENANCE_STATUSES[state])
                maintenances.setdefault(maintenance.id, maintenance)
            elif kind != MAINTENANCE and state == ONGOING:
                incident = _incident(event, event_where, kind)
                incidents.setdefault(incident.id, incident)
        components.append(Component(name, name, worst_component_status(statuses), "", None))
    return derived_summary(tuple(components), incidents.values(), maintenances=maintenances.values())


def _incident(event: Mapping[str, Any], where: str, kind: str) -> Incident:
    return Incident(
        id=string_or_integer(event, "messageId", where),
        name=string(event, "message", where),
        status=ONGOING,
        impact=TYPE_IMPACTS.get(kind, kind),
        started_at=epoch_millis(event, "epochStartDate", where),
    )


def _maintenance(event: Mapping[str, Any], where: str, status: str) -> Maintenance:
    return Maintenance(
        id=string_or_integer(event, "messageId", where),
        name=string(event, "message", where),
        status=status,
        scheduled_for=epoch_millis(event, "epochStartDate", where),
        scheduled_until=epoch_millis(event, "epochEndDate", where),
    )


ENGINE = Engine("apple", endpoints, interpret)
