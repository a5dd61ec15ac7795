"""The ibm_cloud engine's malformed-document table (see tests/engine_cases/__init__.py)."""

from __future__ import annotations

from tests.engine_cases import json_cases, sample_documents

MALFORMED = json_cases(
    sample_documents("ibm_cloud")[0],
    [
        (lambda d: d.pop("statusItems"), "document: missing 'statusItems'"),
        (lambda d: d.update(statusItems={}), "statusItems: expected an array, got dict"),
        (lambda d: d["statusItems"][0].pop("type"), "statusItems[0]: missing 'type'"),
        (lambda d: d["statusItems"][0].update(state=1), "statusItems[0].state: expected a string, got int"),
        (
            lambda d: d["statusItems"][1].update(outageEnd="later"),
            "statusItems[1].outageEnd: not Unix milliseconds: 'later'",
        ),
        (
            lambda d: d["statusItems"][0].update(outageStart=[]),
            "statusItems[0].outageStart: expected Unix milliseconds, got list",
        ),
        (
            lambda d: d["statusItems"][0].update(sev=None, outageStart=None, creationTime="x"),
            "statusItems[0].creationTime: not an RFC 3339 time: 'x'",
        ),
        (
            lambda d: d["statusItems"][1].update(sev=1.5),
            "statusItems[1].sev: expected a string or an integer, got float",
        ),
        (
            lambda d: d["statusItems"][0].update(regions="us-south"),
            "statusItems[0].regions: expected an array, got str",
        ),
        (
            lambda d: d["statusItems"][1]["resourceIDs"].append(None),
            "statusItems[1].resourceIDs[2]: expected a string, got null",
        ),
        (lambda d: d["statusItems"][3].pop("id"), "statusItems[3]: missing 'id'"),
        (lambda d: d["statusItems"][1].update(id="INC0000001"), "incident id 'INC0000001' appears twice"),
    ],
)
