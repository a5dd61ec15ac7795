"""The google_cloud engine: Google Cloud's `/incidents.json` history feed -> Summary, read element by element."""

from __future__ import annotations

import copy
import json
import time
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exporter.engines import ENGINES, Body, google_cloud
from exporter.engines.base import MAX_BODY_BYTES
from exporter.errors import FetchError, InvalidPayload
from exporter.model import Component, Incident, Page, Summary
from tests.engine_fixtures import own_engine_fixture, shared_engine_fixture
from tests.json_strategies import ANY_JSON, nearly

CAPTURE = "gcp-incidents-2026-02-27-vertex-gemini-TRIMMED-by-source.json"
OWN = "gcp-incidents-two-open-one-ended.json"
NO_PAGE = Page(id="", name="", url="", updated_at=None)
EMPTY = Summary(NO_PAGE, "none", (), (), ())


def interpret(content: bytes, content_type: str = "application/json") -> Summary:
    return ENGINES["google_cloud"].interpret([Body(content, content_type)])


def incident(id_="i1", *, end=None, severity="low", status_impact="SERVICE_INFORMATION", products=(("p1", "P"),)):
    obj = {
        "id": id_,
        "begin": "2026-11-28T05:00:00+00:00",
        "external_desc": f"Incident {id_}",
        "severity": severity,
        "status_impact": status_impact,
        "affected_products": [{"id": pid, "title": title} for pid, title in products],
    }
    if end is not None:
        obj["end"] = end
    return obj


def test_endpoint_is_incidents_json_under_the_url_and_the_cap_is_raised():
    engine = ENGINES["google_cloud"]
    assert engine.endpoints("https://status.cloud.google.com") == ("https://status.cloud.google.com/incidents.json",)
    assert engine.max_bytes == 32 * 1024 * 1024 > MAX_BODY_BYTES


def test_real_capture_its_one_incident_has_ended():
    assert interpret(shared_engine_fixture(CAPTURE)) == EMPTY


def test_real_capture_reopened_is_one_incident_over_four_products():
    [document] = json.loads(shared_engine_fixture(CAPTURE))
    del document["end"]
    summary = interpret(json.dumps([document]).encode())
    degraded = "degraded_performance"
    assert summary == Summary(
        page=NO_PAGE,
        indicator="minor",
        components=(
            Component("eUntUKqUrHdbBLNcVVXq", "Agent Assist", degraded, "", None),
            Component("BnCicQdHSdxaCv8Ya6Vm", "Dialogflow CX", degraded, "", None),
            Component("Z0FZJAMvEB4j3NbCJs6B", "Vertex Gemini API", degraded, "", None),
            Component("bGThzF7oEGP5jcuDdMuk", "Google Cloud Support", degraded, "", None),
        ),
        incidents=(
            Incident(
                "41E5S3mkTGDfkZuJZH5k",
                "Vertex AI Gemini API customers experienced increased error rates when accessing the global endpoint.",
                "active",
                "minor",
                1772195820.0,
            ),
        ),
        maintenances=(),
    )


def test_two_open_incidents_share_a_product_and_the_ended_one_is_left_out():
    summary = interpret(own_engine_fixture(OWN))
    assert summary == Summary(
        page=NO_PAGE,
        indicator="critical",
        components=(
            Component("UwaYoXQ5bHYHG6EdiPB8", "Cloud Storage", "major_outage", "", None),
            Component("9D7d2iNBQWN24zc1VamE", "Cloud Run", "major_outage", "", None),
            Component("fw8GzBdZdqy4THau7e1y", "Cloud Build", "degraded_performance", "", None),
        ),
        incidents=(
            Incident(
                "openOutage00000000001", "Cloud Storage requests fail in us-east1", "active", "critical", 1795842000.0
            ),
            Incident(
                "openInfo000000000002", "Delays in Cloud Run and Cloud Build logs", "active", "minor", 1795834800.0
            ),
        ),
        maintenances=(),
    )


@pytest.mark.parametrize(
    ("status_impact", "status"),
    [
        ("SERVICE_INFORMATION", "degraded_performance"),
        ("SERVICE_DISRUPTION", "partial_outage"),
        ("SERVICE_OUTAGE", "major_outage"),
        ("SERVICE_MAINTENANCE", "service_maintenance"),  # beyond the vocabulary: a series of its own
    ],
)
def test_status_impact_is_the_component_status(status_impact, status):
    summary = google_cloud.parse_incidents([incident(status_impact=status_impact)])
    assert [c.status for c in summary.components] == [status]


@pytest.mark.parametrize(
    ("severity", "impact", "indicator"),
    [
        ("low", "minor", "minor"),
        ("medium", "major", "major"),
        ("high", "critical", "critical"),
        ("High", "critical", "critical"),
        ("urgent", "urgent", "minor"),  # beyond the vocabulary: kept; the indicator ignores it
    ],
)
def test_severity_is_the_impact_and_the_indicator_is_the_worst(severity, impact, indicator):
    summary = google_cloud.parse_incidents([incident(severity=severity)])  # its product is degraded: minor
    assert [i.impact for i in summary.incidents] == [impact]
    assert summary.indicator == indicator


@pytest.mark.parametrize(
    ("end", "open_"),
    [(None, True), ("2026-11-28T06:00:00+00:00", False)],
)
def test_an_incident_is_open_while_it_has_no_end(end, open_):
    with_key = incident(end=end)
    with_key.setdefault("end", None)
    for document in ([incident(end=end)], [with_key]):
        assert len(google_cloud.parse_incidents(document).incidents) == (1 if open_ else 0)


def test_an_ended_incident_is_not_read_further():
    assert google_cloud.parse_incidents([{"end": "2026-11-28T06:00:00+00:00", "affected_products": None}]) == EMPTY


BASE = json.loads(own_engine_fixture(OWN))


def _mutated(change) -> list:
    document = copy.deepcopy(BASE)
    change(document)
    return document


@pytest.mark.parametrize(
    ("text", "failure"),
    [
        ("[]", None),
        (" \n[ \t]\r\n", None),
        ("[{}", "invalid_json"),
        ("[", "invalid_json"),
        ("", "invalid_json"),
        ("[{},]", "invalid_json"),
        ("[{} {}]", "invalid_json"),
        ("[] []", "invalid_json"),
        ("[]x", "invalid_json"),
        ("\ufeff[]", None),  # decoded by its BOM
        ("{}", "document: expected an array, got dict"),
        ("null", "document: expected an array, got null"),
        ("nul", "invalid_json"),
        ("[" * 100_000 + "]" * 100_000, "invalid_json"),
    ],
)
def test_the_array_is_walked_as_json_loads_reads_it(text, failure):
    if failure is None:
        assert interpret(text.encode("utf-8")) == EMPTY
        return
    with pytest.raises((FetchError, InvalidPayload)) as caught:
        interpret(text.encode("utf-8"))
    error = caught.value
    assert (error.reason if isinstance(error, FetchError) else str(error)) == failure


def _outcome(parse, argument):
    try:
        return parse(argument)
    except InvalidPayload as err:
        return ("invalid_payload", str(err))
    except FetchError as err:
        return (err.reason,)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ANY_JSON | nearly(BASE[0]), max_size=4) | ANY_JSON, st.sampled_from([None, 0, 2]))
def test_streaming_a_document_gives_what_parsing_it_whole_gives(document, indent):
    streamed = _outcome(interpret, json.dumps(document, indent=indent).encode())
    assert streamed == _outcome(google_cloud.parse_incidents, document)


@given(st.text(alphabet='[]{},:" \n0123456789.-enultrsfa\\', max_size=40))
def test_any_text_streams_as_json_loads_reads_it(text):
    try:
        decoded = json.loads(text)
    except ValueError:
        assert _outcome(interpret, text.encode()) == ("invalid_json",)
    else:
        assert _outcome(interpret, text.encode()) == _outcome(google_cloud.parse_incidents, decoded)


def history_feed(incidents: int) -> bytes:
    """A feed as long as the real one gets: many ended incidents with their updates, one still open."""
    ended = incident("ended", end="2026-11-20T02:00:00+00:00", products=[("p1", "P")] * 3)
    ended["updates"] = [{"text": "x" * 400, "status": "AVAILABLE", "when": "2026-11-20T02:00:00+00:00"}] * 4
    return json.dumps([incident("open", severity="high")] + [ended] * incidents).encode()


def test_a_long_history_is_read_without_holding_its_tree():
    feed = history_feed(5000)  # about 11 MB
    tracemalloc.start()
    try:
        summary = interpret(feed)
        _, streamed_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        json.loads(feed)
        _, whole_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [i.id for i in summary.incidents] == ["open"]
    # The decoded text (the size of the feed) plus one incident at a time, not the whole tree.
    assert streamed_peak < 1.2 * len(feed) < whole_peak


def test_a_feed_of_more_items_than_one_array_may_hold_is_refused_as_soon_as_the_limit_is_passed():
    """Regression: a 32 MiB array of small elements was decoded one by one, 20 s after the deadline."""
    body = b"[" + b"1," * (16 * 1024 * 1024 - 2) + b"1]"
    started = time.monotonic()
    with pytest.raises(InvalidPayload) as caught:
        google_cloud.ENGINE.interpret([Body(body, "application/json")])
    assert str(caught.value) == "document: more than 20000 items, over the limit of 20000 items in one array"
    assert time.monotonic() - started < 2.0
