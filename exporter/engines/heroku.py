"""The `heroku` engine: Heroku's status API, `{url}/api/v4/current-status`.

Components are the `status` systems (Apps, Data, Tools), by their colour. Incidents are the
`incidents` not `resolved`: their impact from their production colour (`status_prod`; where the
incident gives none, that of its latest update that gives one; where none does, green: no
impact), their status the type of their latest update (`issue`, `update`, `monitoring`, as
Heroku spells it). Maintenances are the `scheduled` items not `resolved`: `scheduled` while
`upcoming`, else `in_progress`. Heroku publishes no overall indicator, no page identity and no
planned times: the indicator is derived, the rest left empty.
"""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple

from exporter.engines.affected import derived_summary
from exporter.engines.base import Engine, json_documents
from exporter.engines.fields import (
    as_array,
    as_object,
    objects,
    optional,
    required,
    string,
    string_or_integer,
    timestamp,
)
from exporter.model import Component, Incident, Maintenance, Summary

CURRENT_STATUS_PATH = "/api/v4/current-status"

#: A system's colour -> its component status.
COLOUR_STATUS = {
    "green": "operational",
    "yellow": "degraded_performance",
    "red": "major_outage",
    "blue": "under_maintenance",
}
#: An incident's production colour -> its impact (blue, maintenance, is no impact).
COLOUR_IMPACT = {"green": "none", "yellow": "minor", "red": "critical", "blue": "none"}
#: The status of an incident that has no updates yet.
NO_UPDATE_STATUS = "issue"
#: The production colour of an incident that gives none, on itself or on its latest update.
NO_COLOUR = "green"


def endpoints(url: str) -> tuple[str, ...]:
    """The one document this engine reads under the page's base URL."""
    return (url + CURRENT_STATUS_PATH,)


def parse_current_status(document: Any) -> Summary:
    """Turn a decoded current-status document into a Summary, or raise InvalidPayload."""
    root = as_object(document, "document")
    components = tuple(
        _component(as_object(item, f"status[{i}]"), f"status[{i}]")
        for i, item in enumerate(as_array(required(root, "status", "document"), "status"))
    )
    incidents = tuple(_incident(obj, where) for obj, where in _open_items(root, "incidents"))
    maintenances = tuple(_maintenance(obj, where) for obj, where in _open_items(root, "scheduled"))
    return derived_summary(components, incidents, maintenances=maintenances)


def _component(obj: Mapping[str, Any], where: str) -> Component:
    system = string(obj, "system", where)
    colour = string(obj, "status", where).lower()
    return Component(id=system, name=system, status=COLOUR_STATUS.get(colour, colour), group="", updated_at=None)


def _open_items(root: Mapping[str, Any], key: str) -> list[tuple[Mapping[str, Any], str]]:
    """The objects of the optional array `root[key]` that are not `resolved`, with where they are."""
    return [(obj, where) for obj, where in objects(root, key, key) if not optional(obj, "resolved", bool, where)]


def _incident(obj: Mapping[str, Any], where: str) -> Incident:
    updates = _updates(obj, where)
    latest = _latest(updates)
    colour = optional(obj, "status_prod", str, where)
    if colour is None:
        coloured = _latest([u for u in updates if u.fields.get("status_prod") is not None])
        colour = NO_COLOUR if coloured is None else string(coloured.fields, "status_prod", coloured.where)
    colour = colour.lower()
    return Incident(
        id=string_or_integer(obj, "id", where),
        name=string(obj, "title", where),
        status=NO_UPDATE_STATUS if latest is None else latest.kind,
        impact=COLOUR_IMPACT.get(colour, colour),
        started_at=timestamp(obj, "created_at", where),
    )


class _Update(NamedTuple):
    fields: Mapping[str, Any]
    where: str
    kind: str
    at: float | None


def _updates(obj: Mapping[str, Any], where: str) -> list[_Update]:
    return [
        _Update(u, u_where, string(u, "update_type", u_where).lower(), timestamp(u, "created_at", u_where))
        for u, u_where in objects(obj, "updates", f"{where}.updates")
    ]


def _latest(updates: list[_Update]) -> _Update | None:
    """The update with the latest `created_at` (while none is dated, the last undated one); None if none."""
    latest = None
    for update in updates:
        if latest is None or latest.at is None or (update.at is not None and update.at > latest.at):
            latest = update
    return latest


def _maintenance(obj: Mapping[str, Any], where: str) -> Maintenance:
    return Maintenance(
        id=string_or_integer(obj, "id", where),
        name=string(obj, "title", where),
        status="scheduled" if optional(obj, "upcoming", bool, where) else "in_progress",
        scheduled_for=None,
        scheduled_until=None,
    )


ENGINE = Engine("heroku", endpoints, json_documents(parse_current_status))
