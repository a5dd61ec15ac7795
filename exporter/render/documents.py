"""The JSON status API's documents: a `PageStatus` -> `/api/v1/status`, every page -> `/api/v1/pages`.

The documents carry exactly what the metrics carry (the same components, the same normalized
values); times are RFC 3339 UTC (`2026-11-20T10:15:30Z`, milliseconds where the page gives them)
or null. Their JSON Schemas are `schemas/status.schema.json` and `schemas/pages.schema.json`.
Knows nothing of HTTP clients: the server turns a `Document` into a response.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Sequence

from exporter.model import Summary
from exporter.render.status_view import PageStatus, worst_first

CONTENT_TYPE = "application/json"

#: What a 503 says when no request has ended yet (the first one is still running).
NO_ANSWER_YET = ("timeout", "no answer from the status page yet")


@dataclass(frozen=True)
class Document:
    """A rendered document: HTTP status, JSON bytes, their ETag, and how long they stay current."""

    status: int
    body: bytes
    etag: str
    #: Whole seconds until the next refresh is due (at least 1 for a 503's Retry-After).
    max_age: int


def rfc3339(moment: float | None) -> str | None:
    """Unix seconds as RFC 3339 UTC with `Z`; milliseconds only where there are any."""
    if moment is None:
        return None
    when = datetime.fromtimestamp(moment, UTC)
    millis = round(when.microsecond / 1000)
    if millis in (0, 1000):
        return datetime.fromtimestamp(round(moment), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return when.strftime("%Y-%m-%dT%H:%M:%S") + f".{millis:03d}Z"


def etag(body: bytes) -> str:
    """A strong ETag over the body bytes."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def encode(document: Any) -> bytes:
    # ASCII escapes: any text a page sends (even a lone surrogate) encodes, and stays valid JSON.
    return json.dumps(document, separators=(",", ":")).encode("ascii")


def status_body(status: PageStatus) -> tuple[int, dict[str, Any]]:
    """The HTTP status and the document of `/api/v1/status` for one page."""
    summary = status.summary
    if summary is None:
        reason, detail = (status.error_reason, status.error_detail) if status.error_reason else NO_ANSWER_YET
        return 503, {"up": False, "error": {"reason": reason, "detail": detail}}
    return 200, {
        "page": {
            "name": status.title,
            "url": summary.page.url or status.url,
            "engine": status.engine,
            "id": summary.page.id,
            "updated_at": rfc3339(summary.page.updated_at),
        },
        "indicator": summary.indicator,
        "up": status.up,
        "stale": status.stale,
        "last_success": rfc3339(status.last_success),
        **_summary_lists(summary),
    }


def _summary_lists(summary: Summary) -> dict[str, list[dict[str, Any]]]:
    return {
        "components": [
            {"id": c.id, "name": c.name, "group": c.group, "status": c.status, "updated_at": rfc3339(c.updated_at)}
            for c in summary.components
        ],
        "incidents": [
            {"id": i.id, "name": i.name, "impact": i.impact, "status": i.status, "started_at": rfc3339(i.started_at)}
            for i in summary.incidents
        ],
        "maintenances": [
            {
                "id": m.id,
                "name": m.name,
                "status": m.status,
                "scheduled_for": rfc3339(m.scheduled_for),
                "scheduled_until": rfc3339(m.scheduled_until),
            }
            for m in summary.maintenances
        ],
    }


def status_document(status: PageStatus, seconds_until_due: float) -> Document:
    """`/api/v1/status` rendered: 200 with the page, or 503 with the reason there is none."""
    code, document = status_body(status)
    body = encode(document)
    return Document(code, body, etag(body), max_age(code, seconds_until_due))


def max_age(code: int, seconds_until_due: float) -> int:
    """Whole seconds a status answer stays current; at least 1 for a 503's Retry-After.

    Retry-After: 0 would invite a tight retry loop.
    """
    seconds = math.ceil(seconds_until_due)
    return max(1, seconds) if code == 503 else seconds


def pages_body(statuses: Sequence[PageStatus]) -> dict[str, Any]:
    """The document of `/api/v1/pages`: every page, from what is cached, worst first (`worst_first`)."""
    return {
        "pages": [
            {
                "name": s.target,
                "default": s.is_default,
                "url": s.url,
                "engine": s.engine,
                "title": s.title,
                "indicator": s.summary.indicator if s.summary else None,
                "components_worst_status": s.components_worst_status,
                "up": s.up,
                "stale": s.stale,
            }
            for s in worst_first(statuses)
        ]
    }


def pages_document(statuses: Sequence[PageStatus]) -> Document:
    """`/api/v1/pages` rendered; it is current only until any page's next request (max-age 0)."""
    body = encode(pages_body(statuses))
    return Document(200, body, etag(body), 0)
