"""The aws engine: AWS Health's `/public/currentevents` -> Summary (UTF-16 bodies, codes as strings or numbers)."""

from __future__ import annotations

import codecs
import copy
import json

import pytest

from exporter.engines import ENGINES, Body, aws
from exporter.errors import FetchError, InvalidPayload
from exporter.model import Component, Incident, Page, Summary
from tests.engine_fixtures import own_engine_fixture, shared_engine_fixture

CAPTURE = "aws-health-currentevents-2026-09-xx-2open-1resolved-trimmed.json"
OWN = "aws-currentevents-minor-major-numbers.json"
NO_PAGE = Page(id="", name="", url="", updated_at=None)
CENTRAL = "arn:aws:health:me-central-1::event/MULTIPLE_SERVICES/AWS_MULTIPLE_SERVICES_OPERATIONAL_ISSUE/"
SOUTH = "arn:aws:health:me-south-1::event/MULTIPLE_SERVICES/AWS_MULTIPLE_SERVICES_OPERATIONAL_ISSUE/"

CAPTURE_SUMMARY = Summary(
    page=NO_PAGE,
    indicator="critical",
    components=(
        Component("signin-me-central-1", "AWS Sign-In (me-central-1)", "major_outage", "", None),
        Component("sts-me-central-1", "AWS Security Token Service (me-central-1)", "major_outage", "", None),
        Component("bedrock-me-central-1", "Amazon Bedrock (me-central-1)", "major_outage", "", None),
        Component("sts-me-south-1", "AWS Security Token Service (me-south-1)", "major_outage", "", None),
        Component("signin-me-south-1", "AWS Sign-In (me-south-1)", "major_outage", "", None),
        Component("bedrock-me-south-1", "Amazon Bedrock (me-south-1)", "major_outage", "", None),
    ),
    incidents=(
        Incident(
            CENTRAL + "AWS_MULTIPLE_SERVICES_OPERATIONAL_ISSUE_5E6B8_EF2498889B5",
            "Increased Error Rates",
            "active",
            "critical",
            1772369485.0,
        ),
        Incident(
            SOUTH + "AWS_MULTIPLE_SERVICES_OPERATIONAL_ISSUE_E6426_01AD72B4E1E",
            "Increased Error Rates",
            "active",
            "critical",
            1772430987.0,
        ),
    ),
    maintenances=(),
)


def interpret(content: bytes, content_type: str = "application/json") -> Summary:
    return ENGINES["aws"].interpret([Body(content, content_type)])


def event(status="1", services=None, arn="arn:aws:health:us-east-1::event/X/Y/Z") -> dict:
    return {
        "date": "1795842000",
        "arn": arn,
        "status": status,
        "summary": "Trouble",
        "impacted_services": services if services is not None else {"ec2-us-east-1": service("1")},
    }


def service(current) -> dict:
    return {"service_name": "Amazon EC2", "current": current, "max": current}


def test_endpoint_is_public_currentevents_under_the_url():
    assert ENGINES["aws"].endpoints("https://health.aws.amazon.com") == (
        "https://health.aws.amazon.com/public/currentevents",
    )


def test_real_capture_two_open_events_one_resolved():
    assert interpret(shared_engine_fixture(CAPTURE)) == CAPTURE_SUMMARY


@pytest.mark.parametrize(
    ("codec", "bom", "content_type"),
    [
        ("utf-16-le", codecs.BOM_UTF16_LE, "application/json"),  # what the live page serves
        ("utf-16-be", codecs.BOM_UTF16_BE, "application/json"),
        ("utf-16-le", codecs.BOM_UTF16_LE, "application/json; charset=utf-8"),  # the BOM wins
        ("utf-16-le", b"", "application/json; charset=UTF-16LE"),  # no BOM: the charset says it
        ("utf-8", codecs.BOM_UTF8, "application/json"),
        ("utf-8", b"", "application/json"),
    ],
)
def test_real_capture_reads_the_same_in_utf16_with_bom_by_charset_and_utf8(codec, bom, content_type):
    text = shared_engine_fixture(CAPTURE).decode("utf-8")
    assert interpret(bom + text.encode(codec), content_type) == CAPTURE_SUMMARY


def test_utf16_without_bom_or_charset_is_invalid_json():
    with pytest.raises(FetchError) as caught:
        interpret('[{"status": "0"}]'.encode("utf-16-le"))
    assert caught.value.reason == "invalid_json"


def test_numbers_or_strings_minor_and_major_events_share_a_service_and_a_global_event():
    summary = interpret(own_engine_fixture(OWN))
    assert summary == Summary(
        page=NO_PAGE,
        indicator="major",
        components=(
            Component("ec2-us-east-1", "Amazon Elastic Compute Cloud (us-east-1)", "partial_outage", "", None),
            Component("autoscaling-us-east-1", "Amazon EC2 Auto Scaling (us-east-1)", "operational", "", None),
            Component("iam", "AWS Identity and Access Management (global)", "degraded_performance", "", None),
        ),
        incidents=(
            Incident(
                "arn:aws:health:us-east-1::event/EC2/AWS_EC2_OPERATIONAL_ISSUE/AWS_EC2_OPERATIONAL_ISSUE_AAAAA_0000000000A",
                "Increased launch latencies",
                "active",
                "minor",
                1795842000.0,
            ),
            Incident(
                "arn:aws:health:us-east-1::event/MULTIPLE_SERVICES/AWS_MULTIPLE_SERVICES_OPERATIONAL_ISSUE/"
                "AWS_MULTIPLE_SERVICES_OPERATIONAL_ISSUE_BBBBB_0000000000B",
                "Connectivity issues",
                "active",
                "major",
                1795845600.0,
            ),
            Incident(
                "arn:aws:health:::event/IAM/AWS_IAM_OPERATIONAL_ISSUE/AWS_IAM_OPERATIONAL_ISSUE_CCCCC_0000000000C",
                "Delayed propagation of policy changes",
                "active",
                "minor",
                1795849200.0,
            ),
        ),
        maintenances=(),
    )


def test_regionless_services_named_by_events_of_two_regions_are_one_component_per_region():
    summary = interpret(own_engine_fixture("aws-currentevents-regionless-services-two-regions.json"))
    assert summary.components == (
        Component("sts-me-central-1", "AWS Security Token Service (me-central-1)", "major_outage", "", None),
        Component("route53-me-central-1", "Amazon Route 53 (me-central-1)", "partial_outage", "", None),
        Component("cloudfront-me-central-1", "Amazon CloudFront (me-central-1)", "degraded_performance", "", None),
        Component(
            "management-console-me-central-1", "AWS Management Console (me-central-1)", "degraded_performance", "", None
        ),
        Component("route53-me-south-1", "Amazon Route 53 (me-south-1)", "major_outage", "", None),
        Component("cloudfront-me-south-1", "Amazon CloudFront (me-south-1)", "operational", "", None),
        Component(
            "globalaccelerator-me-south-1", "AWS Global Accelerator (me-south-1)", "degraded_performance", "", None
        ),
        Component("cloudwan-me-south-1", "AWS Cloud WAN (me-south-1)", "partial_outage", "", None),
    )
    assert summary.indicator == "critical"


def test_real_capture_with_route53_added_to_both_open_events_gives_one_route53_per_region():
    events = json.loads(shared_engine_fixture(CAPTURE))
    for open_event in events[1:]:
        open_event["impacted_services"]["route53"] = {"service_name": "Amazon Route 53", "current": "3", "max": "3"}
    names = [(c.id, c.name) for c in aws.parse_current_events(events).components if c.id.startswith("route53")]
    assert names == [
        ("route53-me-central-1", "Amazon Route 53 (me-central-1)"),
        ("route53-me-south-1", "Amazon Route 53 (me-south-1)"),
    ]


@pytest.mark.parametrize(
    ("key", "arn_region", "component_id", "name"),
    [
        ("ec2-us-east-1", "us-east-1", "ec2-us-east-1", "Amazon EC2 (us-east-1)"),
        ("route53", "us-east-1", "route53-us-east-1", "Amazon EC2 (us-east-1)"),
        ("iam", "", "iam", "Amazon EC2 (global)"),
        ("ec2-us-east-1", "eu-west-1", "ec2-us-east-1-eu-west-1", "Amazon EC2 (eu-west-1)"),
    ],
)
def test_component_id_carries_the_events_region_unless_the_key_already_does(key, arn_region, component_id, name):
    summary = aws.parse_current_events(
        [event("1", {key: service("1")}, arn=f"arn:aws:health:{arn_region}::event/X/Y/Z")]
    )
    assert [(c.id, c.name) for c in summary.components] == [(component_id, name)]


def test_nothing_going_on_is_an_empty_array():
    assert interpret("[]".encode("utf-16")) == Summary(NO_PAGE, "none", (), (), ())


@pytest.mark.parametrize(
    ("status", "impact", "kept"),
    [
        ("0", None, False),
        (0, None, False),
        ("1", "minor", True),
        (2, "major", True),
        ("3", "critical", True),
        ("7", "7", True),  # beyond the vocabulary: a series of its own
    ],
)
def test_event_status_is_resolution_and_impact(status, impact, kept):
    summary = aws.parse_current_events([event(status)])
    assert [i.impact for i in summary.incidents] == ([impact] if kept else [])
    assert len(summary.components) == (1 if kept else 0)


@pytest.mark.parametrize(
    ("current", "status", "indicator"),
    [
        ("0", "operational", "minor"),
        (1, "degraded_performance", "minor"),
        ("2", "partial_outage", "major"),
        ("3", "major_outage", "critical"),
        ("9", "9", "minor"),
    ],
)
def test_impacted_service_current_is_the_component_status(current, status, indicator):
    summary = aws.parse_current_events([event("1", {"ec2-us-east-1": service(current)})])
    assert [c.status for c in summary.components] == [status]
    assert summary.indicator == indicator  # the event itself is minor


@pytest.mark.parametrize(
    ("currents", "status"),
    [(("1", "3"), "major_outage"), (("3", "1"), "major_outage"), (("0", "9"), "9"), (("9", "2"), "partial_outage")],
)
def test_a_service_in_two_open_events_takes_the_worse_current(currents, status):
    events = [
        event("1", {"ec2-us-east-1": service(current)}, arn=f"arn:aws:health:us-east-1::event/X/Y/{i}")
        for i, current in enumerate(currents)
    ]
    assert [c.status for c in aws.parse_current_events(events).components] == [status]


def test_impacted_services_absent_or_null_give_no_components():
    first, second = event("2"), event("1", arn="arn:aws:health:us-east-1::event/X/Y/other")
    del first["impacted_services"]
    second["impacted_services"] = None
    summary = aws.parse_current_events([first, second])
    assert (summary.components, [i.impact for i in summary.incidents], summary.indicator) == (
        (),
        ["major", "minor"],
        "major",
    )


BASE = json.loads(own_engine_fixture(OWN))


def _mutated(change) -> list:
    document = copy.deepcopy(BASE)
    change(document)
    return document


def test_a_resolved_event_is_not_read_further():
    # Its other fields can be anything: only open events become series.
    assert aws.parse_current_events([{"status": "0", "arn": None}]) == Summary(NO_PAGE, "none", (), (), ())


def test_an_object_instead_of_the_array_is_invalid_payload():
    with pytest.raises(InvalidPayload) as caught:
        interpret(b'{"events": []}')
    assert str(caught.value) == "document: expected an array, got dict"
