"""The Statuspage `summary.json` document as frozen dataclasses. Knows nothing of HTTP or Prometheus.

`parse_summary(document)` takes the decoded JSON and returns a `Summary`, or raises
`InvalidPayload` naming the first field of the wrong shape. Only `id`, `name` and `status` of each
object (and the page's `status.indicator`) are required: real pages omit, null and add fields over
the years, and Statuspage-compatible imitators omit whole sections (see SCHEMA.md of the fixtures).

Component groups are containers, not components: they are dropped, and each child carries the
name of its group (`""` when it has none).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Mapping, TypeVar

T = TypeVar("T")


class InvalidPayload(ValueError):
    """The JSON is valid but is not a summary document; the message names the bad field."""


@dataclass(frozen=True)
class Page:
    id: str
    name: str
    url: str
    updated_at: float | None


@dataclass(frozen=True)
class Component:
    id: str
    name: str
    status: str
    group: str
    updated_at: float | None


@dataclass(frozen=True)
class Incident:
    id: str
    name: str
    status: str
    impact: str
    started_at: float | None


@dataclass(frozen=True)
class Maintenance:
    id: str
    name: str
    status: str
    impact: str
    scheduled_for: float | None
    scheduled_until: float | None


@dataclass(frozen=True)
class Summary:
    """Everything one summary.json says, in the order the page lists it."""

    page: Page
    indicator: str
    components: tuple[Component, ...]
    incidents: tuple[Incident, ...]
    maintenances: tuple[Maintenance, ...]


#: Incident states after which an incident is no longer "unresolved".
CLOSED_INCIDENT_STATUSES = frozenset({"resolved", "postmortem", "completed"})
#: Maintenance states that are over (the summary should not list them, but older payloads did).
CLOSED_MAINTENANCE_STATUSES = frozenset({"completed", "cancelled"})


def parse_summary(document: Any) -> Summary:
    """Turn a decoded summary.json document into a Summary, or raise InvalidPayload."""
    root = _object(document, "document")
    page = _object(root.get("page", {}), "page")
    status = _object(_required(root, "status", "document"), "status")
    components = parse_components(_required(root, "components", "document"))
    return Summary(
        page=Page(
            id=_optional(page, "id", str, "page") or "",
            name=_optional(page, "name", str, "page") or "",
            url=_optional(page, "url", str, "page") or "",
            updated_at=_timestamp(page, "updated_at", "page"),
        ),
        indicator=_string(status, "indicator", "status"),
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
    value = root.get(key)
    items = [] if value is None else _list(value, key)
    return [parse(_object(item, f"{key}[{i}]"), f"{key}[{i}]") for i, item in enumerate(items)]


def parse_components(value: Any, where: str = "components") -> tuple[Component, ...]:
    """A flat component array (as in summary.json or components.json), groups resolved to names."""
    objects = [_object(item, f"{where}[{i}]") for i, item in enumerate(_list(value, where))]
    is_group = [bool(_optional(obj, "group", bool, f"{where}[{i}]")) for i, obj in enumerate(objects)]
    group_names = {
        _string(obj, "id", f"{where}[{i}]"): _string(obj, "name", f"{where}[{i}]")
        for i, obj in enumerate(objects)
        if is_group[i]
    }
    return tuple(_component(obj, f"{where}[{i}]", group_names) for i, obj in enumerate(objects) if not is_group[i])


def _component(obj: Mapping[str, Any], where: str, group_names: Mapping[str, str]) -> Component:
    group_id = _optional(obj, "group_id", str, where)
    return Component(
        id=_string(obj, "id", where),
        name=_string(obj, "name", where),
        status=_string(obj, "status", where),
        group=group_names.get(group_id, "") if group_id else "",
        updated_at=_timestamp(obj, "updated_at", where),
    )


def parse_incident(obj: Mapping[str, Any], where: str = "incident") -> Incident:
    """One incident object (from summary.json or incidents.json), whatever its status."""
    return Incident(
        id=_string(obj, "id", where),
        name=_string(obj, "name", where),
        status=_string(obj, "status", where),
        impact=_optional(obj, "impact", str, where) or "none",
        started_at=_timestamp(obj, "started_at", where) or _timestamp(obj, "created_at", where),
    )


def parse_maintenance(obj: Mapping[str, Any], where: str = "maintenance") -> Maintenance:
    """One scheduled-maintenance object, whatever its status."""
    return Maintenance(
        id=_string(obj, "id", where),
        name=_string(obj, "name", where),
        status=_string(obj, "status", where),
        impact=_optional(obj, "impact", str, where) or "maintenance",
        scheduled_for=_timestamp(obj, "scheduled_for", where),
        scheduled_until=_timestamp(obj, "scheduled_until", where),
    )


# -- field readers: each raises InvalidPayload naming the field ------------------------------------

_TYPE_NAMES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}


def _describe(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise InvalidPayload(f"{where}: expected an object, got {_describe(value)}")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidPayload(f"{where}: expected an array, got {_describe(value)}")
    return value


def _required(obj: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in obj:
        raise InvalidPayload(f"{where}: missing {key!r}")
    return obj[key]


# JSON may escape half a surrogate pair ("\\ud800"); such a string cannot be written as UTF-8.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean(text: str) -> str:
    """The text with lone surrogates replaced by U+FFFD, so that every label value encodes."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def _string(obj: Mapping[str, Any], key: str, where: str) -> str:
    value = _required(obj, key, where)
    if not isinstance(value, str):
        raise InvalidPayload(f"{where}.{key}: expected a string, got {_describe(value)}")
    return _clean(value)


def _optional(obj: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    """The value if present and not null; None otherwise; InvalidPayload if of another type."""
    value = obj.get(key)
    if value is not None and not isinstance(value, kind):
        raise InvalidPayload(f"{where}.{key}: expected {_TYPE_NAMES[kind]}, got {_describe(value)}")
    return _clean(value) if isinstance(value, str) else value


def _timestamp(obj: Mapping[str, Any], key: str, where: str) -> float | None:
    """An RFC 3339 time with offset (`Z` or `-08:00`) as Unix seconds; None if absent or null."""
    text = _optional(obj, key, str, where)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidPayload(f"{where}.{key}: not an RFC 3339 time: {text[:64]!r}") from None
    if moment.tzinfo is None:
        raise InvalidPayload(f"{where}.{key}: time without an offset: {text[:64]!r}")
    return moment.timestamp()
