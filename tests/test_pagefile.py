"""pagefile.load_pages: the strict --config.file, with exact messages for every kind of mistake."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from exporter.config import ConfigError, load
from exporter.engines import engine_names
from exporter.pagefile import PageSettings, load_pages
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
        PageSettings("github", "https://www.githubstatus.com", 45.0, 600.0, 3.0, compile_pattern("^Visit")),
        PageSettings("cloudflare", "https://www.cloudflarestatus.com", 60.0, 3600.0, 2.0, compile_pattern("^$")),
    )


def test_an_empty_exclude_exports_every_component_and_the_engine_defaults_to_statuspage(tmp_path):
    path = write(tmp_path, 'pages:\n  - name: a\n    url: https://a.example\n    components_exclude: ""\n')
    [page] = load_pages(path, FLAGS)
    assert (page.components_exclude, page.engine) == (None, "statuspage")


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
            "pages[0].engine: unknown engine 'atlassian' (want one of " + ", ".join(engine_names()) + ")",
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
            "pages:\n  - name: a\n    url: https://a.example\n    components_exclude: '['\n",
            "pages[0].components_exclude: invalid regular expression '[': unterminated character set at position 0",
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
