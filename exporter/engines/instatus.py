"""The `instatus` engine: an Instatus page's `{url}/v3/summary.json` and `{url}/v3/components.json`.

The summary gives the page (`name`, `url`, `status`) and the `activeIncidents` and
`activeMaintenances` lists, which are absent when empty; components.json gives the components,
whose `group` is null, a name, or an object with a `name`. Statuses are upper-case words
(`MAJOROUTAGE`); a word beyond the tables is kept lower-cased. The page's `HASISSUES` says only
that something is wrong: the indicator is then derived from the components and incidents.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from exporter.engines.base import Engine, json_documents
from exporter.engines.fields import (
    as_array,
    as_object,
    describe,
    objects,
    optional,
    required,
    string,
    timestamp,
)
from exporter.errors import InvalidPayload
from exporter.model import Component, Incident, Maintenance, Page, Summary
from exporter.vocabulary import derive_indicator

COMPONENT_STATUSES = {
    "OPERATIONAL": "operational",
    "DEGRADEDPERFORMANCE": "degraded_performance",
    "PARTIALOUTAGE": "partial_outage",
    "MAJOROUTAGE": "major_outage",
    "UNDERMAINTENANCE": "under_maintenance",
}
#: The page's `status` -> the indicator; `None`: derived from the components and incidents.
INDICATORS = {"UP": "none", "UNDERMAINTENANCE": "maintenance", "HASISSUES": None}
#: An incident's `impact` (a component status word) -> its impact.
IMPACTS = {
    "OPERATIONAL": "none",
    "DEGRADEDPERFORMANCE": "minor",
    "MINOROUTAGE": "minor",
    "PARTIALOUTAGE": "major",
    "MAJOROUTAGE": "critical",
}
#: Incident statuses after which an incident is over.
CLOSED_INCIDENT_STATUSES = frozenset({"RESOLVED"})
#: A maintenance's `status` -> ours; `None` marks one that is over.
MAINTENANCE_STATUSES = {"NOTSTARTEDYET": "scheduled", "INPROGRESS": "in_progress", "COMPLETED": None}

_DIGITS = re.compile("[0-9]{1,9}")

SUMMARY_PATH = "/v3/summary.json"
COMPONENTS_PATH = "/v3/components.json"


def endpoints(url: str) -> tuple[str, ...]:
    """The summary, then the components."""
    return (url + SUMMARY_PATH, url + COMPONENTS_PATH)


def parse_documents(summary: Any, components: Any) -> Summary:
    """Turn the decoded summary and components documents into a Summary, or raise InvalidPayload."""
    root = as_object(summary, "summary")
    page = as_object(required(root, "page", "summary"), "page")
    component_list = as_array(
        required(as_object(components, "components.json"), "components", "components.json"), "components"
    )
    parsed_components = tuple(
        _component(as_object(obj, f"components[{i}]"), f"components[{i}]") for i, obj in enumerate(component_list)
    )
    incidents = tuple(
        _incident(obj, where)
        for obj, where in objects(root, "activeIncidents", "activeIncidents")
        if string(obj, "status", where) not in CLOSED_INCIDENT_STATUSES
    )
    maintenances = tuple(
        m for obj, where in objects(root, "activeMaintenances", "activeMaintenances") for m in _maintenance(obj, where)
    )
    page_status = string(page, "status", "page")
    indicator = INDICATORS.get(page_status, page_status.lower())
    return Summary(
        page=Page(
            id="",
            name=optional(page, "name", str, "page") or "",
            url=optional(page, "url", str, "page") or "",
            updated_at=None,
        ),
        indicator=indicator or derive_indicator((c.status for c in parsed_components), (i.impact for i in incidents)),
        components=parsed_components,
        incidents=incidents,
        maintenances=maintenances,
    )


def _word(table: Mapping[str, Any], value: str) -> Any:
    return table.get(value, value.lower())


def _group(obj: Mapping[str, Any], where: str) -> str:
    group = obj.get("group")
    if group is None or isinstance(group, str):
        return group or ""
    return optional(as_object(group, f"{where}.group"), "name", str, f"{where}.group") or ""


def _component(obj: Mapping[str, Any], where: str) -> Component:
    return Component(
        id=string(obj, "id", where),
        name=string(obj, "name", where),
        status=_word(COMPONENT_STATUSES, string(obj, "status", where)),
        group=_group(obj, where),
        updated_at=None,
    )


def _incident(obj: Mapping[str, Any], where: str) -> Incident:
    impact = optional(obj, "impact", str, where)
    return Incident(
        id=optional(obj, "id", str, where) or string(obj, "url", where),
        name=string(obj, "name", where),
        status=string(obj, "status", where).lower(),
        impact="none" if impact is None else _word(IMPACTS, impact),
        started_at=timestamp(obj, "started", where),
    )


def _maintenance(obj: Mapping[str, Any], where: str) -> list[Maintenance]:
    """The maintenance as a one-item list, or none once it is over."""
    status = _word(MAINTENANCE_STATUSES, string(obj, "status", where))
    if status is None:
        return []
    start = timestamp(obj, "start", where)
    minutes = _minutes(obj.get("duration"), f"{where}.duration")
    return [
        Maintenance(
            id=optional(obj, "id", str, where) or string(obj, "url", where),
            name=string(obj, "name", where),
            status=status,
            scheduled_for=start,
            scheduled_until=None if start is None or minutes is None else start + minutes * 60,
        )
    ]


def _minutes(value: Any, where: str) -> float | None:
    """A duration in minutes: a number, or a string of digits (as Instatus writes it); None if absent."""
    if value is None:
        return None
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        return float(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 1e9:  # not inf, nan
        return float(value)
    raise InvalidPayload(f"{where}: expected a number of minutes, got {describe(value)}")


ENGINE = Engine("instatus", endpoints, json_documents(parse_documents))
