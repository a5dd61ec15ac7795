"""The `statuspage` engine: Atlassian Statuspage's `{url}/api/v2/summary.json`.

Also reads incident.io's Statuspage-compatible `summary.json` (no groups, ULID ids, `incidents`
and `scheduled_maintenances` missing or null). `parse_summary(document)` takes the decoded JSON
and returns a `Summary`, or raises `InvalidPayload` naming the first field of the wrong shape.
Only `id`, `name` and `status` of each object (and the page's `status.indicator`) are required:
real pages omit, null and add fields over the years, and Statuspage-compatible imitators omit
whole sections (see SCHEMA.md of the fixtures).

Component groups are containers, not components: they are dropped, and each child carries the
name of its group (`""` when it has none).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, TypeVar

from exporter.engines.base import Engine, json_documents
from exporter.engines.fields import as_array, as_object, objects, optional, required, string, timestamp
from exporter.model import Component, Incident, Maintenance, Page, Summary

T = TypeVar("T")

SUMMARY_PATH = "/api/v2/summary.json"


def endpoints(url: str) -> tuple[str, ...]:
    """The one document this engine reads under the page's base URL."""
    return (url + SUMMARY_PATH,)


#: Incident states after which an incident is no longer "unresolved".
CLOSED_INCIDENT_STATUSES = frozenset({"resolved", "postmortem", "completed"})
#: Maintenance states that are over (the summary should not list them, but older payloads did).
CLOSED_MAINTENANCE_STATUSES = frozenset({"completed", "cancelled"})


def parse_summary(document: Any) -> Summary:
    """Turn a decoded summary.json document into a Summary, or raise InvalidPayload."""
    root = as_object(document, "document")
    page = as_object(root.get("page", {}), "page")
    status = as_object(required(root, "status", "document"), "status")
    components = parse_components(required(root, "components", "document"))
    return Summary(
        page=Page(
            id=optional(page, "id", str, "page") or "",
            name=optional(page, "name", str, "page") or "",
            url=optional(page, "url", str, "page") or "",
            updated_at=timestamp(page, "updated_at", "page"),
        ),
        indicator=string(status, "indicator", "status"),
        components=components,
        incidents=tuple(
            i for i in _objects(root, "incidents", parse_incident) if i.status not in CLOSED_INCIDENT_STATUSES
        ),
        maintenances=tuple(
            m
            for m in _objects(root, "scheduled_maintenances", parse_maintenance)
            if m.status not in CLOSED_MAINTENANCE_STATUSES
        ),
    )


def _objects(root: Mapping[str, Any], key: str, parse: Callable[[Mapping[str, Any], str], T]) -> list[T]:
    """Parse the optional array `root[key]` (absent or null means empty) item by item."""
    return [parse(obj, where) for obj, where in objects(root, key, key)]


def parse_components(value: Any, where: str = "components") -> tuple[Component, ...]:
    """A flat component array (as in summary.json or components.json), groups resolved to names."""
    objects = [as_object(item, f"{where}[{i}]") for i, item in enumerate(as_array(value, where))]
    is_group = [bool(optional(obj, "group", bool, f"{where}[{i}]")) for i, obj in enumerate(objects)]
    group_names = {
        string(obj, "id", f"{where}[{i}]"): string(obj, "name", f"{where}[{i}]")
        for i, obj in enumerate(objects)
        if is_group[i]
    }
    return tuple(_component(obj, f"{where}[{i}]", group_names) for i, obj in enumerate(objects) if not is_group[i])


def _component(obj: Mapping[str, Any], where: str, group_names: Mapping[str, str]) -> Component:
    group_id = optional(obj, "group_id", str, where)
    return Component(
        id=string(obj, "id", where),
        name=string(obj, "name", where),
        status=string(obj, "status", where),
        group=group_names.get(group_id, "") if group_id else "",
        updated_at=timestamp(obj, "updated_at", where),
    )


def parse_incident(obj: Mapping[str, Any], where: str = "incident") -> Incident:
    """One incident object (from summary.json or incidents.json), whatever its status."""
    return Incident(
        id=string(obj, "id", where),
        name=string(obj, "name", where),
        status=string(obj, "status", where),
        impact=optional(obj, "impact", str, where) or "none",
        started_at=timestamp(obj, "started_at", where) or timestamp(obj, "created_at", where),
    )


def parse_maintenance(obj: Mapping[str, Any], where: str = "maintenance") -> Maintenance:
    """One scheduled-maintenance object, whatever its status."""
    return Maintenance(
        id=string(obj, "id", where),
        name=string(obj, "name", where),
        status=string(obj, "status", where),
        scheduled_for=timestamp(obj, "scheduled_for", where),
        scheduled_until=timestamp(obj, "scheduled_until", where),
    )


ENGINE = Engine("statuspage", endpoints, json_documents(parse_summary))
