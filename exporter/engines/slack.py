"""The `slack` engine: Slack's status API, `{url}/api/v2.0.0/current`.

Slack lists no components, only active incidents, each naming the services it affects. So the
components are the services that active incidents name (none when all is well), each with the
status of the worst incident naming it; the incident's `type` gives both that status and the
incident's impact. The overall indicator is `none` when Slack says `ok`, else derived from those.
"""

from __future__ import annotations

from typing import Any, Mapping

from exporter.engines.affected import AffectedComponents, derived_summary
from exporter.engines.base import Engine, json_documents
from exporter.engines.fields import (
    as_array,
    as_object,
    string,
    string_array,
    string_or_integer,
    timestamp,
)
from exporter.model import Incident, Page, Summary

CURRENT_PATH = "/api/v2.0.0/current"

#: An incident's `type` -> the status of each service it names.
TYPE_COMPONENT_STATUS = {
    "outage": "major_outage",
    "incident": "partial_outage",
    "notice": "degraded_performance",
}
#: An incident's `type` -> its impact.
TYPE_IMPACT = {"outage": "critical", "incident": "major", "notice": "minor"}
#: Incident states after which Slack no longer counts an incident as active.
CLOSED_STATUSES = frozenset({"resolved", "completed"})


def endpoints(url: str) -> tuple[str, ...]:
    """The one document this engine reads under the page's base URL."""
    return (url + CURRENT_PATH,)


def parse_current(document: Any) -> Summary:
    """Turn a decoded `current` document into a Summary, or raise InvalidPayload."""
    root = as_object(document, "document")
    status = string(root, "status", "document").lower()
    listed = root.get("active_incidents")
    items = [] if listed is None else as_array(listed, "active_incidents")
    incidents: list[Incident] = []
    services = AffectedComponents()
    for i, item in enumerate(items):
        where = f"active_incidents[{i}]"
        obj = as_object(item, where)
        incident, kind = _incident(obj, where)
        if incident.status in CLOSED_STATUSES:
            continue
        incidents.append(incident)
        for service in string_array(obj, "services", where):
            services.add(service, service, TYPE_COMPONENT_STATUS.get(kind, kind))
    return derived_summary(
        services.components(),
        incidents,
        page=Page(id="", name="", url="", updated_at=timestamp(root, "date_updated", "document")),
        indicator="none" if status == "ok" else None,
    )


def _incident(obj: Mapping[str, Any], where: str) -> tuple[Incident, str]:
    kind = string(obj, "type", where).lower()
    incident = Incident(
        id=string_or_integer(obj, "id", where),
        name=string(obj, "title", where),
        status=string(obj, "status", where).lower(),
        impact=TYPE_IMPACT.get(kind, kind),
        started_at=timestamp(obj, "date_created", where),
    )
    return incident, kind


ENGINE = Engine("slack", endpoints, json_documents(parse_current))
