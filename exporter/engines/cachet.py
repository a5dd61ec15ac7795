"""The `cachet` engine: a Cachet 2.x page's API, `{url}/api/v1/...`.

Four documents, each `{"meta": {"pagination": ...}, "data": [...]}`: the components and the
component groups, read in full (every page `meta.pagination.links.next_page` links to, at most
`MAX_PAGES`); the incidents, newest first (`?sort=id&order=desc&per_page=100`: the first page
only, so that a long history costs one request); and the schedules (first page, newest first).

Components are the enabled ones, status 1 operational, 2 degraded_performance, 3 partial_outage,
4 major_outage (0 and others: kept as the number, a series of their own), grouped by the name of
their `group_id` in the groups document (0 or unknown: no group). An incident is unresolved unless
`is_resolved` is true or its status is 4 (Fixed); its status is `latest_status` where present,
else `status`: 1 investigating, 2 identified, 3 watching. Cachet incidents carry no impact
(`none`). A schedule is a maintenance while its status is 0 (scheduled) or 1 (in_progress) and it
has no `completed_at` (as Cachet's own "uncompleted" scope says); 2 is done. Cachet writes times
without an offset, in its server's time zone: they are read as UTC, Cachet's default. The
indicator is derived.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence
from urllib.parse import urlsplit

from exporter.engines.affected import derived_summary
from exporter.engines.base import Body, Engine
from exporter.engines.fields import (
    as_array,
    as_object,
    decode_json,
    optional,
    required,
    string,
    string_or_integer,
    utc_timestamp,
)
from exporter.model import Component, Incident, Maintenance, Summary

COMPONENTS_PATH = "/api/v1/components"
GROUPS_PATH = "/api/v1/components/groups"
INCIDENTS_PATH = "/api/v1/incidents"
SCHEDULES_PATH = "/api/v1/schedules"
#: Newest first, so that the first page holds every incident still open.
NEWEST_FIRST = "?sort=id&order=desc&per_page=100"
#: Documents read in full, page after page (the others: their first page, newest first).
PAGINATED_PATHS = (COMPONENTS_PATH, GROUPS_PATH)

#: A component's `status` -> its status.
COMPONENT_STATUSES = {"1": "operational", "2": "degraded_performance", "3": "partial_outage", "4": "major_outage"}
#: An incident's status -> ours; 4 (Fixed) is resolved.
INCIDENT_STATUSES = {"1": "investigating", "2": "identified", "3": "watching"}
FIXED = "4"
#: A schedule's `status` -> the maintenance's; None: done, not exported.
SCHEDULE_STATUSES = {"0": "scheduled", "1": "in_progress", "2": None}
#: A component's `group_id` when it has none.
NO_GROUP = "0"


def endpoints(url: str) -> tuple[str, ...]:
    """Components, groups, incidents (newest first), schedules (newest first)."""
    return (
        url + COMPONENTS_PATH,
        url + GROUPS_PATH,
        url + INCIDENTS_PATH + NEWEST_FIRST,
        url + SCHEDULES_PATH + NEWEST_FIRST,
    )


def next_page(url: str, body: Body) -> str | None:
    """The `meta.pagination.links.next_page` of a components or groups page (None: the last)."""
    if not urlsplit(url).path.endswith(PAGINATED_PATHS):
        return None
    root = as_object(decode_json(body.content, body.content_type), "document")
    meta = as_object(root.get("meta") or {}, "meta")
    pagination = as_object(meta.get("pagination") or {}, "meta.pagination")
    links = as_object(pagination.get("links") or {}, "meta.pagination.links")
    return optional(links, "next_page", str, "meta.pagination.links") or None


def interpret(bodies: Sequence[Body]) -> Summary:
    """Each body and its following pages decoded as JSON, then `parse_pages`."""
    return parse_pages(
        *([decode_json(page.content, page.content_type) for page in (body, *body.next_pages)] for body in bodies)
    )


def parse_documents(components: Any, groups: Any, incidents: Any, schedules: Any) -> Summary:
    """The Summary of four one-page documents, decoded."""
    return parse_pages([components], [groups], [incidents], [schedules])


def parse_pages(
    components: Sequence[Any], groups: Sequence[Any], incidents: Sequence[Any], schedules: Sequence[Any]
) -> Summary:
    """The Summary of the decoded pages of the four documents, or InvalidPayload."""
    group_names = {
        string_or_integer(obj, "id", where): string(obj, "name", where) for obj, where in _data(groups, "groups")
    }
    parsed_components = tuple(
        _component(obj, where, group_names)
        for obj, where in _data(components, "components")
        if optional(obj, "enabled", bool, where) is not False
    )
    parsed_incidents = tuple(i for obj, where in _data(incidents, "incidents") for i in _incident(obj, where))
    maintenances = tuple(m for obj, where in _data(schedules, "schedules") for m in _schedule(obj, where))
    return derived_summary(parsed_components, parsed_incidents, maintenances=maintenances)


def _data(pages: Sequence[Any], name: str) -> list[tuple[Mapping[str, Any], str]]:
    """The objects of every page's `data`, numbered across pages (`components[120]`)."""
    found: list[tuple[Mapping[str, Any], str]] = []
    for page in pages:
        root = as_object(page, name)
        items = as_array(required(root, "data", name), f"{name}.data")
        for item in items:
            where = f"{name}[{len(found)}]"
            found.append((as_object(item, where), where))
    return found


def _code(obj: Mapping[str, Any], key: str, where: str) -> str:
    return string_or_integer(obj, key, where).lower()


def _component(obj: Mapping[str, Any], where: str, group_names: Mapping[str, str]) -> Component:
    status = _code(obj, "status", where)
    group_id = NO_GROUP if obj.get("group_id") is None else _code(obj, "group_id", where)
    return Component(
        id=string_or_integer(obj, "id", where),
        name=string(obj, "name", where),
        status=COMPONENT_STATUSES.get(status, status),
        group=group_names.get(group_id, ""),
        updated_at=utc_timestamp(obj, "updated_at", where),
    )


def _incident(obj: Mapping[str, Any], where: str) -> list[Incident]:
    """The incident as a one-item list, or none once it is resolved."""
    status = _code(obj, "latest_status" if obj.get("latest_status") is not None else "status", where)
    if optional(obj, "is_resolved", bool, where) or status == FIXED:
        return []
    return [
        Incident(
            id=string_or_integer(obj, "id", where),
            name=string(obj, "name", where),
            status=INCIDENT_STATUSES.get(status, status),
            impact="none",
            started_at=utc_timestamp(obj, "occurred_at", where) or utc_timestamp(obj, "created_at", where),
        )
    ]


def _schedule(obj: Mapping[str, Any], where: str) -> list[Maintenance]:
    """The schedule as a one-item list, or none once it is done."""
    code = _code(obj, "status", where)
    status = SCHEDULE_STATUSES.get(code, code)
    if status is None or utc_timestamp(obj, "completed_at", where) is not None:
        return []
    return [
        Maintenance(
            id=string_or_integer(obj, "id", where),
            name=string(obj, "name", where),
            status=status,
            scheduled_for=utc_timestamp(obj, "scheduled_at", where),
            scheduled_until=None,
        )
    ]


ENGINE = Engine("cachet", endpoints, interpret, next_page=next_page)
