"""The betterstack engine's malformed-document table (see tests/engine_cases/__init__.py)."""

from __future__ import annotations

from tests.engine_cases import json_cases, sample_documents
from tests.engine_fixtures import replaced, without

MALFORMED = json_cases(
    sample_documents("betterstack")[0],
    [
        (without("data"), "document: missing 'data'"),
        (replaced("data", "attributes", None), "data.attributes: expected an object, got null"),
        (without("data", "attributes", "aggregate_state"), "data.attributes: missing 'aggregate_state'"),
        (replaced("data", "id", 1.5), "data.id: expected a string, got float"),
        (
            replaced("data", "attributes", "updated_at", "noon"),
            "data.attributes.updated_at: not an RFC 3339 time: 'noon'",
        ),
        (replaced("included", {}), "included: expected an array, got dict"),
        (replaced("included", 0, []), "included[0]: expected an object, got list"),
        (without("included", 0, "type"), "included[0]: missing 'type'"),
        (without("included", 2, "attributes"), "included[2]: missing 'attributes'"),
        (
            replaced("included", 2, "attributes", "public_name", None),
            "included[2].attributes.public_name: expected a string, got null",
        ),
        (
            replaced("included", 2, "attributes", "status_page_section_id", [1]),
            "included[2].attributes.status_page_section_id: expected an id, got list",
        ),
        (replaced("included", 0, "attributes", "name", 9), "included[0].attributes.name: expected a string, got int"),
        (
            replaced("included", 7, "attributes", "aggregate_state", None),
            "included[7].attributes.aggregate_state: expected a string, got null",
        ),
        (
            replaced("included", 8, "attributes", "ends_at", 12),
            "included[8].attributes.ends_at: expected a string, got int",
        ),
        (replaced("included", 7, "id", True), "included[7].id: expected a string, got bool"),
    ],
)
