"""The `statusio` engine: a page's Status.io public status API (`{url}` is the API URL itself).

Status.io keys everything on numeric codes (the prose next to them is for people, and is ignored):
components are the entries of `result.status[]` (their `containers` are where a component runs,
not components), each with its own `status_code`; the overall indicator is
`result.status_overall.status_code`; every listed incident is unresolved, its impact and status
from its latest message (by `datetime`); maintenances are `result.maintenance.active` (in
progress) and `.upcoming` (scheduled). A code beyond the tables is kept as its digits.
"""

from __future__ import annotations

from typing import Any, Mapping

from exporter.engines.base import Engine, json_documents
from exporter.engines.fields import as_object, describe, objects, required, string, timestamp
from exporter.errors import InvalidPayload
from exporter.model import Component, Incident, Maintenance, Page, Summary

#: A component's `status_code` -> its status. 600 ("Security Event") has no Statuspage state.
COMPONENT_STATUSES = {
    100: "operational",
    200: "under_maintenance",
    300: "degraded_performance",
    400: "partial_outage",
    500: "major_outage",
    600: "security_issue",
}
#: `status_overall.status_code` -> the page's indicator.
INDICATORS = {100: "none", 200: "maintenance", 300: "minor", 400: "major", 500: "critical", 600: "critical"}
#: The latest message's `status` code -> the incident's impact (200, maintenance, is the page's only).
IMPACTS = {100: "none", 300: "minor", 400: "major", 500: "critical", 600: "critical"}
#: The latest message's `state` code -> the incident's status.
INCIDENT_STATUSES = {100: "investigating", 200: "identified", 300: "monitoring"}


def endpoints(url: str) -> tuple[str, ...]:
    """The page's status API: the configured URL itself."""
    return (url,)


def parse_status(document: Any) -> Summary:
    """Turn a decoded Status.io status document into a Summary, or raise InvalidPayload."""
    result = as_object(required(as_object(document, "document"), "result", "document"), "result")
    overall = as_object(required(result, "status_overall", "result"), "status_overall")
    maintenance = {} if result.get("maintenance") is None else as_object(result["maintenance"], "maintenance")
    return Summary(
        page=Page(id="", name="", url="", updated_at=timestamp(overall, "updated", "status_overall")),
        indicator=_lookup(INDICATORS, code(overall, "status_code", "status_overall")),
        components=tuple(_component(obj, where) for obj, where in objects(result, "status", "status")),
        incidents=tuple(_incident(obj, where) for obj, where in objects(result, "incidents", "incidents")),
        maintenances=tuple(
            _maintenance(obj, where, status)
            for key, status in (("active", "in_progress"), ("upcoming", "scheduled"))
            for obj, where in objects(maintenance, key, f"maintenance.{key}")
        ),
    )


def code(obj: Mapping[str, Any], key: str, where: str) -> int:
    """A Status.io code: an integer (never a boolean, never prose)."""
    value = required(obj, key, where)
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidPayload(f"{where}.{key}: expected an integer code, got {describe(value)}")
    return value


def _lookup(table: Mapping[int, str], value: int) -> str:
    return table.get(value, str(value))


def _component(obj: Mapping[str, Any], where: str) -> Component:
    return Component(
        id=string(obj, "id", where),
        name=string(obj, "name", where),
        status=_lookup(COMPONENT_STATUSES, code(obj, "status_code", where)),
        group="",
        updated_at=timestamp(obj, "updated", where),
    )


def _incident(obj: Mapping[str, Any], where: str) -> Incident:
    messages = objects(obj, "messages", f"{where}.messages")
    if not messages:
        raise InvalidPayload(f"{where}.messages: expected at least one message")
    # The latest message says where the incident stands; on equal times the later-listed one wins.
    dated = [(timestamp(m, "datetime", w), i, m, w) for i, (m, w) in enumerate(messages)]
    for moment, _, _, w in dated:
        if moment is None:
            raise InvalidPayload(f"{w}.datetime: missing or null")
    _, _, latest, latest_where = max(dated, key=lambda item: (item[0], item[1]))
    return Incident(
        id=string(obj, "_id", where),
        name=string(obj, "name", where),
        status=_lookup(INCIDENT_STATUSES, code(latest, "state", latest_where)),
        impact=_lookup(IMPACTS, code(latest, "status", latest_where)),
        started_at=timestamp(obj, "datetime_open", where),
    )


def _maintenance(obj: Mapping[str, Any], where: str, status: str) -> Maintenance:
    return Maintenance(
        id=string(obj, "_id", where),
        name=string(obj, "name", where),
        status=status,
        scheduled_for=timestamp(obj, "datetime_planned_start", where),
        scheduled_until=timestamp(obj, "datetime_planned_end", where),
    )


ENGINE = Engine("statusio", endpoints, json_documents(parse_status))
