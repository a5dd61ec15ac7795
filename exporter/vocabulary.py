"""The label vocabularies: every value a label of ours can take, in the order they are exported.

The cache counts failures by `REASONS`, the collector exports one series per known state, the
engines normalize their pages into these words, and the HTTP code reports them. A value an engine
meets beyond these is exported as a series of its own (never dropped) and warned about once.
"""

from __future__ import annotations

#: Every reason a fetch can fail for, in the order they are exported.
REASONS = (
    "timeout",
    "connection",
    "rate_limited",
    "http_status",
    "invalid_json",
    "invalid_payload",
    "too_large",
    "unknown_engine",
)
#: A page's overall indicator.
INDICATORS = ("none", "minor", "major", "critical", "maintenance")
#: A component's status: the five Statuspage states.
COMPONENT_STATUSES = ("operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance")
#: An incident's impact.
IMPACTS = ("none", "minor", "major", "critical")

#: How bad a component status is, for deriving an indicator where an engine has none.
COMPONENT_STATUS_INDICATOR = {
    "operational": "none",
    "under_maintenance": "maintenance",
    "degraded_performance": "minor",
    "partial_outage": "major",
    "major_outage": "critical",
}
_SEVERITY = {"none": 0, "maintenance": 1, "minor": 2, "major": 3, "critical": 4}


def derive_indicator(component_statuses, incident_impacts=()) -> str:
    """The worst of the components' statuses and the incidents' impacts, as an indicator.

    degraded -> minor, partial -> major, major outage -> critical; `maintenance` only when nothing
    is worse; `none` when all is well. Values outside the vocabularies are ignored here (the
    collector still exports them as series of their own).
    """
    worst = "none"
    for status in component_statuses:
        worst = _worse(worst, COMPONENT_STATUS_INDICATOR.get(status, "none"))
    for impact in incident_impacts:
        worst = _worse(worst, impact if impact in _SEVERITY else "none")
    return worst


def worst_component_status(statuses) -> str:
    """The worst of several component statuses (`operational` when there are none).

    A status outside the vocabulary ranks just above `operational` (see `component_status_rank`), so
    that it is never hidden by a report that all is well, nor hides a known outage.
    """
    worst, rank = "operational", 0.0
    for status in statuses:
        status_rank = component_status_rank(status)
        if status_rank > rank:
            worst, rank = status, status_rank
    return worst


def component_status_rank(status: str) -> float:
    """How bad a component status is, on the indicators' scale: 0 operational, 1 under maintenance,
    2 degraded, 3 partial outage, 4 major outage; 0.5 for a status outside the vocabulary."""
    mapped = COMPONENT_STATUS_INDICATOR.get(status)
    return UNKNOWN_RANK if mapped is None else _SEVERITY[mapped]


def indicator_rank(indicator: str) -> float:
    """How bad an indicator is: 0 none, 1 maintenance, 2 minor, 3 major, 4 critical; 0.5 if unknown."""
    return _SEVERITY.get(indicator, UNKNOWN_RANK)


#: The rank of a value outside the vocabularies: worse than all is well, better than any trouble.
UNKNOWN_RANK = 0.5


def _worse(a: str, b: str) -> str:
    return a if _SEVERITY[a] >= _SEVERITY[b] else b
