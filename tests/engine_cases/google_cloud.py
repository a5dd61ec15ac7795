"""The google_cloud engine's malformed-document table (see tests/engine_cases/__init__.py)."""

from __future__ import annotations

from tests.engine_cases import json_cases, sample_documents

MALFORMED = json_cases(
    sample_documents("google_cloud")[0],
    [
        (lambda d: d.append("incident"), "incidents[3]: expected an object, got str"),
        (lambda d: d[2].update(end=1), "incidents[2].end: expected a string, got int"),
        (lambda d: d[2].update(end="later"), "incidents[2].end: not an RFC 3339 time: 'later'"),
        (lambda d: d[0].pop("id"), "incidents[0]: missing 'id'"),
        (lambda d: d[1].update(external_desc=None), "incidents[1].external_desc: expected a string, got null"),
        (lambda d: d[0].update(severity=3), "incidents[0].severity: expected a string, got int"),
        (lambda d: d[1].pop("status_impact"), "incidents[1]: missing 'status_impact'"),
        (lambda d: d[0].update(begin="2026-11-28"), "incidents[0].begin: time without an offset: '2026-11-28'"),
        (lambda d: d[0].pop("affected_products"), "incidents[0]: missing 'affected_products'"),
        (
            lambda d: d[0].update(affected_products={}),
            "incidents[0].affected_products: expected an array, got dict",
        ),
        (
            lambda d: d[1]["affected_products"][1].pop("id"),
            "incidents[1].affected_products[1]: missing 'id'",
        ),
        (
            lambda d: d[1]["affected_products"][0].update(title=None),
            "incidents[1].affected_products[0].title: expected a string, got null",
        ),
    ],
)
