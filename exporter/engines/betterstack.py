"""The `betterstack` engine: a Better Stack status page's `{url}/index.json` (JSON:API).

`data` is the page (`attributes.aggregate_state` its overall state); `included[]` holds, by
`type`, the `status_page_resource`s (the components, grouped by the name of their
`status_page_section`), the sections, and the `status_report`s. A report whose `aggregate_state`
is not `resolved` is ongoing: a maintenance when its `report_type` is `maintenance`, else an
incident. Other included types (`status_update`, ...) are not read. States beyond the tables are
kept lower-cased.
"""

from __future__ import annotations

from typing import Any, Mapping

from exporter.engines.base import Engine, json_documents
from exporter.engines.fields import as_array, as_object, describe, optional, required, string, timestamp
from exporter.errors import InvalidPayload
from exporter.model import Component, Incident, Maintenance, Page, Summary

#: A resource's `status` -> its component status.
COMPONENT_STATUSES = {
    "operational": "operational",
    "degraded": "degraded_performance",
    "downtime": "major_outage",
    "maintenance": "under_maintenance",
}
#: The page's `aggregate_state` -> the indicator.
INDICATORS = {"operational": "none", "degraded": "minor", "downtime": "critical", "maintenance": "maintenance"}
#: An incident report's `aggregate_state` -> its impact.
IMPACTS = {"operational": "none", "degraded": "minor", "downtime": "critical"}
#: A maintenance report's `aggregate_state` -> its status (an ongoing one not yet under way is upcoming).
MAINTENANCE_STATUSES = {"maintenance": "in_progress", "operational": "scheduled"}
RESOLVED = "resolved"

INDEX_PATH = "/index.json"


def endpoints(url: str) -> tuple[str, ...]:
    """The one document this engine reads under the page's base URL."""
    return (url + INDEX_PATH,)


def parse_index(document: Any) -> Summary:
    """Turn a decoded index.json document into a Summary, or raise InvalidPayload."""
    root = as_object(document, "document")
    data = as_object(required(root, "data", "document"), "data")
    attributes = as_object(required(data, "attributes", "data"), "data.attributes")
    by_type: dict[str, list[tuple[Mapping[str, Any], Mapping[str, Any], str]]] = {}
    included = root.get("included")
    for i, item in enumerate([] if included is None else as_array(included, "included")):
        where = f"included[{i}]"
        obj = as_object(item, where)
        kind = string(obj, "type", where)
        if kind in _READ:
            by_type.setdefault(kind, []).append(
                (obj, as_object(required(obj, "attributes", where), f"{where}.attributes"), where)
            )
    sections = {
        _id(obj, where): optional(attrs, "name", str, f"{where}.attributes") or ""
        for obj, attrs, where in by_type.get("status_page_section", [])
    }
    incidents: list[Incident] = []
    maintenances: list[Maintenance] = []
    for obj, attrs, where in by_type.get("status_report", []):
        state = string(attrs, "aggregate_state", f"{where}.attributes")
        if state == RESOLVED:
            continue
        if optional(attrs, "report_type", str, f"{where}.attributes") == "maintenance":
            maintenances.append(_maintenance(obj, attrs, where, state))
        else:
            incidents.append(_incident(obj, attrs, where, state))
    state = string(attributes, "aggregate_state", "data.attributes")
    return Summary(
        page=Page(
            id=_id(data, "data"),
            name=optional(attributes, "company_name", str, "data.attributes") or "",
            url="",
            updated_at=timestamp(attributes, "updated_at", "data.attributes"),
        ),
        indicator=INDICATORS.get(state, state.lower()),
        components=tuple(
            _component(obj, attrs, where, sections) for obj, attrs, where in by_type.get("status_page_resource", [])
        ),
        incidents=tuple(incidents),
        maintenances=tuple(maintenances),
    )


_READ = frozenset({"status_page_resource", "status_page_section", "status_report"})


def _id(obj: Mapping[str, Any], where: str) -> str:
    """A JSON:API id: a string (numbers are accepted, as some references write them)."""
    value = required(obj, "id", where)
    if isinstance(value, str):
        return string(obj, "id", where)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise InvalidPayload(f"{where}.id: expected a string, got {describe(value)}")


def _component(obj: Mapping[str, Any], attrs: Mapping[str, Any], where: str, sections: Mapping[str, str]) -> Component:
    at = f"{where}.attributes"
    section = attrs.get("status_page_section_id")
    if section is not None and (isinstance(section, bool) or not isinstance(section, (int, str))):
        raise InvalidPayload(f"{at}.status_page_section_id: expected an id, got {describe(section)}")
    status = string(attrs, "status", at)
    return Component(
        id=_id(obj, where),
        name=string(attrs, "public_name", at),
        status=COMPONENT_STATUSES.get(status, status.lower()),
        group=sections.get(str(section), "") if section is not None else "",
        updated_at=None,
    )


def _incident(obj: Mapping[str, Any], attrs: Mapping[str, Any], where: str, state: str) -> Incident:
    at = f"{where}.attributes"
    return Incident(
        id=_id(obj, where),
        name=string(attrs, "title", at),
        status=state.lower(),
        impact=IMPACTS.get(state, state.lower()),
        started_at=timestamp(attrs, "starts_at", at),
    )


def _maintenance(obj: Mapping[str, Any], attrs: Mapping[str, Any], where: str, state: str) -> Maintenance:
    at = f"{where}.attributes"
    return Maintenance(
        id=_id(obj, where),
        name=string(attrs, "title", at),
        status=MAINTENANCE_STATUSES.get(state, state.lower()),
        scheduled_for=timestamp(attrs, "starts_at", at),
        scheduled_until=timestamp(attrs, "ends_at", at),
    )


ENGINE = Engine("betterstack", endpoints, json_documents(parse_index))
