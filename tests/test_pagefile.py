"""pagefile.load_pages: the strict --config.file, with exact messages for every kind of mistake."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from exporter.config import ConfigError, load
from exporter.engines import PageOptions, engine_names
from exporter.pagefile import PageSettings, default_page, load_pages
from exporter.patterns import compile_pattern

FLAGS = load(["--cache.ttl", "45s", "--fetch.timeout", "3s", "--components.exclude", "^Visit"], {})


def write(tmp_path, text: str) -> str:
    path = tmp_path / "pages.yml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_pages_take_the_flags_as_defaults_and_their_own_overrides(tmp_path):
    path = write(
        tmp_path,
        """
pages:
  - name: github
    url: https://www.githubstatus.com
  - name: cloudflare
    url: https://www.cloudflarestatus.com/
    cache_ttl: 60s
    cache_max_stale: 1h
    fetch_timeout: 2s
    components_exclude: "^$"
""",
    )
    assert load_pages(path, FLAGS) == (
        PageSettings(
            "github", "https://www.githubstatus.com", 45.0, 600.0, 3.0, compile_pattern("^Visit"), title="GitHub"
        ),
        PageSettings(
            "cloudflare",
            "https://www.cloudflarestatus.com",
            60.0,
            3600.0,
            2.0,
            compile_pattern("^$"),
            title="Cloudflare",
        ),
    )


def test_an_empty_exclude_exports_every_component_and_the_engine_defaults_to_statuspage(tmp_path):
    path = write(tmp_path, 'pages:\n  - name: a\n    url: https://a.example\n    components_exclude: ""\n')
    [page] = load_pages(path, FLAGS)
    assert (page.components_exclude, page.engine) == (None, "statuspage")


def test_include_is_a_pages_own_and_never_the_default_pages_flag(tmp_path):
    text = "pages:\n  - name: a\n    url: https://a.example\n  - name: b\n    url: https://b.example\n"
    text += '    components_include: "^(API|Git Operations)$"\n  - name: c\n    url: https://c.example\n'
    text += '    components_include: ""\n'
    flags = dataclasses.replace(FLAGS, components_include=compile_pattern("Actions"))
    pages = load_pages(write(tmp_path, text), flags)
    assert [page.components_include for page in pages] == [None, compile_pattern("^(API|Git Operations)$"), None]
    assert [page.components_exclude for page in pages] == [compile_pattern("^Visit")] * 3  # exclude: the flag's


def test_one_url_read_by_two_engines_is_two_pages(tmp_path):
    text = (
        "pages:\n  - name: a\n    url: https://status.openai.com\n"
        "  - name: b\n    url: https://status.openai.com\n    engine: statuspage\n"
    )
    with pytest.raises(ConfigError, match="duplicate url"):
        load_pages(write(tmp_path, text), FLAGS)  # the same engine twice is a mistake
    pages = load_pages(write(tmp_path, text.replace("engine: statuspage", "engine: incidentio")), FLAGS)
    assert [(page.name, page.engine) for page in pages] == [("a", "statuspage"), ("b", "incidentio")]
    assert pages[0].fetch_key != pages[1].fetch_key


def test_feed_max_age_defaults_to_7_days_and_is_part_of_the_fetch(tmp_path):
    text = (
        "pages:\n  - name: a\n    url: https://a.example/feed.atom\n    engine: feed\n"
        "  - name: b\n    url: https://b.example/feed.atom\n    engine: feed\n    feed_max_age: 1d12h\n"
    )
    a, b = load_pages(write(tmp_path, text), FLAGS)
    assert (a.feed_max_age, b.feed_max_age) == (604800.0, 129600.0)
    assert (a.engine_options, b.engine_options) == (PageOptions(604800.0), PageOptions(129600.0))
    assert replace(a, url=b.url).fetch_key != b.fetch_key


def test_an_empty_list_is_allowed(tmp_path):
    assert load_pages(write(tmp_path, "pages: []\n"), FLAGS) == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "expected a mapping with the key 'pages', got nothing"),
        ("- name: x\n", "expected a mapping with the key 'pages', got a list"),
        ("targets: []\n", "unknown key 'targets'; missing 'pages'"),
        ("pages: github\n", "pages: expected a list, got a string"),
        ("pages:\n  - github\n", "pages[0]: expected a mapping, got a string"),
        ("pages:\n  - name: a\n", "pages[0]: missing 'url'"),
        ("pages:\n  - url: https://a.example\n", "pages[0]: missing 'name'"),
        ("pages:\n  - name: a\n    url: https://a.example\n    ttl: 5s\n", "pages[0]: unknown key 'ttl'"),
        (
            'pages:\n  - name: "a\\n"\n    url: https://a.example\n',
            "pages[0].name: invalid name 'a\\n' (want letters, digits, '_', '.', '-')",
        ),
        (
            "pages:\n  - name: a\n    url: https://a.example\n    engine: atlassian\n",
            "pages[0].engine: unknown engine 'atlassian' (want one of " + ", ".join(engine_names()) + ", or auto)",
        ),
        (
            "pages:\n  - vendor: githb\n",
            "pages[0].vendor: unknown vendor 'githb' (did you mean 'github' or 'gitlab'?)",
        ),
        ("pages:\n  - vendor: [github]\n", "pages[0].vendor: expected a string, got a list"),
        (
            "pages:\n  - vendor: github\n  - name: github\n    url: https://b.example\n",
            "pages[1].name: duplicate name 'github' (also pages[0])",
        ),
        (
            "pages:\n  - name: a\n    url: https://a.example\n  - name: b\n    url: https://a.example\n",
            "pages[1].url: duplicate url 'https://a.example' (also pages[0])",
        ),
        (
            "pages:\n  - name: a b\n    url: https://a.example\n",
            "pages[0].name: invalid name 'a b' (want letters, digits, '_', '.', '-')",
        ),
        (
            "pages:\n  - name: a\n    url: ftp://a.example\n",
            "pages[0].url: invalid URL 'ftp://a.example' (want http(s)://host[/path])",
        ),
        (
            "pages:\n  - name: a\n    url: https://a.example\n    cache_ttl: 60\n",
            "pages[0].cache_ttl: expected a string, got int",
        ),
        (
            "pages:\n  - name: a\n    url: https://a.example\n    cache_ttl: 1 minute\n",
            "pages[0].cache_ttl: invalid duration '1 minute' (want e.g. 500ms, 30s, 5m, 1h)",
        ),
        (
            "pages:\n  - name: a\n    url: https://a.example\n    cache_ttl: 100ms\n",
            "pages[0].cache_ttl: must be at least 1s to protect the status page, got '100ms'",
        ),
        (
            "pages:\n  - name: a\n    url: https://a.example\n    fetch_timeout: 0s\n",
            "pages[0].fetch_timeout: must be greater than 0, got '0s'",
        ),
        (
            "pages:\n  - name: a\n    url: https://a.example\n    engine: feed\n    feed_max_age: 0s\n",
            "pages[0].feed_max_age: must be greater than 0, got '0s'",
        ),
        (
            "pages:\n  - name: a\n    url: https://a.example\n    engine: feed\n    feed_max_age: 1 week\n",
            "pages[0].feed_max_age: invalid duration '1 week' (want e.g. 500ms, 30s, 5m, 1h)",
        ),
        (
            "pages:\n  - name: a\n    url: https://a.example\n    feed_max_age: 7d\n",
            "pages[0].feed_max_age: only the feed engine reads it, not 'statuspage'",
        ),
        (
            "pages:\n  - name: a\n    url: https://a.example\n    components_exclude: '['\n",
            "pages[0].components_exclude: invalid regular expression '[': unterminated character set at position 0",
        ),
        (
            "pages:\n  - name: a\n    url: https://a.example\n    components_include: '(API'\n",
            "pages[0].components_include: invalid regular expression '(API': missing ), unterminated subpattern"
            " at position 0",
        ),
        (
            "pages:\n  - name: a\n    url: https://a.example\n    components_include: [API]\n",
            "pages[0].components_include: expected a string, got a list",
        ),
        (
            "pages:\n  - name: a\n    url: https://a.example\n  - name: a\n    url: https://b.example\n",
            "pages[1].name: duplicate name 'a' (also pages[0])",
        ),
        (
            "pages:\n  - name: a\n    url: https://a.example\n  - name: b\n    url: https://a.example/\n",
            "pages[1].url: duplicate url 'https://a.example' (also pages[0])",
        ),
        (
            "pages:\n  - name: a\n    name: b\n    url: https://a.example\n",
            "invalid YAML: duplicate key 'name' in \"<file>\", line 3, column 5",
        ),
        (
            "pages: [\n",
            "invalid YAML: while parsing a flow node expected the node content, but found '<stream end>'"
            ' in "<file>", line 2, column 1',
        ),
        (
            "pages:\n  - {[1, 2]: x}\n",
            'invalid YAML: a key that is a list or a mapping in "<file>", line 2, column 6',
        ),
        ("pages: " + "[" * 5000, "invalid YAML: nested too deeply"),
        (
            "pages:\n  - name: a\n    url: http://a.example:99999\n",
            "pages[0].url: invalid URL 'http://a.example:99999' (want http(s)://host[:port][/path])",
        ),
        (
            "pages:\n  - name: kuma\n    url: https://uptime.example.org\n    engine: uptime_kuma\n",
            "pages[0].url: uptime_kuma wants the status page's own address, {base}/status/{slug}: "
            "'https://uptime.example.org' has no /status/<slug>",
        ),
        # Every problem at once, in file order.
        (
            "pages:\n  - name: a\n    url: nope\n    cache_ttl: x\n  - name: a\n    url: https://a.example\n    y: 1\n",
            "pages[0].url: invalid URL 'nope' (want http(s)://host[/path]); "
            "pages[0].cache_ttl: invalid duration 'x' (want e.g. 500ms, 30s, 5m, 1h); "
            "pages[1]: unknown key 'y'; pages[1].name: duplicate name 'a' (also pages[0])",
        ),
    ],
)
def test_mistakes_are_reported_with_exact_messages(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_pages(path, FLAGS)
    assert str(caught.value).replace(path, "<file>") == f"<file>: {message}"


def test_missing_file_is_a_clear_error(tmp_path):
    path = str(tmp_path / "absent.yml")
    with pytest.raises(ConfigError) as caught:
        load_pages(path, FLAGS)
    assert str(caught.value) == f"{path}: cannot read: No such file or directory"


def test_the_shipped_example_is_valid_shows_every_engine_and_holds_every_probe_target():
    repo = Path(__file__).resolve().parents[1]
    pages = load_pages(str(repo / "prometheus" / "pages.yml"), FLAGS)
    assert {page.engine for page in pages} == set(engine_names())
    prometheus = yaml.safe_load((repo / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    [probe_job] = [job for job in prometheus["scrape_configs"] if job.get("metrics_path") == "/probe"]
    [static] = probe_job["static_configs"]
    assert set(static["targets"]) <= {page.name for page in pages}


def test_an_uptime_kuma_page_at_its_status_pages_own_address_loads(tmp_path):
    text = "pages:\n  - name: kuma\n    url: https://uptime.example.org/status/main/\n    engine: uptime_kuma\n"
    (page,) = load_pages(write(tmp_path, text), FLAGS)
    assert (page.url, page.engine) == ("https://uptime.example.org/status/main", "uptime_kuma")


def test_a_vendor_entry_is_a_whole_page_and_its_other_keys_override_the_catalog(tmp_path):
    text = (
        "pages:\n"
        "  - vendor: github\n"
        "  - vendor: openai\n"
        "    name: chatgpt\n"
        "    engine: statuspage\n"
        "    cache_ttl: 2m\n"
        "  - vendor: datadog-eu\n"
        "    url: https://status.datadoghq.eu/eu\n"
        "  - name: cf\n"
        "    url: https://www.cloudflarestatus.com\n"
        "    engine: auto\n"
    )
    pages = load_pages(write(tmp_path, text), FLAGS)
    assert [(p.name, p.url, p.engine, p.cache_ttl, p.title) for p in pages] == [
        ("github", "https://www.githubstatus.com", "statuspage", FLAGS.cache_ttl, "GitHub"),
        ("chatgpt", "https://status.openai.com", "statuspage", 120.0, "OpenAI"),
        ("datadog-eu", "https://status.datadoghq.eu/eu", "statuspage", FLAGS.cache_ttl, "Datadog (EU)"),
        ("cf", "https://www.cloudflarestatus.com", "auto", FLAGS.cache_ttl, "Cloudflare"),
    ]


def test_the_default_page_takes_the_vendors_title_and_the_feed_engines_default_age():
    page = default_page(load(["--statuspage.vendor", "github"], {}))
    assert (page.name, page.title, page.engine, page.feed_max_age) == ("default", "GitHub", "statuspage", 7 * 86400.0)
    feed = default_page(load(["--statuspage.engine", "feed", "--statuspage.url", "https://example.com/feed.atom"], {}))
    assert (feed.title, feed.feed_max_age) == ("", 7 * 86400.0)
