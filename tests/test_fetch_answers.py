"""interpret: answers -> FetchResult or a classified FetchError, without sockets or mocks."""

from __future__ import annotations

import json

import pytest

from exporter.engines import ENGINES, Body, Engine
from exporter.errors import FetchError
from exporter.fetch.answers import FetchResult, Remembered, Validators, check_status, interpret
from exporter.fetch.transport import Answer
from exporter.model import Page, Summary
from tests import payloads

URL = "https://status.example.com/api/v2/summary.json"
STATUSPAGE = ENGINES["statuspage"]


def ok(document: dict, **headers: str) -> Answer:
    return Answer(URL, 200, {"Content-Type": "application/json", **headers}, json.dumps(document).encode())


def test_a_200_is_parsed_and_its_validators_remembered():
    result = interpret(STATUSPAGE, [ok(payloads.summary(indicator="major"), ETag='"v1"')], ())
    assert (result.status, result.summary.indicator) == (200, "major")
    assert result.memo == (Remembered(Validators('"v1"', None)),)


def test_a_304_confirms_the_page_and_keeps_what_was_remembered():
    memo = (Remembered(Validators('"v1"', "Sat, 28 Nov 2026 05:00:00 GMT")),)
    assert interpret(STATUSPAGE, [Answer(URL, 304, {"ETag": '"v1"'})], memo) == FetchResult(
        304, None, memo, "statuspage"
    )


@pytest.mark.parametrize(
    ("status", "headers", "reason", "retry_after"),
    [
        (429, {"Retry-After": "120"}, "rate_limited", 120.0),
        (429, {}, "rate_limited", None),
        (503, {"Retry-After": "30"}, "http_status", 30.0),
        (500, {"Retry-After": "30"}, "http_status", None),
        (404, {}, "http_status", None),
        (302, {"Location": "/elsewhere"}, "http_status", None),
    ],
)
def test_any_status_but_200_and_304_is_classified(status, headers, reason, retry_after):
    with pytest.raises(FetchError) as caught:
        check_status(Answer(URL, status, headers))
    assert (caught.value.reason, caught.value.status, caught.value.retry_after) == (reason, status, retry_after)
    assert caught.value.detail == f"HTTP {status}"


@pytest.mark.parametrize(
    ("body", "reason", "detail_start"),
    [
        (b"<html>maintenance</html>", "invalid_json", "body is not JSON: "),
        (b"null", "invalid_payload", "document: expected an object, got null"),
        (b'{"status": {"indicator": "none"}}', "invalid_payload", "document: missing 'components'"),
    ],
)
def test_a_body_that_is_not_the_engines_document_is_classified(body, reason, detail_start):
    with pytest.raises(FetchError) as caught:
        interpret(STATUSPAGE, [Answer(URL, 200, {}, body)], ())
    assert (caught.value.reason, caught.value.status) == (reason, 200)
    assert caught.value.detail.startswith(detail_start)


# -- an engine that reads two documents ------------------------------------------------------------

EMPTY = Summary(Page("", "", "", None), "none", (), (), ())


def two_document_engine(seen: list) -> Engine:
    def interpret_both(bodies):
        seen.append([body.content for body in bodies])
        return EMPTY

    return Engine("two", lambda url: (url + "/a", url + "/b"), interpret_both)


def test_two_documents_are_interpreted_together_and_each_keeps_its_validators_and_body():
    seen: list = []
    answers = [Answer(URL, 200, {"ETag": '"a1"'}, b"A"), Answer(URL, 200, {"ETag": '"b1"'}, b"B")]
    result = interpret(two_document_engine(seen), answers, ())
    assert seen == [[b"A", b"B"]]
    assert result.memo == (
        Remembered(Validators('"a1"'), Body(b"A")),
        Remembered(Validators('"b1"'), Body(b"B")),
    )


def test_a_304_for_one_of_two_documents_reuses_its_last_body():
    seen: list = []
    memo = (Remembered(Validators('"a1"'), Body(b"A")), Remembered(Validators('"b1"'), Body(b"B")))
    answers = [Answer(URL, 304, {}), Answer(URL, 200, {"ETag": '"b2"'}, b"B2")]
    result = interpret(two_document_engine(seen), answers, memo)
    assert (result.status, seen) == (200, [[b"A", b"B2"]])
    assert result.memo == (memo[0], Remembered(Validators('"b2"'), Body(b"B2")))


def test_304_for_both_documents_is_not_modified_without_interpreting():
    seen: list = []
    memo = (Remembered(Validators('"a1"'), Body(b"A")), Remembered(Validators('"b1"'), Body(b"B")))
    result = interpret(two_document_engine(seen), [Answer(URL, 304, {}), Answer(URL, 304, {})], memo)
    assert (result, seen) == (FetchResult(304, None, memo, "two"), [])


def test_a_304_for_a_document_never_received_is_an_http_status_failure():
    with pytest.raises(FetchError) as caught:
        interpret(two_document_engine([]), [Answer(URL, 304, {}), Answer(URL, 200, {}, b"B")], ())
    assert (caught.value.reason, caught.value.status) == ("http_status", 304)


def test_a_304_to_a_request_that_sent_no_validators_is_an_http_status_failure():
    """Regression: it counted as a success with no data, and /api/v1/status contradicted statuspage_up."""
    with pytest.raises(FetchError) as caught:
        interpret(STATUSPAGE, [Answer(URL, 304, {})], ())
    assert (caught.value.reason, caught.value.status) == ("http_status", 304)


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        (
            lambda d: d["page"].update(updated_at="9999-12-31T23:30:00-05:00"),
            "page.updated_at: time out of range (1970 to 9999): '9999-12-31T23:30:00-05:00'",
        ),
        (
            lambda d: d["page"].update(updated_at="0500-01-01T00:00:00Z"),
            "page.updated_at: time out of range (1970 to 9999): '0500-01-01T00:00:00Z'",
        ),
        (lambda d: d["status"].update(indicator=""), "summary indicator: empty"),
        (lambda d: d["components"][0].update(status=""), "component status: empty"),
    ],
)
def test_times_no_renderer_can_write_and_empty_state_words_are_invalid_payload(change, detail):
    """Regression: a far-off date made /api/v1/status and / answer 500; an empty indicator broke the schema."""
    document = payloads.summary()
    change(document)
    with pytest.raises(FetchError) as caught:
        interpret(STATUSPAGE, [ok(document)], ())
    assert (caught.value.reason, caught.value.detail) == ("invalid_payload", detail)


def test_the_model_refuses_a_time_out_of_range_whatever_engine_built_it():
    from exporter.errors import InvalidPayload
    from exporter.model import LATEST_SECONDS, Maintenance

    assert Maintenance("m", "n", "scheduled", 0.0, LATEST_SECONDS).scheduled_until == LATEST_SECONDS
    with pytest.raises(InvalidPayload, match="maintenance scheduled_until: time out of range"):
        Maintenance("m", "n", "scheduled", 0.0, LATEST_SECONDS + 60)


@pytest.mark.parametrize(
    ("kind", "change"),
    [
        ("component", lambda d: d["components"].append(dict(d["components"][0]))),
        (
            "incident",
            lambda d: d["incidents"].extend([payloads.incident("a", id="i1"), payloads.incident("b", id="i1")]),
        ),
    ],
)
def test_an_id_a_page_repeats_is_invalid_payload_not_a_duplicate_series(kind, change):
    """Regression: a repeated incident id gave two identical series, and Prometheus refuses such a scrape."""
    document = payloads.summary()
    change(document)
    with pytest.raises(FetchError) as caught:
        interpret(STATUSPAGE, [ok(document)], ())
    assert caught.value.reason == "invalid_payload"
    assert caught.value.detail.startswith(f"{kind} id ") and caught.value.detail.endswith(" appears twice")


def test_new_bodies_carry_the_receive_time_and_their_following_pages():
    seen: list = []

    def keep(bodies):
        seen.extend(bodies)
        return EMPTY

    engine = Engine("paged", lambda url: (url + "/a",), keep)
    pages = [[Answer(URL + "?page=2", 200, {"Content-Type": "application/json"}, b"A2")]]
    result = interpret(engine, [Answer(URL, 200, {"ETag": '"a1"'}, b"A1")], (), pages, now=1795842000.0)
    assert seen == [Body(b"A1", "", (Body(b"A2", "application/json", received_at=1795842000.0),), 1795842000.0)]
    assert result.memo == (Remembered(Validators(), None),)  # several pages: no validators
