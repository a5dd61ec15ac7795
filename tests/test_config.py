"""config.load and the entry point's handling of bad settings."""

from __future__ import annotations

import pytest

from exporter import __version__
from exporter.__main__ import run
from exporter.config import Config, ConfigError, load, parse_duration, parse_listen_address
from exporter.engines import engine_names
from exporter.patterns import compile_pattern


def test_defaults():
    assert load([], {}) == Config(
        listen_host="",
        listen_port=9747,
        status_url="https://www.githubstatus.com",
        cache_ttl=30.0,
        cache_max_stale=600.0,
        fetch_timeout=5.0,
        components_exclude=compile_pattern(r"^Visit www\.githubstatus\.com"),
        log_level="info",
        log_format="json",
        title="GitHub",
    )


def test_environment_sets_and_flags_win():
    environ = {
        "LISTEN_ADDRESS": "127.0.0.1:9000",
        "STATUS_URL": "http://127.0.0.1:8080/",
        "CACHE_TTL": "1m",
        "CACHE_MAX_STALE": "1h",
        "FETCH_TIMEOUT": "2s",
        "COMPONENTS_EXCLUDE": "^x",
        "LOG_LEVEL": "debug",
        "LOG_FORMAT": "logfmt",
    }
    config = load(["--cache.ttl=45s", "--log.format", "json"], environ)
    assert config == Config(
        listen_host="127.0.0.1",
        listen_port=9000,
        status_url="http://127.0.0.1:8080",
        cache_ttl=45.0,
        cache_max_stale=3600.0,
        fetch_timeout=2.0,
        components_exclude=compile_pattern("^x"),
        log_level="debug",
        log_format="json",
    )


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("0", 0.0),
        ("30s", 30.0),
        ("5m", 300.0),
        ("1h", 3600.0),
        ("1h30m", 5400.0),
        ("500ms", 0.5),
        ("1d", 86400.0),
        ("2w", 1_209_600.0),
        ("1y", 31_536_000.0),
        ("1m30s250ms", 90.25),
    ],
)
def test_prometheus_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "30", "5 m", "1.5s", "m", "30S", "1s1h", "-1s", "1hh", "30s\n", "\n30s"])
def test_bad_durations(text):
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "address"),
    [
        (":9747", ("", 9747)),
        ("0.0.0.0:80", ("0.0.0.0", 80)),
        ("[::1]:9747", ("::1", 9747)),
        ("localhost:0", ("localhost", 0)),
        ("[::]:65535", ("::", 65535)),
    ],
)
def test_listen_addresses(text, address):
    assert parse_listen_address(text) == address


@pytest.mark.parametrize(
    ("argv", "environ", "message"),
    [
        (["--cache.ttl", "abc"], {}, "--cache.ttl: invalid duration 'abc' (want e.g. 500ms, 30s, 5m, 1h)"),
        (["--cache.ttl", "500ms"], {}, "--cache.ttl: must be at least 1s to protect the status page, got '500ms'"),
        (["--cache.max-stale", "10"], {}, "--cache.max-stale: invalid duration '10' (want e.g. 500ms, 30s, 5m, 1h)"),
        (["--fetch.timeout", "0s"], {}, "--fetch.timeout: must be greater than 0, got '0s'"),
        (
            ["--web.listen-address", "9747"],
            {},
            "--web.listen-address: invalid address '9747' (want [host]:port, e.g. :9747)",
        ),
        (
            ["--web.listen-address", ":99999"],
            {},
            "--web.listen-address: invalid address ':99999' (want [host]:port, e.g. :9747)",
        ),
        (
            ["--web.listen-address", "::1:80"],
            {},
            "--web.listen-address: invalid address '::1:80' (put IPv6 hosts in brackets, e.g. [::1]:9747)",
        ),
        (
            ["--statuspage.engine", "uptime_kuma", "--statuspage.url", "https://uptime.example.org/main"],
            {},
            "--statuspage.url: uptime_kuma wants the status page's own address, {base}/status/{slug}: "
            "'https://uptime.example.org/main' has no /status/<slug>",
        ),
        (
            [],
            {"STATUS_ENGINE": "uptime_kuma"},
            "--statuspage.url: uptime_kuma wants the status page's own address, {base}/status/{slug}: "
            "'https://www.githubstatus.com' has no /status/<slug>",
        ),
        (
            ["--statuspage.engine", "uptime_kuma"],
            {"STATUS_URL": "https://uptime.example.org"},
            "STATUS_URL (environment): uptime_kuma wants the status page's own address, {base}/status/{slug}: "
            "'https://uptime.example.org' has no /status/<slug>",
        ),
        (
            ["--statuspage.url", "ftp://example.com"],
            {},
            "--statuspage.url: invalid URL 'ftp://example.com' (want http(s)://host[/path])",
        ),
        (
            ["--statuspage.url", "https://example.com/?page=1"],
            {},
            "--statuspage.url: invalid URL 'https://example.com/?page=1' (no query or fragment: it is the page's "
            "base URL)",
        ),
        (
            ["--components.exclude", "("],
            {},
            "--components.exclude: invalid regular expression '(': missing ), unterminated subpattern at position 0",
        ),
        (
            ["--statuspage.url", "http://127.0.0.1:99999"],
            {},
            "--statuspage.url: invalid URL 'http://127.0.0.1:99999' (want http(s)://host[:port][/path])",
        ),
        (
            ["--statuspage.url", "http://[::1"],
            {},
            "--statuspage.url: invalid URL 'http://[::1' (want http(s)://host[:port][/path])",
        ),
        (["--fetch.timeout", "1000000y"], {}, "--fetch.timeout: duration '1000000y' is longer than 10y"),
        (
            ["--web.listen-address", ":\u00b2"],
            {},
            "--web.listen-address: invalid address ':\u00b2' (want [host]:port, e.g. :9747)",
        ),
        (
            ["--statuspage.url", "http://status..example.com"],
            {},
            "--statuspage.url: invalid URL 'http://status..example.com' (the host is not a valid name)",
        ),
        (
            ["--statuspage.url", "https://example.com\n"],
            {},
            "--statuspage.url: invalid URL 'https://example.com\\n' (no spaces or control characters)",
        ),
        (
            ["--web.listen-address", "127.0.0.1:9747\n"],
            {},
            "--web.listen-address: invalid address '127.0.0.1:9747\\n' (no spaces or control characters)",
        ),
        (
            ["--statuspage.engine", "atlassian"],
            {},
            "--statuspage.engine: invalid value 'atlassian' (want one of " + ", ".join(engine_names()) + ", auto)",
        ),
        (["--log.level", "verbose"], {}, "--log.level: invalid value 'verbose' (want one of debug, info, warn, error)"),
        (["--log.format", "xml"], {}, "--log.format: invalid value 'xml' (want one of json, logfmt)"),
        ([], {"CACHE_TTL": "soon"}, "CACHE_TTL (environment): invalid duration 'soon' (want e.g. 500ms, 30s, 5m, 1h)"),
        (["--cache.ttl", "1m"], {"CACHE_TTL": "soon"}, None),  # the flag wins, the bad variable is never read
        (
            ["--cache.ttl", "x", "--log.level", "y"],
            {},
            "--cache.ttl: invalid duration 'x' (want e.g. 500ms, 30s, 5m, 1h); "
            "--log.level: invalid value 'y' (want one of debug, info, warn, error)",
        ),
        (
            ["--statuspage.vendor", "githb"],
            {},
            "--statuspage.vendor: unknown vendor 'githb' (did you mean 'github' or 'gitlab'?)",
        ),
        (
            ["--statuspage.vendor", "github", "--statuspage.url", "https://status.example.com"],
            {},
            "--statuspage.vendor: cannot be combined with --statuspage.url (the vendor sets the URL)",
        ),
        (
            [],
            {"STATUS_VENDOR": "github", "STATUS_URL": "https://status.example.com"},
            "STATUS_VENDOR (environment): cannot be combined with STATUS_URL (environment) (the vendor sets the URL)",
        ),
        (["--output", "yaml"], {}, "--output: only with --catalog"),
        (
            ["--catalog", "--output", "json"],
            {},
            "argument --output: invalid choice: 'json' (choose from 'text', 'yaml')",
        ),
        (
            ["--components.include", "(API"],
            {},
            "--components.include: invalid regular expression '(API': missing ), unterminated subpattern at position 0",
        ),
        (
            [],
            {"COMPONENTS_INCLUDE": "*"},
            "COMPONENTS_INCLUDE (environment): invalid regular expression '*': nothing to repeat at position 0",
        ),
        (["--nope"], {}, "unrecognized arguments: --nope"),
        (["--cache.ttl"], {}, "argument --cache.ttl: expected one argument"),
        (["positional"], {}, "unrecognized arguments: positional"),
    ],
)
def test_bad_settings_are_named_in_one_message(argv, environ, message):
    if message is None:
        assert load(argv, environ).cache_ttl == 60.0
        return
    with pytest.raises(ConfigError) as caught:
        load(argv, environ)
    assert str(caught.value) == message


@pytest.mark.parametrize(("argv", "environ"), [(["--components.exclude", ""], {}), ([], {"COMPONENTS_EXCLUDE": ""})])
def test_an_empty_exclude_means_no_filter(argv, environ):
    assert load(argv, environ).components_exclude is None


@pytest.mark.parametrize(
    ("argv", "environ", "pattern"),
    [
        ([], {}, None),
        (["--components.include", ""], {"COMPONENTS_INCLUDE": "^x"}, None),
        ([], {"COMPONENTS_INCLUDE": "^(API|Actions)$"}, compile_pattern("^(API|Actions)$")),
        (["--components.include=Git"], {"COMPONENTS_INCLUDE": "^x"}, compile_pattern("Git")),
    ],
)
def test_include_is_empty_by_default_and_set_by_flag_or_environment(argv, environ, pattern):
    assert load(argv, environ).components_include == pattern


def test_the_engine_defaults_to_statuspage_and_is_chosen_by_flag_or_environment():
    assert load([], {}).engine == "statuspage"
    assert load(["--statuspage.engine", "statuspage"], {"STATUS_ENGINE": "nope"}).engine == "statuspage"


def test_bad_flag_exits_2_with_one_line_on_stderr(capsys):
    assert run(["--cache.ttl", "abc"], {}) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "github-status-exporter: --cache.ttl: invalid duration 'abc' (want e.g. 500ms, 30s, 5m, 1h)\n"
    )


def test_a_pattern_re2_cannot_compile_exits_2_with_one_line_and_nothing_from_the_library(capfd):
    assert run(["--components.exclude", "^(?=Visit)"], {}) == 2
    captured = capfd.readouterr()  # file descriptors: RE2 would write its own lines to fd 2
    assert captured.out == ""
    assert captured.err == (
        "github-status-exporter: --components.exclude: invalid regular expression '^(?=Visit)': not supported by "
        "RE2, the linear-time engine names are matched with (no backreferences or lookaround): "
        "invalid perl operator: (?=\n"
    )


def test_version_flag_prints_the_version(capsys):
    with pytest.raises(SystemExit) as caught:
        run(["--version"], {})
    assert caught.value.code == 0
    assert capsys.readouterr().out == f"github-status-exporter {__version__}\n"


def test_help_names_every_flag_and_its_variable(capsys):
    with pytest.raises(SystemExit):
        run(["--help"], {})
    text = " ".join(capsys.readouterr().out.split())  # undo argparse's line wrapping
    for flag, env in [
        ("--web.listen-address", "LISTEN_ADDRESS"),
        ("--statuspage.url", "STATUS_URL"),
        ("--cache.ttl", "CACHE_TTL"),
        ("--cache.max-stale", "CACHE_MAX_STALE"),
        ("--fetch.timeout", "FETCH_TIMEOUT"),
        ("--components.exclude", "COMPONENTS_EXCLUDE"),
        ("--log.level", "LOG_LEVEL"),
        ("--log.format", "LOG_FORMAT"),
    ]:
        assert flag in text and f"env {env}" in text


@pytest.mark.parametrize(
    ("argv", "environ", "expected"),
    [
        ([], {}, False),
        (["--web.enable-lifecycle"], {}, True),
        (["--web.enable-lifecycle=false"], {"WEB_ENABLE_LIFECYCLE": "true"}, False),
        ([], {"WEB_ENABLE_LIFECYCLE": "true"}, True),
        ([], {"WEB_ENABLE_LIFECYCLE": "0"}, False),
        (["--web.enable-lifecycle", "--log.level", "debug"], {}, True),
    ],
)
def test_web_enable_lifecycle_is_a_switch(argv, environ, expected):
    assert load(argv, environ).web_enable_lifecycle is expected


ABSOLUTE = "(want an absolute path such as /metrics)"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--web.enable-lifecycle=yes"], "--web.enable-lifecycle: invalid value 'yes' (want true or false)"),
        (["--web.telemetry-path", "metrics"], "--web.telemetry-path: invalid path 'metrics' " + ABSOLUTE),
        (["--web.telemetry-path", "/probe"], "--web.telemetry-path: '/probe' is already served by the exporter"),
        (["--web.telemetry-path", "/m?x=1"], "--web.telemetry-path: invalid path '/m?x=1' " + ABSOLUTE),
    ],
)
def test_bad_web_flags(argv, message):
    with pytest.raises(ConfigError) as caught:
        load(argv, {})
    assert str(caught.value) == message


def test_web_flags_from_the_environment():
    config = load([], {"WEB_CONFIG_FILE": "/etc/web.yml", "WEB_TELEMETRY_PATH": "/internal/metrics"})
    assert (config.web_config_file, config.web_telemetry_path) == ("/etc/web.yml", "/internal/metrics")


@pytest.mark.parametrize(
    ("argv", "environ", "expected"),
    [
        ([], {}, ("", "https://www.githubstatus.com", "statuspage", "GitHub")),
        (["--statuspage.vendor", "openai"], {}, ("openai", "https://status.openai.com", "incidentio", "OpenAI")),
        ([], {"STATUS_VENDOR": "heroku"}, ("heroku", "https://status.heroku.com", "heroku", "Heroku")),
        (
            ["--statuspage.vendor", "openai", "--statuspage.engine", "statuspage"],
            {},
            ("openai", "https://status.openai.com", "statuspage", "OpenAI"),
        ),
        (
            ["--statuspage.url", "https://status.example.com", "--statuspage.engine", "auto"],
            {},
            ("", "https://status.example.com", "auto", ""),
        ),
        (["--statuspage.engine", "auto"], {}, ("", "https://www.githubstatus.com", "auto", "GitHub")),
    ],
)
def test_a_catalog_vendor_sets_the_default_pages_url_engine_and_title(argv, environ, expected):
    config = load(argv, environ)
    assert (config.vendor, config.status_url, config.engine, config.title) == expected
