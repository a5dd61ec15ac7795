"""Builders for Statuspage summary.json payloads written for this suite.

Every test that needs a payload builds it here, so the shape of a "normal" page lives in one place
and each test states only what it changes.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from tests import shared_fixtures

FIXTURES = Path(__file__).parent / "fixtures"
SHARED_FIXTURES = shared_fixtures.STATUSPAGE

PAGE = {
    "id": "testpage0001",
    "name": "Example",
    "url": "https://status.example.com",
    "time_zone": "Etc/UTC",
    "updated_at": "2026-11-28T05:30:00.123Z",
}


def component(
    name: str,
    status: str = "operational",
    *,
    id: str | None = None,
    group_id: str | None = None,
    group: bool = False,
    children: list[str] | None = None,
    updated_at: str = "2026-11-28T05:00:00.000Z",
) -> dict:
    """One component object as Statuspage writes it."""
    obj = {
        "id": id or name.lower().replace(" ", "")[:12].ljust(12, "0"),
        "name": name,
        "status": status,
        "created_at": "2020-01-01T00:00:00.000Z",
        "updated_at": updated_at,
        "position": 1,
        "description": None,
        "showcase": False,
        "start_date": None,
        "group_id": group_id,
        "page_id": PAGE["id"],
        "group": group,
        "only_show_if_degraded": False,
    }
    if group:
        obj["components"] = list(children or [])
    return obj


def incident(
    name: str,
    *,
    id: str = "inc000000001",
    status: str = "investigating",
    impact: str = "major",
    started_at: str | None = "2026-11-28T05:10:00.000Z",
    created_at: str = "2026-11-28T05:11:00.000Z",
) -> dict:
    """One unresolved incident object."""
    obj = {
        "id": id,
        "name": name,
        "status": status,
        "impact": impact,
        "created_at": created_at,
        "updated_at": created_at,
        "monitoring_at": None,
        "resolved_at": None,
        "shortlink": "https://stspg.io/x",
        "page_id": PAGE["id"],
        "incident_updates": [],
        "components": [],
    }
    if started_at is not None:
        obj["started_at"] = started_at
    return obj


def maintenance(
    name: str,
    *,
    id: str = "mnt000000001",
    status: str = "scheduled",
    impact: str = "maintenance",
    scheduled_for: str = "2026-11-29T01:00:00.000Z",
    scheduled_until: str = "2026-11-29T03:00:00.000Z",
) -> dict:
    """One upcoming or in-progress scheduled maintenance."""
    obj = incident(name, id=id, status=status, impact=impact)
    obj.update(scheduled_for=scheduled_for, scheduled_until=scheduled_until)
    return obj


def summary(
    components: list[dict] | None = None,
    *,
    indicator: str = "none",
    incidents: list[dict] | None = None,
    maintenances: list[dict] | None = None,
    page: dict | None = None,
) -> dict:
    """A whole summary.json document; by default two operational components."""
    if components is None:
        components = [component("Git Operations", id="gitops000001"), component("Actions", id="actions00001")]
    return {
        "page": copy.deepcopy(page or PAGE),
        "components": components,
        "incidents": incidents or [],
        "scheduled_maintenances": maintenances or [],
        "status": {"indicator": indicator, "description": "All Systems Operational"},
    }


def load_fixture(name: str) -> dict:
    """A payload from tests/fixtures/."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def shared_payloads(prefix: str = "") -> list[Path]:
    """The real captured Statuspage payloads in ../shared (empty where that folder is absent)."""
    return shared_fixtures.shared_paths(SHARED_FIXTURES, f"{prefix}*.json")
