"""The `uptime_kuma` engine: an Uptime Kuma status page, configured by its own address.

The page's `url` is the status page as people open it, `{base}/status/{slug}`; the engine reads
`{base}/api/status-page/{slug}` (groups, monitors, the pinned incident, maintenances) and
`{base}/api/status-page/heartbeat/{slug}` (recent heartbeats per monitor id). A URL without
`/status/<slug>` is a configuration error (`check_url`).

Every monitor of `publicGroupList[].monitorList[]` is a component in its group (a monitor listed
in two groups: the first), its status from its newest heartbeat: 1 operational, 0 major_outage,
2 (pending) degraded_performance, 3 under_maintenance; without a heartbeat `no_heartbeat`, a series
of its own. The pinned `incident` is an open incident (status `active`), its impact from its
`style`: `danger` critical, `warning` major, any other minor. Every `maintenanceList` entry is a
maintenance in progress. Uptime Kuma writes times without an offset, in UTC. The indicator is
derived; the page's name is the `config.title`, its id the slug.
"""

from __future__ import annotations

import math
import re
from typing import Any, Mapping

from exporter.engines.affected import derived_summary
from exporter.engines.base import Engine, json_documents
from exporter.engines.fields import (
    as_array,
    as_object,
    clean,
    objects,
    optional,
    required,
    string,
    string_or_integer,
    utc_timestamp,
)
from exporter.model import Component, Incident, Maintenance, Page, Summary

#: `{base}/status/{slug}`: the slug is one path segment.
_PAGE_URL = re.compile(r"(?P<base>.*)/status/(?P<slug>[^/]+)")

#: A heartbeat's `status` -> the monitor's status.
HEARTBEAT_STATUSES = {"1": "operational", "0": "major_outage", "2": "degraded_performance", "3": "under_maintenance"}
#: The status of a monitor without any heartbeat.
NO_HEARTBEAT = "no_heartbeat"
#: The pinned incident's `style` -> its impact; any other style is minor.
STYLE_IMPACTS = {"danger": "critical", "warning": "major"}
OTHER_STYLE_IMPACT = "minor"
#: The pinned incident has no lifecycle; while pinned it is exported as this.
OPEN_STATUS = "active"


def check_url(url: str) -> str | None:
    """Why the engine cannot read `url` (it must be `{base}/status/{slug}`), or None."""
    if _PAGE_URL.fullmatch(url) is None:
        return (
            f"uptime_kuma wants the status page's own address, {{base}}/status/{{slug}}: {url!r} has no /status/<slug>"
        )
    return None


def endpoints(url: str) -> tuple[str, ...]:
    """The status page document and its heartbeats, under the base the page URL names."""
    match = _PAGE_URL.fullmatch(url)
    if match is None:
        raise ValueError(check_url(url))
    base, slug = match["base"], match["slug"]
    return (f"{base}/api/status-page/{slug}", f"{base}/api/status-page/heartbeat/{slug}")


def parse_documents(page: Any, heartbeats: Any) -> Summary:
    """Turn the decoded status page and heartbeat documents into a Summary, or raise InvalidPayload."""
    root = as_object(page, "page")
    newest = _newest_heartbeats(as_object(heartbeats, "heartbeats"))
    components: list[Component] = []
    seen: set[str] = set()
    for group, group_where in objects(root, "publicGroupList", "publicGroupList"):
        group_name = string(group, "name", group_where)
        for monitor, where in objects(group, "monitorList", f"{group_where}.monitorList"):
            monitor_id = string_or_integer(monitor, "id", where)
            if monitor_id in seen:
                continue
            seen.add(monitor_id)
            status, at = newest.get(monitor_id, (NO_HEARTBEAT, None))
            components.append(Component(monitor_id, string(monitor, "name", where), status, group_name, at))
    pinned = root.get("incident")
    incidents = () if pinned is None else (_incident(as_object(pinned, "incident"), "incident"),)
    maintenances = tuple(
        Maintenance(string_or_integer(obj, "id", where), string(obj, "title", where), "in_progress", None, None)
        for obj, where in objects(root, "maintenanceList", "maintenanceList")
    )
    config = as_object(root.get("config") or {}, "config")
    page = Page(
        id=optional(config, "slug", str, "config") or "",
        name=optional(config, "title", str, "config") or "",
        url="",
        updated_at=None,
    )
    return derived_summary(tuple(components), incidents, page, maintenances=maintenances)


def _newest_heartbeats(root: Mapping[str, Any]) -> dict[str, tuple[str, float | None]]:
    """Monitor id -> (status, time) of its newest heartbeat: the latest `time`, the last on a tie."""
    lists = as_object(required(root, "heartbeatList", "heartbeats"), "heartbeatList")
    newest: dict[str, tuple[str, float | None]] = {}
    for monitor_id, value in lists.items():
        beats = []
        for i, item in enumerate(as_array(value, f"heartbeatList.{monitor_id}")):
            where = f"heartbeatList.{monitor_id}[{i}]"
            beat = as_object(item, where)
            code = string_or_integer(beat, "status", where)
            at = utc_timestamp(beat, "time", where)
            beats.append(((-math.inf if at is None else at, i), code, at))
        if beats:
            _, code, at = max(beats, key=lambda beat: beat[0])
            newest[clean(monitor_id)] = (HEARTBEAT_STATUSES.get(code, code.lower()), at)
    return newest


def _incident(obj: Mapping[str, Any], where: str) -> Incident:
    style = (optional(obj, "style", str, where) or "").lower()
    return Incident(
        id=string_or_integer(obj, "id", where),
        name=string(obj, "title", where),
        status=OPEN_STATUS,
        impact=STYLE_IMPACTS.get(style, OTHER_STYLE_IMPACT),
        started_at=utc_timestamp(obj, "createdDate", where),
    )


ENGINE = Engine("uptime_kuma", endpoints, json_documents(parse_documents), check_url=check_url)
