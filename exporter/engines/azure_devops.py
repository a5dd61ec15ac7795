"""The `azure_devops` engine: Azure DevOps' `{url}/_apis/status/health?api-version=7.1-preview.1`.

Every service × geography is a component, named and keyed `Service (Geography)` in the group
`Service`, its status from its `health`: `healthy` operational, `advisory` degraded_performance,
`degraded` partial_outage, `unhealthy` major_outage (any other: a series of its own). The page's
indicator comes from `status.health` the same way: none, minor, major, critical. The document
lists no incidents or maintenances; `lastUpdated` is the page's time.
"""

from __future__ import annotations

from typing import Any

from exporter.engines.base import Engine, json_documents
from exporter.engines.fields import as_object, objects, required, string, timestamp
from exporter.model import Component, Page, Summary

HEALTH_PATH = "/_apis/status/health?api-version=7.1-preview.1"

#: A geography's `health` -> its component status.
HEALTH_STATUSES = {
    "healthy": "operational",
    "advisory": "degraded_performance",
    "degraded": "partial_outage",
    "unhealthy": "major_outage",
}
#: `status.health` -> the page's indicator.
HEALTH_INDICATORS = {"healthy": "none", "advisory": "minor", "degraded": "major", "unhealthy": "critical"}


def endpoints(url: str) -> tuple[str, ...]:
    """The one document this engine reads under the page's base URL."""
    return (url + HEALTH_PATH,)


def parse_health(document: Any) -> Summary:
    """Turn a decoded health document into a Summary, or raise InvalidPayload."""
    root = as_object(document, "document")
    overall = string(as_object(required(root, "status", "document"), "status"), "health", "status").lower()
    components = []
    required(root, "services", "document")
    for service, where in objects(root, "services", "services"):
        service_id = string(service, "id", where)
        for geography, geo_where in objects(service, "geographies", f"{where}.geographies"):
            name = f"{service_id} ({string(geography, 'name', geo_where)})"
            health = string(geography, "health", geo_where).lower()
            components.append(Component(name, name, HEALTH_STATUSES.get(health, health), service_id, None))
    return Summary(
        page=Page(id="", name="", url="", updated_at=timestamp(root, "lastUpdated", "document")),
        indicator=HEALTH_INDICATORS.get(overall, overall),
        components=tuple(components),
        incidents=(),
        maintenances=(),
    )


ENGINE = Engine("azure_devops", endpoints, json_documents(parse_health))
