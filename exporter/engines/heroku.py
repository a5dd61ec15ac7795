"""The `heroku` engine: Heroku's status API, `{url}/api/v4/current-status`.

Components are the `status` systems (Apps, Data, Tools), by their colour. Incidents are the
`incidents` not `resolved`, their impact from their production colour and their status the type
of their latest update (`issue`, `update`, `monitoring`, as Heroku spells it). Maintenances are
the `scheduled` items not `resolved`: `scheduled` while `upcoming`, else `in_progress`. Heroku
publishes no overall indicator, no page identity and no planned times: the indicator is derived,
the rest left empty.
"""

from __future__ import annotations

from typing import Any, Mapping

from exporter.engines.base import Engine, json_documents
from exporter.engines.fields import (
    as_array,
    as_object,
    optional,
    required,
    string,
    string_or_integer,
    timestamp,
)
from exporter.model import Component, Incident, Maintenance, Page, Summary
from exporter.vocabulary import derive_indicator

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
    return Summary(
        page=Page(id="", name="", url="", updated_at=None),
        indicator=derive_indicator([c.status for c in components], [i.impact for i in incidents]),
        components=components,
        incidents=incidents,
        maintenances=maintenances,
    )


def _component(obj: Mapping[str, Any], where: str) -> Component:
    system = string(obj, "system", where)
    colour = string(obj, "status", where).lower()
    return Component(id=system, name=system, status=COLOUR_STATUS.get(colour, colour), group="", updated_at=None)


def _open_items(root: Mapping[str, Any], key: str) -> list[tuple[Mapping[str, Any], str]]:
    """The objects of the optional array `root[key]` that are not `resolved`, with where they are."""
    value = root.get(key)
    items = [] if value is None else as_array(value, key)
    kept = []
    for i, item in enumerate(items):
        where = f"{key}[{i}]"
        obj = as_object(item, where)
        if not optional(obj, "resolved", bool, where):
            kept.append((obj, where))
    return kept


def _incident(obj: Mapping[str, Any], where: str) -> Incident:
    colour = string(obj, "status_prod", where).lower()
    return Incident(
        id=string_or_integer(obj, "id", where),
        name=string(obj, "title", where),
        status=_latest_update_type(obj, where),
        impact=COLOUR_IMPACT.get(colour, colour),
        started_at=timestamp(obj, "created_at", where),
    )


def _latest_update_type(obj: Mapping[str, Any], where: str) -> str:
    value = obj.get("updates")
    updates = [] if value is None else as_array(value, f"{where}.updates")
    latest_type, latest_at = NO_UPDATE_STATUS, None
    for i, item in enumerate(updates):
        update_where = f"{where}.updates[{i}]"
        update = as_object(item, update_where)
        kind = string(update, "update_type", update_where).lower()
        at = timestamp(update, "created_at", update_where)
        if latest_at is None or (at is not None and at > latest_at):
            latest_type, latest_at = kind, at
    return latest_type


def _maintenance(obj: Mapping[str, Any], where: str) -> Maintenance:
    return Maintenance(
        id=string_or_integer(obj, "id", where),
        name=string(obj, "title", where),
        status="scheduled" if optional(obj, "upcoming", bool, where) else "in_progress",
        scheduled_for=None,
        scheduled_until=None,
    )


ENGINE = Engine("heroku", endpoints, json_documents(parse_current_status))
