"""Property-based tests: whatever the status page sends, the parser and the exposition hold."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from exporter.engines import ENGINES
from exporter.engines.statuspage import parse_summary
from exporter.errors import FetchError, InvalidPayload
from exporter.fetch.answers import interpret
from exporter.fetch.transport import Answer
from exporter.model import Summary
from tests import payloads
from tests.json_strategies import ANY_JSON, FIELD_VALUES, render

URL = "https://status.example.com/api/v2/summary.json"
KEYS = [
    "id",
    "name",
    "status",
    "impact",
    "group",
    "group_id",
    "updated_at",
    "started_at",
    "created_at",
    "scheduled_for",
    "scheduled_until",
    "components",
    "indicator",
]
OBJECTS = st.dictionaries(st.sampled_from(KEYS), FIELD_VALUES, max_size=len(KEYS))
NEARLY_SUMMARIES = st.fixed_dictionaries(
    {},
    optional={
        "page": st.dictionaries(st.sampled_from(["id", "name", "url", "updated_at"]), FIELD_VALUES) | FIELD_VALUES,
        "status": OBJECTS | FIELD_VALUES,
        "components": st.lists(OBJECTS, max_size=4) | FIELD_VALUES,
        "incidents": st.lists(OBJECTS, max_size=3) | FIELD_VALUES,
        "scheduled_maintenances": st.lists(OBJECTS, max_size=3) | FIELD_VALUES,
    },
)


def _parses_or_is_invalid(document) -> None:
    try:
        summary = parse_summary(document)
    except InvalidPayload:
        return
    assert isinstance(summary, Summary)
    render(summary)  # and whatever parsed can be written out


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(ANY_JSON)
def test_any_json_value_parses_or_raises_invalid_payload(document):
    _parses_or_is_invalid(document)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(NEARLY_SUMMARIES)
def test_nearly_right_documents_parse_or_raise_invalid_payload(document):
    _parses_or_is_invalid(document)


@given(st.binary(max_size=200) | ANY_JSON.map(lambda v: json.dumps(v).encode()))
def test_any_body_is_a_summary_or_a_typed_failure(body):
    try:
        interpret(ENGINES["statuspage"], [Answer(URL, 200, {}, body)], ())
    except FetchError as err:
        assert err.reason in ("invalid_json", "invalid_payload")


NAMES = st.text(min_size=1, max_size=40)


@given(component_names=st.lists(NAMES, min_size=1, max_size=5, unique=True), incident_name=NAMES)
def test_names_come_back_unchanged_through_the_exposition(component_names, incident_name):
    document = payloads.summary(
        [payloads.component(name, id=f"c{i}") for i, name in enumerate(component_names)],
        incidents=[payloads.incident(incident_name)],
    )
    text = render(parse_summary(json.loads(json.dumps(document))))
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert {s.labels["component"] for s in families["statuspage_component_status"].samples} == set(component_names)
    assert [s.labels["name"] for s in families["statuspage_incident_info"].samples] == [incident_name]


def test_lone_surrogates_from_json_escapes_become_replacement_characters():
    document = json.loads(
        '{"status": {"indicator": "none"}, "components": [{"id": "a", "name": "x\\ud800y", "status": "operational"}]}'
    )
    summary = parse_summary(document)
    assert summary.components[0].name == "x\ufffdy"
    assert 'component="x\ufffdy"' in render(summary)
