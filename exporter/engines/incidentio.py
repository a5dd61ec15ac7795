"""The `incidentio` engine: incident.io's own page data, `{url}/proxy/{hostname of url}`.

The document is `{"summary": {...}}`. Components come from the page's `structure.items[]`, each
item a `group` (whose name becomes each child's group) or a lone `component`; hidden ones are
not on the page and are skipped, and a component listed twice is one component. A component is
operational unless the summary's `affected_components` names it with a status (`full_outage` is
`major_outage`). There is no overall indicator: it is derived from the components and incidents.
An ongoing incident's impact is the worst status among its own `affected_components`
(degraded -> minor, partial -> major, full -> critical). Maintenances are `scheduled_maintenances`
plus ongoing items of `type` "maintenance", upcoming or in progress.
"""

from __future__ import annotations

from typing import Any, Mapping
from urllib.parse import urlsplit

from exporter.engines.base import Engine, json_documents
from exporter.engines.fields import as_object, objects, optional, required, string, timestamp
from exporter.model import Component, Incident, Maintenance, Page, Summary
from exporter.vocabulary import COMPONENT_STATUS_INDICATOR, derive_indicator

#: incident.io's component statuses -> ours.
COMPONENT_STATUSES = {
    "operational": "operational",
    "degraded_performance": "degraded_performance",
    "partial_outage": "partial_outage",
    "full_outage": "major_outage",
    "under_maintenance": "under_maintenance",
}
#: Incident statuses after which an incident is no longer ongoing.
CLOSED_INCIDENT_STATUSES = frozenset({"resolved", "closed"})
#: incident.io's maintenance statuses -> ours; `None` marks one that is over.
MAINTENANCE_STATUSES = {
    "maintenance_scheduled": "scheduled",
    "maintenance_in_progress": "in_progress",
    "maintenance_complete": None,
    "resolved": None,
}


def endpoints(url: str) -> tuple[str, ...]:
    """The page data the page's own front end loads: `/proxy/` and the page's host name."""
    return (f"{url}/proxy/{urlsplit(url).hostname}",)


def parse_proxy(document: Any) -> Summary:
    """Turn a decoded `/proxy/<host>` document into a Summary, or raise InvalidPayload."""
    root = as_object(required(as_object(document, "document"), "summary", "document"), "summary")
    affected = {
        string(obj, "component_id", where): _status(string(obj, "status", where))
        for obj, where in objects(root, "affected_components", "affected_components")
    }
    components = _components(as_object(required(root, "structure", "summary"), "structure"), affected)
    incidents: list[Incident] = []
    maintenances: list[Maintenance] = []
    for obj, where in objects(root, "ongoing_incidents", "ongoing_incidents"):
        if optional(obj, "type", str, where) == "maintenance":
            maintenances += _maintenance(obj, where, default="in_progress")
        elif string(obj, "status", where).lower() not in CLOSED_INCIDENT_STATUSES:
            incidents.append(_incident(obj, where))
    for obj, where in objects(root, "scheduled_maintenances", "scheduled_maintenances"):
        maintenances += _maintenance(obj, where, default="scheduled")
    return Summary(
        page=Page(
            id=optional(root, "id", str, "summary") or "",
            name=optional(root, "name", str, "summary") or "",
            url=optional(root, "public_url", str, "summary") or "",
            updated_at=None,
        ),
        indicator=derive_indicator((c.status for c in components), (i.impact for i in incidents)),
        components=components,
        incidents=tuple(incidents),
        maintenances=tuple(maintenances),
    )


def _status(value: str) -> str:
    return COMPONENT_STATUSES.get(value, value.lower())


def _components(structure: Mapping[str, Any], affected: Mapping[str, str]) -> tuple[Component, ...]:
    found: dict[str, Component] = {}
    for item, where in objects(structure, "items", "structure.items"):
        if "group" in item:
            group = as_object(item["group"], f"{where}.group")
            if optional(group, "hidden", bool, f"{where}.group"):
                continue
            group_name = string(group, "name", f"{where}.group")
            members = objects(group, "components", f"{where}.group.components")
        else:
            group_name, members = (
                "",
                [(as_object(required(item, "component", where), f"{where}.component"), f"{where}.component")],
            )
        for member, member_where in members:
            component_id = string(member, "component_id", member_where)
            if optional(member, "hidden", bool, member_where) or component_id in found:
                continue
            found[component_id] = Component(
                id=component_id,
                name=string(member, "name", member_where),
                status=affected.get(component_id, "operational"),
                group=group_name,
                updated_at=None,
            )
    return tuple(found.values())


def _incident(obj: Mapping[str, Any], where: str) -> Incident:
    statuses = [
        _status(string(a, "status", w)) for a, w in objects(obj, "affected_components", f"{where}.affected_components")
    ]
    return Incident(
        id=string(obj, "id", where),
        name=string(obj, "name", where),
        status=string(obj, "status", where).lower(),
        impact=derive_indicator(s for s in statuses if COMPONENT_STATUS_INDICATOR.get(s) != "maintenance"),
        started_at=timestamp(obj, "published_at", where),
    )


def _maintenance(obj: Mapping[str, Any], where: str, default: str) -> list[Maintenance]:
    """The maintenance as a one-item list, or none once it is over."""
    spelled = optional(obj, "status", str, where)
    status = default if spelled is None else MAINTENANCE_STATUSES.get(spelled, spelled.lower())
    if status is None:
        return []
    return [
        Maintenance(
            id=string(obj, "id", where),
            name=string(obj, "name", where),
            status=status,
            scheduled_for=timestamp(obj, "starts_at", where),
            scheduled_until=timestamp(obj, "ends_at", where),
        )
    ]


ENGINE = Engine("incidentio", endpoints, json_documents(parse_proxy))
