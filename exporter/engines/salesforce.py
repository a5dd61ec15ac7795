"""The `salesforce` engine: Salesforce Trust's `{url}/v1/instances/status/preview`.

The document is an array of instances. Every active instance (`isActive`) is a component named
by its `key`, grouped by its `location` (NA, EMEA, APAC), its status from its `status`: `OK` and
`INFORMATIONAL_*` operational, `MINOR_INCIDENT_*` degraded_performance, `MAJOR_INCIDENT_*`
major_outage, `MAINTENANCE_*` under_maintenance (any other: lower-cased, a series of its own).
The instances' `Incidents` are the open incidents (by id, once however many instances list them),
named `Incident <id>` (Trust gives them no title), status `active`, their impact the worst
`IncidentImpacts[].severity` whose `endTime` is empty (`none` when every impact has ended). The
instances' `Maintenances` are the maintenances (by id), `in_progress` while an instance listing
one is under maintenance, else `scheduled`, with their planned times. The indicator is derived.
"""

from __future__ import annotations

from typing import Any, Mapping

from exporter.engines.affected import derived_summary
from exporter.engines.base import Engine, json_documents
from exporter.engines.fields import (
    as_array,
    as_object,
    objects,
    optional,
    string,
    string_or_integer,
    timestamp,
)
from exporter.model import Component, Incident, Maintenance, Summary

PREVIEW_PATH = "/v1/instances/status/preview"

#: An instance's `status`, exactly, -> its status; else by its prefix (`MAJOR_INCIDENT_CORE`).
STATUSES = {"OK": "operational"}
STATUS_PREFIXES = {
    "INFORMATIONAL_": "operational",
    "MINOR_INCIDENT_": "degraded_performance",
    "MAJOR_INCIDENT_": "major_outage",
    "MAINTENANCE_": "under_maintenance",
}
#: An incident impact's `severity` -> the incident's impact.
SEVERITY_IMPACTS = {"minor": "minor", "major": "major", "critical": "critical"}
#: How bad an impact is, to pick the worst of several.
_IMPACT_RANK = {"none": 0, "minor": 1, "major": 2, "critical": 3}
#: Trust incidents have no lifecycle status in this document; an open one is exported as this.
OPEN_STATUS = "active"


def endpoints(url: str) -> tuple[str, ...]:
    """The one document this engine reads under the page's base URL."""
    return (url + PREVIEW_PATH,)


def instance_status(status: str) -> str:
    """`MAJOR_INCIDENT_CORE` -> `major_outage`, as the tables say."""
    if status in STATUSES:
        return STATUSES[status]
    for prefix, mapped in STATUS_PREFIXES.items():
        if status.startswith(prefix):
            return mapped
    return status.lower()


def parse_instances(document: Any) -> Summary:
    """Turn a decoded instances preview into a Summary, or raise InvalidPayload."""
    components: list[Component] = []
    incidents: dict[str, Incident] = {}
    maintenances: dict[str, tuple[Mapping[str, Any], str]] = {}  # id -> (the first listing, where)
    running: set[str] = set()  # ids of maintenances an instance under maintenance lists
    for i, item in enumerate(as_array(document, "document")):
        where = f"instances[{i}]"
        instance = as_object(item, where)
        if not optional(instance, "isActive", bool, where):
            continue
        status = instance_status(string(instance, "status", where))
        components.append(
            Component(
                id=string(instance, "key", where),
                name=string(instance, "key", where),
                status=status,
                group=optional(instance, "location", str, where) or "",
                updated_at=None,
            )
        )
        for obj, obj_where in objects(instance, "Incidents", f"{where}.Incidents"):
            incident = _incident(obj, obj_where)
            incidents.setdefault(incident.id, incident)
        for obj, obj_where in objects(instance, "Maintenances", f"{where}.Maintenances"):
            key = string_or_integer(obj, "id", obj_where)
            maintenances.setdefault(key, (obj, obj_where))
            if status == "under_maintenance":
                running.add(key)
    return derived_summary(
        tuple(components),
        incidents.values(),
        maintenances=(_maintenance(key, obj, where, key in running) for key, (obj, where) in maintenances.items()),
    )


def _incident(obj: Mapping[str, Any], where: str) -> Incident:
    incident_id = string_or_integer(obj, "id", where)
    impact = "none"
    for impact_obj, impact_where in objects(obj, "IncidentImpacts", f"{where}.IncidentImpacts"):
        if optional(impact_obj, "endTime", str, impact_where):
            continue
        severity = string(impact_obj, "severity", impact_where).lower()
        mapped = SEVERITY_IMPACTS.get(severity, severity)
        if _IMPACT_RANK.get(mapped, 0.5) > _IMPACT_RANK.get(impact, 0.5):
            impact = mapped
    return Incident(
        id=incident_id,
        name=f"Incident {incident_id}",
        status=OPEN_STATUS,
        impact=impact,
        started_at=timestamp(obj, "createdAt", where),
    )


def _maintenance(key: str, obj: Mapping[str, Any], where: str, running: bool) -> Maintenance:
    return Maintenance(
        id=key,
        name=optional(obj, "name", str, where) or f"Maintenance {key}",
        status="in_progress" if running else "scheduled",
        scheduled_for=timestamp(obj, "plannedStartTime", where),
        scheduled_until=timestamp(obj, "plannedEndTime", where),
    )


ENGINE = Engine("salesforce", endpoints, json_documents(parse_instances))
