"""The `google_cloud` engine: Google Cloud's incident history, `{url}/incidents.json`.

The feed is every incident of recent years, newest first, several MB long. It is read element by
element (`iter_array`), so that only the incidents still open are kept, never the whole tree. An
incident is open while it has no `end`. The products open incidents affect are the components
(keyed by product id), each with the worst `status_impact` any open incident gives it; an
incident's impact comes from its `severity`. Google publishes no overall indicator, no lifecycle
status and no page identity: the indicator is derived, an open incident's status is `active`.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterable, Iterator, Mapping, Sequence

from exporter.engines.affected import AffectedComponents, derived_summary
from exporter.engines.base import Body, Engine
from exporter.engines.fields import (
    MAX_ARRAY_ITEMS,
    as_array,
    as_object,
    decode_text,
    load_json,
    required,
    string,
    timestamp,
)
from exporter.errors import FetchError, InvalidPayload
from exporter.model import Incident, Summary

INCIDENTS_PATH = "/incidents.json"
#: The feed is history: allow well beyond the default cap.
MAX_BYTES = 32 * 1024 * 1024

#: An incident's `status_impact` -> the status of each product it affects.
STATUS_IMPACT_COMPONENT_STATUS = {
    "SERVICE_INFORMATION": "degraded_performance",
    "SERVICE_DISRUPTION": "partial_outage",
    "SERVICE_OUTAGE": "major_outage",
}
#: An incident's `severity` -> its impact.
SEVERITY_IMPACT = {"low": "minor", "medium": "major", "high": "critical"}
#: Google's incidents have no lifecycle status; an open one is exported as this.
OPEN_STATUS = "active"


def endpoints(url: str) -> tuple[str, ...]:
    """The one document this engine reads under the page's base URL."""
    return (url + INCIDENTS_PATH,)


def interpret(bodies: Sequence[Body]) -> Summary:
    """The Summary of one incidents.json body, read element by element; raises FetchError or InvalidPayload."""
    (body,) = bodies
    elements = iter_array(decode_text(body.content, body.content_type))
    try:
        return summarize(elements)
    except InvalidPayload:
        # A body that is not JSON is that first, whatever its early elements say: as json.loads would.
        for _ in elements:
            pass
        raise


def parse_incidents(document: Any) -> Summary:
    """The Summary of an already decoded incidents.json array (as `interpret`, for decoded documents)."""
    return summarize(as_array(document, "document"))


_WHITESPACE = re.compile(r"[ \t\n\r]*")  # JSON's whitespace, as json.decoder skips it


def iter_array(text: str) -> Iterator[Any]:
    """The elements of the JSON array `text`, decoded one at a time.

    Accepts exactly what `json.loads` accepts for an array; raises FetchError("invalid_json")
    where it would fail, and InvalidPayload ("document: expected an array") for any other value,
    or for an array of more than MAX_ARRAY_ITEMS elements (decoding them one by one costs a
    second per million: a 32 MiB array of small elements would hold the fetch for 20 s).
    """
    decoder = json.JSONDecoder()
    at = _WHITESPACE.match(text).end()
    if text[at : at + 1] != "[":
        as_array(load_json(text), "document")  # not an array: say what it is, or that it is not JSON
    at = _WHITESPACE.match(text, at + 1).end()
    count = 0
    if text[at : at + 1] == "]":
        at += 1
    else:
        while True:
            try:
                element, at = decoder.raw_decode(text, at)
            except ValueError as err:
                raise FetchError("invalid_json", f"body is not JSON: {err}", 200) from None
            except RecursionError:
                raise FetchError("invalid_json", "body nests too deeply", 200) from None
            count += 1
            if count > MAX_ARRAY_ITEMS:
                limit = MAX_ARRAY_ITEMS
                raise InvalidPayload(f"document: more than {limit} items, over the limit of {limit} items in one array")
            yield element
            at = _WHITESPACE.match(text, at).end()
            separator = text[at : at + 1]
            if separator not in (",", "]"):
                raise FetchError("invalid_json", f"body is not JSON: expected ',' or ']' at char {at}", 200)
            at = _WHITESPACE.match(text, at + 1).end()
            if separator == "]":
                break
    if _WHITESPACE.match(text, at).end() != len(text):
        raise FetchError("invalid_json", f"body is not JSON: extra data after the array at char {at}", 200)


def summarize(items: Iterable[Any]) -> Summary:
    """The Summary of a sequence of incident objects, keeping only the open ones as it goes."""
    incidents: list[Incident] = []
    products = AffectedComponents()
    for i, item in enumerate(items):
        where = f"incidents[{i}]"
        obj = as_object(item, where)
        if timestamp(obj, "end", where) is not None:
            continue
        incidents.append(_incident(obj, where))
        impact = string(obj, "status_impact", where)
        status = STATUS_IMPACT_COMPONENT_STATUS.get(impact, impact.lower())
        for product_id, title in _products(obj, where):
            products.add(product_id, title, status)
    return derived_summary(products.components(), incidents)


def _incident(obj: Mapping[str, Any], where: str) -> Incident:
    severity = string(obj, "severity", where).lower()
    return Incident(
        id=string(obj, "id", where),
        name=string(obj, "external_desc", where),
        status=OPEN_STATUS,
        impact=SEVERITY_IMPACT.get(severity, severity),
        started_at=timestamp(obj, "begin", where),
    )


def _products(obj: Mapping[str, Any], where: str) -> list[tuple[str, str]]:
    listed = as_array(required(obj, "affected_products", where), f"{where}.affected_products")
    found = []
    for j, item in enumerate(listed):
        product_where = f"{where}.affected_products[{j}]"
        product = as_object(item, product_where)
        found.append((string(product, "id", product_where), string(product, "title", product_where)))
    return found


ENGINE = Engine("google_cloud", endpoints, interpret, MAX_BYTES)
