"""The aws engine's malformed-document table (see tests/engine_cases/__init__.py)."""

from __future__ import annotations

from tests.engine_cases import json_cases, sample_documents

MALFORMED = json_cases(
    sample_documents("aws")[0],
    [
        (lambda d: d.clear() or d.append({"events": []}), "events[0]: missing 'status'"),
        (lambda d: d.append(None), "events[4]: expected an object, got null"),
        (lambda d: d[1].update(status=None), "events[1].status: expected a string or an integer, got null"),
        (lambda d: d[1].update(status=2.0), "events[1].status: expected a string or an integer, got float"),
        (lambda d: d[0].pop("arn"), "events[0]: missing 'arn'"),
        (lambda d: d[0].update(arn="us-east-1"), "events[0].arn: not an ARN: 'us-east-1'"),
        (lambda d: d[2].update(summary=[]), "events[2].summary: expected a string, got list"),
        (lambda d: d[0].update(date="yesterday"), "events[0].date: not Unix seconds: 'yesterday'"),
        (lambda d: d[0].update(date=True), "events[0].date: expected Unix seconds, got bool"),
        (lambda d: d[0].update(date="1e400"), "events[0].date: not Unix seconds: '1e400'"),
        (lambda d: d[0].update(impacted_services=[]), "events[0].impacted_services: expected an object, got list"),
        (
            lambda d: d[0]["impacted_services"].update({"ec2-us-east-1": "down"}),
            "events[0].impacted_services.ec2-us-east-1: expected an object, got str",
        ),
        (
            lambda d: d[1]["impacted_services"]["ec2-us-east-1"].pop("current"),
            "events[1].impacted_services.ec2-us-east-1: missing 'current'",
        ),
        (
            lambda d: d[2]["impacted_services"]["iam"].update(service_name=None),
            "events[2].impacted_services.iam.service_name: expected a string, got null",
        ),
    ],
)
