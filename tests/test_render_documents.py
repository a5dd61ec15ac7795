"""api and pagestatus: the JSON documents of /api/v1/status and /api/v1/pages, on real captured pages."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from exporter.engines import ENGINES
from exporter.engines.statuspage import parse_summary
from exporter.patterns import compile_pattern
from exporter.render import documents as api
from exporter.render.status_view import PageStatus, page_status, worst_first
from exporter.vocabulary import REASONS
from tests import engine_samples, payloads, shared_fixtures
from tests.statusdocs import NOW, SCHEMAS, assert_valid, settings, view

GITHUB_OUTAGE = "githubstatus-summary-2020-04-02-major-outage-unresolved-incident.json"
GITHUB_MAINTENANCE = "githubstatus-summary-2020-12-17-maintenance-in-progress.json"
INTERCOM_GROUPS = "intercomstatus-summary-2023-10-22-component-groups-operational.json"
SUMMARIES = [p for p in payloads.shared_payloads() if "-summary-" in p.name]


def shared(name: str):
    return parse_summary(json.loads(shared_fixtures.shared_bytes(name, shared_fixtures.STATUSPAGE)))


def test_status_of_githubs_real_outage_carries_every_value_as_the_metrics_do():
    status = page_status(settings(), view(shared(GITHUB_OUTAGE), last_success=1_585_859_900.5))
    code, document = api.status_body(status)
    assert code == 200
    assert document["page"] == {
        "name": "GitHub",
        "url": "https://www.githubstatus.com",
        "engine": "statuspage",
        "id": "kctbh9vrtdwd",
        "updated_at": "2020-04-02T20:37:08.838Z",
    }
    assert (document["indicator"], document["up"], document["stale"]) == ("major", True, False)
    assert document["last_success"] == "2020-04-02T20:38:20.500Z"
    assert [(c["name"], c["status"]) for c in document["components"]] == [
        ("Git Operations", "major_outage"),
        ("API Requests", "major_outage"),
        ("Webhooks", "major_outage"),
        ("Issues, PRs, Projects", "major_outage"),
        ("GitHub Actions", "partial_outage"),
        ("GitHub Packages", "major_outage"),
        ("GitHub Pages", "operational"),
        ("Other", "operational"),
    ]  # the placeholder "Visit www.githubstatus.com ..." is excluded, as from the metrics
    assert document["components"][0] == {
        "id": "8l4ygp009s5s",
        "name": "Git Operations",
        "group": "",
        "status": "major_outage",
        "updated_at": "2020-04-02T20:26:21.656Z",
    }
    assert document["incidents"] == [
        {
            "id": "80d0cs6kpsps",
            "name": "Incident on 2020-04-02 20:20 UTC",
            "impact": "major",
            "status": "investigating",
            "started_at": "2020-04-02T20:20:54.005Z",
        }
    ]
    assert document["maintenances"] == []


def test_status_of_a_maintenance_in_progress_lists_it_with_its_window():
    _, document = api.status_body(page_status(settings(), view(shared(GITHUB_MAINTENANCE))))
    assert document["indicator"] == "maintenance"
    assert document["maintenances"] == [
        {
            "id": "3jr0nb7zjpbm",
            "name": "macOS virtual environment maintenance",
            "status": "in_progress",
            "scheduled_for": "2020-12-15T10:00:00Z",
            "scheduled_until": "2020-12-19T04:00:00Z",
        }
    ]


def test_components_carry_their_groups_name_and_groups_themselves_are_not_listed():
    _, document = api.status_body(
        page_status(settings(url="https://www.intercomstatus.com"), view(shared(INTERCOM_GROUPS)))
    )
    by_id = {c["id"]: c for c in document["components"]}
    assert by_id["xzpq23q4ckcn"]["group"] == "Intercom Messenger"
    assert by_id["xfj8yn0vwrrn"]["group"] == ""
    assert "0mw0pdgvs1l3" not in by_id  # the group "Intercom Messenger"
    assert len(document["components"]) == 20  # 24 objects, 4 of them groups


@pytest.mark.parametrize("path", SUMMARIES, ids=lambda p: p.name)
@pytest.mark.parametrize(("up", "stale"), [(True, False), (False, True)])
def test_every_captured_page_gives_a_status_document_valid_against_the_schema(path, up, stale):
    summary = parse_summary(json.loads(path.read_text(encoding="utf-8")))
    document = api.status_document(page_status(settings(), view(summary, up=up)), 12.5)
    parsed = json.loads(document.body)
    assert_valid("status", parsed)
    assert (document.status, parsed["up"], parsed["stale"]) == (200, up, stale)


@pytest.mark.parametrize(
    ("error", "reason", "detail"),
    [
        (("http_status", "HTTP 502"), "http_status", "HTTP 502"),
        (("rate_limited", "HTTP 429"), "rate_limited", "HTTP 429"),
        (("", ""), "timeout", "no answer from the status page yet"),
    ],
)
def test_no_data_is_a_503_with_the_classified_reason_and_a_retry_after(error, reason, detail):
    document = api.status_document(page_status(settings(), view(None, up=False, last_success=0.0, error=error)), 0.2)
    parsed = json.loads(document.body)
    assert (document.status, document.max_age) == (503, 1)
    assert parsed == {"up": False, "error": {"reason": reason, "detail": detail}}
    assert_valid("status", parsed)


@pytest.mark.parametrize(("seconds", "max_age"), [(0.0, 0), (0.01, 1), (29.2, 30), (30.0, 30)])
def test_max_age_is_the_whole_seconds_until_the_next_refresh_is_due(seconds, max_age):
    summary = parse_summary(payloads.summary())
    assert api.status_document(page_status(settings(), view(summary)), seconds).max_age == max_age


@pytest.mark.parametrize(("up", "seconds", "max_age"), [(True, 29.2, 30), (True, 0.0, 0), (False, 0.0, 1)])
def test_a_kept_encoding_gives_the_same_bytes_with_the_real_age(up, seconds, max_age):
    status = page_status(settings(), view(parse_summary(payloads.summary()) if up else None, up=up))
    encoded = api.encode_status(status)
    document = api.status_document(status, seconds, encoded=encoded)
    assert document == dataclasses.replace(api.status_document(status, seconds), body=document.body)
    assert (document.body, document.max_age) == (encoded.body, max_age)
    assert document.body is encoded.body  # no second encoding


def test_etag_follows_the_body_bytes():
    summary = parse_summary(payloads.summary())
    first = api.status_document(page_status(settings(), view(summary)), 10)
    again = api.status_document(page_status(settings(), view(summary)), 3)
    changed = api.status_document(page_status(settings(), view(summary, up=False)), 10)
    assert first.etag == again.etag == api.etag(first.body)
    assert re.fullmatch(r'"[0-9a-f]{32}"', first.etag)
    assert changed.etag != first.etag


def test_hostile_and_odd_text_is_encoded_as_ascii_json_that_round_trips():
    name = '<script>alert(1)</script> "quoted" \ufffd é \u2028'
    summary = parse_summary(payloads.summary([payloads.component(name, id="hostile00001")]))
    document = api.status_document(page_status(settings(), view(summary)), 1)
    assert document.body.isascii()
    assert json.loads(document.body)["components"][0]["name"] == name


@pytest.mark.parametrize(
    ("exclude", "names"),
    [(None, ["Visit www.githubstatus.com", "Actions"]), (compile_pattern("^Visit"), ["Actions"])],
)
def test_the_document_applies_the_pages_exclusion_and_none_excludes_nothing(exclude, names):
    components = [payloads.component("Visit www.githubstatus.com", id="visit0000001"), payloads.component("Actions")]
    summary = parse_summary(payloads.summary(components))
    _, document = api.status_body(page_status(settings(exclude=exclude), view(summary)))
    assert [c["name"] for c in document["components"]] == names


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (None, None),
        (0.0, "1970-01-01T00:00:00Z"),
        (NOW, "2026-11-28T06:00:00Z"),
        (NOW + 0.123, "2026-11-28T06:00:00.123Z"),
        (NOW + 0.9996, "2026-11-28T06:00:01Z"),
    ],
)
def test_rfc3339_is_utc_with_z_and_milliseconds_only_when_there_are_any(moment, text):
    assert api.rfc3339(moment) == text


def test_pages_lists_every_page_from_the_cache_with_its_state_worst_first():
    major = parse_summary(payloads.summary(indicator="major"))
    statuses = [
        page_status(settings(), view(shared(GITHUB_OUTAGE)), is_default=True),
        page_status(settings("cloudflare", "https://www.cloudflarestatus.com"), view(major, up=False)),
        page_status(settings("discord", "https://discordstatus.com"), view(None, up=False, last_success=0.0)),
    ]
    document = api.pages_document(statuses)
    parsed = json.loads(document.body)
    assert_valid("pages", parsed)
    assert parsed == {
        "pages": [
            {
                "name": "discord",
                "default": False,
                "url": "https://discordstatus.com",
                "engine": "statuspage",
                "title": "discord",
                "indicator": None,
                "components_worst_status": None,
                "up": False,
                "stale": False,
            },
            {
                "name": "default",
                "default": True,
                "url": "https://www.githubstatus.com",
                "engine": "statuspage",
                "title": "GitHub",
                "indicator": "major",
                "components_worst_status": "major_outage",
                "up": True,
                "stale": False,
            },
            {
                "name": "cloudflare",
                "default": False,
                "url": "https://www.cloudflarestatus.com",
                "engine": "statuspage",
                "title": "Example",
                "indicator": "major",
                "components_worst_status": "operational",
                "up": False,
                "stale": True,
            },
        ]
    }


def _page(name: str, indicator: str, *statuses: str) -> PageStatus:
    components = [payloads.component(f"{name} {i}", status, id=f"{name}{i:010d}") for i, status in enumerate(statuses)]
    summary = parse_summary(payloads.summary(components, indicator=indicator))
    return page_status(settings(name, f"https://{name}.example"), view(summary))


@pytest.mark.parametrize(
    ("pages", "order"),
    [
        # No data first; then the worst component in scope; then the indicator; ties keep their order.
        (
            [
                _page("calm", "none", "operational"),
                _page("minor", "minor", "operational"),
                page_status(settings("down", "https://down.example"), view(None, up=False)),
                _page("maint", "maintenance", "under_maintenance"),
                _page("outage", "none", "operational", "major_outage"),
                _page("partial", "critical", "partial_outage"),
                _page("degraded", "major", "degraded_performance"),
                _page("unknown", "none", "operational", "sleeping"),
                _page("calm2", "none"),
            ],
            ["down", "outage", "partial", "degraded", "maint", "unknown", "minor", "calm", "calm2"],
        ),
        ([_page("b", "none"), _page("a", "none"), _page("c", "none")], ["b", "a", "c"]),
    ],
)
def test_pages_are_ordered_worst_first_by_data_then_components_then_indicator(pages, order):
    assert [page.target for page in worst_first(pages)] == order
    assert [page["name"] for page in api.pages_body(pages)["pages"]] == order


@pytest.mark.parametrize(
    ("include", "exclude", "worst"),
    [
        (None, None, "major_outage"),
        (re.compile("^Actions$"), None, "degraded_performance"),
        (re.compile("^(Actions|Pages)$"), re.compile("^Actions"), "operational"),
        (re.compile("^Nothing$"), None, "operational"),
    ],
)
def test_the_worst_component_status_is_that_of_the_components_in_scope(include, exclude, worst):
    components = [
        payloads.component("Actions", "degraded_performance"),
        payloads.component("Pages"),
        payloads.component("Git Operations", "major_outage"),
    ]
    summary = parse_summary(payloads.summary(components, indicator="critical"))
    status = page_status(settings(include=include, exclude=exclude), view(summary))
    (page,) = api.pages_body([status])["pages"]
    assert (page["components_worst_status"], page["indicator"]) == (worst, "critical")


@pytest.mark.parametrize(
    ("summary", "up", "state"),
    [
        (parse_summary(payloads.summary()), True, "up"),
        (parse_summary(payloads.summary()), False, "stale"),
        (None, False, "down"),
    ],
)
def test_page_state_says_up_stale_or_down(summary, up, state):
    assert page_status(settings(), view(summary, up=up)).state == state


# -- every engine ------------------------------------------------------------------------------------

#: Engines whose documents have no incidents or maintenances at all (Azure DevOps: health only).
PUBLISH_NO_EVENTS = frozenset({"azure_devops"})


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_every_engines_sample_gives_documents_valid_against_the_schemas(engine):
    assert engine in engine_samples.SAMPLES, f"add a tiny sample page for engine {engine!r} to tests/engine_samples.py"
    summary = ENGINES[engine].interpret(engine_samples.SAMPLES[engine].bodies())
    status = page_status(settings(engine=engine), view(summary))
    document = json.loads(api.status_document(status, 5).body)
    assert_valid("status", document)
    assert document["page"]["engine"] == engine
    assert len(document["components"]) >= 1
    if engine in PUBLISH_NO_EVENTS:
        assert (document["incidents"], document["maintenances"]) == ([], [])
    else:
        assert len(document["incidents"]) + len(document["maintenances"]) >= 1
    assert_valid("pages", json.loads(api.pages_document([status]).body))


@pytest.mark.parametrize(
    ("engine", "files"),
    [(engine, files) for engine, captures in sorted(engine_samples.SHARED_CAPTURES.items()) for files in captures],
    ids=lambda value: value if isinstance(value, str) else "+".join(value),
)
def test_every_engines_real_captures_give_documents_valid_against_the_schema(engine, files):
    found = engine_samples.shared_bodies(files)
    summary = ENGINES[engine].interpret(found)
    for up in (True, False):
        document = json.loads(api.status_document(page_status(settings(engine=engine), view(summary, up=up)), 5).body)
        assert_valid("status", document)
        assert document["stale"] is not up


def test_the_schemas_error_reasons_are_the_exporters_fetch_error_reasons():
    schema = json.loads((SCHEMAS / "status.schema.json").read_text(encoding="utf-8"))
    found = [
        node["reason"]["enum"]
        for node in _walk(schema)
        if isinstance(node, dict) and isinstance(node.get("reason"), dict) and "enum" in node["reason"]
    ]
    assert [tuple(values) for values in found] == [REASONS]


def _walk(node):
    yield node
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    for child in children:
        yield from _walk(child)


@pytest.mark.parametrize(
    ("page", "cache_view", "title", "engine"),
    [
        (dataclasses.replace(settings(), title="GitHub"), view(None, up=False), "GitHub", "statuspage"),
        (settings(name="vendor"), view(None, up=False), "vendor", "statuspage"),
        (
            dataclasses.replace(settings(engine="auto"), title="GitHub"),
            dataclasses.replace(view(None, up=False), engine="incidentio"),
            "GitHub",
            "incidentio",
        ),
    ],
)
def test_before_data_a_page_is_called_by_its_catalog_name_and_shows_the_engine_in_use(page, cache_view, title, engine):
    status = page_status(page, cache_view)
    assert (status.title, status.engine) == (title, engine)
