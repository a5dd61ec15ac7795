"""The `aws` engine: the AWS Health Dashboard's `{url}/public/currentevents`.

The body is a JSON array of events, served as UTF-16 with a byte-order mark (`decode_json`
decodes by BOM or charset, UTF-8 too). Codes come as strings ("3") in some places and as numbers
in others; both are read. An event is unresolved while its `status` is not "0"; its impact is that
`status`. The `impacted_services` of unresolved events are the components, one per service and region: keyed as
AWS keys them where the key ends with the event's region (`sts-me-central-1`) or the event is
global, else the key with the region appended (`route53` in an me-south-1 event:
`route53-me-south-1`, as global services are named by the events of every region they trouble),
and named with the region of the event's ARN; each with the worst `current` any unresolved event
gives it. AWS publishes no overall indicator: it is derived.
"""

from __future__ import annotations

from typing import Any, Mapping

from exporter.engines.affected import AffectedComponents, derived_summary
from exporter.engines.base import Engine, json_documents
from exporter.engines.fields import (
    as_array,
    as_object,
    clean,
    epoch,
    string,
    string_or_integer,
)
from exporter.errors import InvalidPayload
from exporter.model import Incident, Summary

CURRENT_EVENTS_PATH = "/public/currentevents"

#: An event's `status` while it is open -> its impact. "0" is resolved.
STATUS_IMPACT = {"1": "minor", "2": "major", "3": "critical"}
RESOLVED = "0"
#: An impacted service's `current` -> its component status.
CURRENT_STATUS = {
    "0": "operational",
    "1": "degraded_performance",
    "2": "partial_outage",
    "3": "major_outage",
}
#: AWS events have no lifecycle status of their own; an unresolved one is exported as this.
OPEN_STATUS = "active"
#: The region of an event whose ARN names none (`arn:aws:health:::event/...`).
NO_REGION = "global"


def endpoints(url: str) -> tuple[str, ...]:
    """The one document this engine reads under the page's base URL."""
    return (url + CURRENT_EVENTS_PATH,)


def parse_current_events(document: Any) -> Summary:
    """Turn a decoded currentevents array into a Summary, or raise InvalidPayload."""
    incidents: list[Incident] = []
    services = AffectedComponents()
    for i, item in enumerate(as_array(document, "document")):
        where = f"events[{i}]"
        event = as_object(item, where)
        status = string_or_integer(event, "status", where)
        if status == RESOLVED:
            continue
        region = _region(string(event, "arn", where), where)
        incidents.append(
            Incident(
                id=string(event, "arn", where),
                name=string(event, "summary", where),
                status=OPEN_STATUS,
                impact=STATUS_IMPACT.get(status, status.lower()),
                started_at=epoch(event, "date", where),
            )
        )
        for key, name, current in _impacted_services(event, region, where):
            services.add(key, name, current)
    return derived_summary(services.components(), incidents)


def _region(arn: str, where: str) -> str:
    """`arn:aws:health:me-central-1::event/...` -> `me-central-1`."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        raise InvalidPayload(f"{where}.arn: not an ARN: {arn[:64]!r}")
    return parts[3] or NO_REGION


def _impacted_services(event: Mapping[str, Any], region: str, where: str) -> list[tuple[str, str, str]]:
    """(key, name with region, component status) of each impacted service; none when absent or null."""
    value = event.get("impacted_services")
    impacted = {} if value is None else as_object(value, f"{where}.impacted_services")
    found = []
    for raw_key, item in impacted.items():
        key = clean(raw_key)
        service_where = f"{where}.impacted_services.{key}"
        service = as_object(item, service_where)
        current = string_or_integer(service, "current", service_where)
        name = string(service, "service_name", service_where)
        found.append((_component_id(key, region), f"{name} ({region})", CURRENT_STATUS.get(current, current.lower())))
    return found


def _component_id(key: str, region: str) -> str:
    """`sts-me-central-1` as it is; `route53` in an me-south-1 event -> `route53-me-south-1`."""
    if region == NO_REGION or key.endswith(f"-{region}"):
        return key
    return f"{key}-{region}"


ENGINE = Engine("aws", endpoints, json_documents(parse_current_events))
