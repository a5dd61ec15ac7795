"""Configuration: defaults, then environment variables, then flags; validated once, all at once.

`load(argv, environ)` returns a frozen `Config` or raises `ConfigError` whose message is one line
naming every bad setting (by flag, or by environment variable when that is where it came from).
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence
from urllib.parse import urlsplit

from exporter import __version__, catalog
from exporter.engines import ENGINES, engine_names
from exporter.engines.detection import AUTO
from exporter.patterns import NamePattern, compile_pattern
from exporter.urls import redact_url

PROGRAM = "github-status-exporter"

LOG_LEVELS = ("debug", "info", "warn", "error")
LOG_FORMATS = ("json", "logfmt")
#: What `--catalog` prints: one vendor a line, or a ready page file.
CATALOG_OUTPUTS = ("text", "yaml")
MIN_CACHE_TTL_SECONDS = 1.0

_DURATION = re.compile(r"(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?", re.ASCII)
#: Longer than anyone means, short enough for every timer and wait the standard library offers.
MAX_DURATION_SECONDS = 10 * 365 * 86400
_DURATION_UNITS = (365 * 86400, 7 * 86400, 86400, 3600, 60, 1, 0.001)


class ConfigError(ValueError):
    """A bad setting; the message is a single line meant for stderr."""


@dataclass(frozen=True)
class Config:
    """Every setting of one exporter process."""

    listen_host: str
    listen_port: int
    status_url: str
    cache_ttl: float
    cache_max_stale: float
    fetch_timeout: float
    components_exclude: NamePattern | None
    log_level: str
    log_format: str
    config_file: str = ""
    config_check: bool = False
    engine: str = "statuspage"
    web_config_file: str = ""
    web_enable_lifecycle: bool = False
    web_telemetry_path: str = "/metrics"
    #: The catalog key the default page was chosen by ("" when by URL).
    vendor: str = ""
    #: The default page's name for people before its first answer: the catalog's ("": none, so "default").
    title: str = ""
    catalog: bool = False
    output: str = "text"
    components_include: NamePattern | None = None

    @property
    def listen_address(self) -> str:
        host = f"[{self.listen_host}]" if ":" in self.listen_host else self.listen_host
        return f"{host}:{self.listen_port}"


@dataclass(frozen=True)
class _Setting:
    flag: str
    env: str
    default: str
    help: str
    parse: Callable[[str], object]
    field: str
    #: A switch: the flag alone means "true" (`--flag=false` also works), the variable is true/false.
    boolean: bool = False


def parse_duration(text: str) -> float:
    """A Prometheus duration (`30s`, `5m`, `1h30m`, `500ms`, `0`) in seconds."""
    match = _DURATION.fullmatch(text)
    if text == "0":
        return 0.0
    if not text or match is None:
        raise ValueError(f"invalid duration {text!r} (want e.g. 500ms, 30s, 5m, 1h)")
    seconds = float(sum(int(n) * unit for n, unit in zip(match.groups(), _DURATION_UNITS, strict=True) if n))
    if seconds > MAX_DURATION_SECONDS:
        raise ValueError(f"duration {text!r} is longer than 10y")
    return seconds


def parse_positive_duration(text: str) -> float:
    seconds = parse_duration(text)
    if seconds <= 0:
        raise ValueError(f"must be greater than 0, got {text!r}")
    return seconds


def parse_cache_ttl(text: str) -> float:
    seconds = parse_duration(text)
    if seconds < MIN_CACHE_TTL_SECONDS:
        raise ValueError(f"must be at least 1s to protect the status page, got {text!r}")
    return seconds


def parse_listen_address(text: str) -> tuple[str, int]:
    """`:9747`, `127.0.0.1:9747`, `[::1]:9747` or `localhost:0` -> (host, port); "" means all."""
    if _has_space_or_control(text):
        raise ValueError(f"invalid address {text!r} (no spaces or control characters)")
    host, sep, port_text = text.rpartition(":")
    if not sep or not (port_text.isascii() and port_text.isdigit()) or not 0 <= int(port_text) <= 65535:
        raise ValueError(f"invalid address {text!r} (want [host]:port, e.g. :9747)")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        raise ValueError(f"invalid address {text!r} (put IPv6 hosts in brackets, e.g. [::1]:9747)")
    return host, int(port_text)


def parse_status_url(text: str) -> str:
    """A page's base URL. Credentials in it (`https://user:secret@host`) are sent as basic auth and
    never shown: every message shows the URL redacted."""
    shown = redact_url(text)
    if _has_space_or_control(text):
        raise ValueError(f"invalid URL {shown!r} (no spaces or control characters)")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in 0-65535
    except ValueError:
        raise ValueError(f"invalid URL {shown!r} (want http(s)://host[:port][/path])") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"invalid URL {shown!r} (want http(s)://host[/path])")
    try:
        parts.hostname.encode("idna")
    except UnicodeError:
        raise ValueError(f"invalid URL {shown!r} (the host is not a valid name)") from None
    if parts.query or parts.fragment:
        raise ValueError(f"invalid URL {shown!r} (no query or fragment: it is the page's base URL)")
    return text.rstrip("/")


def url_problem(engine: str, url: str) -> str | None:
    """Why `engine` cannot read the page at `url` (a URL it derives its documents from), or None."""
    check = ENGINES[engine].check_url if engine in ENGINES else None  # `auto`: checked once detected
    return None if check is None else check(url)


def _has_space_or_control(text: str) -> bool:
    return any(char.isspace() or not char.isprintable() for char in text)


def parse_regex(text: str) -> NamePattern | None:
    """A regular expression in RE2 syntax (`exporter.patterns`); the empty string means none (the
    usual way to switch a filter off)."""
    if text == "":
        return None
    return compile_pattern(text)


def parse_bool(text: str) -> bool:
    values = {"true": True, "1": True, "false": False, "0": False}
    if text.lower() not in values:
        raise ValueError(f"invalid value {text!r} (want true or false)")
    return values[text.lower()]


#: Paths the exporter itself serves: the telemetry path may not hide one of them.
RESERVED_PATHS = (
    "/",
    "/status",
    "/api/v1/status",
    "/api/v1/pages",
    "/api/v1/badge.svg",
    "/probe",
    "/-/healthy",
    "/-/ready",
    "/-/reload",
)


def parse_telemetry_path(text: str) -> str:
    if not text.startswith("/") or any(c in text for c in "?# ") or not text.isprintable():
        raise ValueError(f"invalid path {text!r} (want an absolute path such as /metrics)")
    if text in RESERVED_PATHS:
        raise ValueError(f"{text!r} is already served by the exporter")
    return text


def parse_vendor(text: str) -> str:
    """A catalog key, or "" for none."""
    return catalog.lookup(text).key if text else ""


def _choice(choices: Sequence[str]) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text not in choices:
            raise ValueError(f"invalid value {text!r} (want one of {', '.join(choices)})")
        return text

    return parse


SETTINGS = (
    _Setting(
        "--web.listen-address", "LISTEN_ADDRESS", ":9747", "address to serve metrics on", parse_listen_address, "listen"
    ),
    _Setting(
        "--statuspage.url",
        "STATUS_URL",
        "https://www.githubstatus.com",
        "base URL of the status page; /api/v2/summary.json is read under it",
        parse_status_url,
        "status_url",
    ),
    _Setting(
        "--statuspage.engine",
        "STATUS_ENGINE",
        "statuspage",
        "the page's engine, which says what is read under the URL: one of "
        + ", ".join(engine_names())
        + f", or {AUTO} to detect it",
        _choice((*engine_names(), AUTO)),
        "engine",
    ),
    _Setting(
        "--statuspage.vendor",
        "STATUS_VENDOR",
        "",
        "a vendor of the catalog (see --catalog) as the default page: it sets the URL and the engine",
        parse_vendor,
        "vendor",
    ),
    _Setting(
        "--cache.ttl",
        "CACHE_TTL",
        "30s",
        "minimum time between two upstream requests (at least 1s)",
        parse_cache_ttl,
        "cache_ttl",
    ),
    _Setting(
        "--cache.max-stale",
        "CACHE_MAX_STALE",
        "10m",
        "how long the last good data is still exported while requests fail",
        parse_duration,
        "cache_max_stale",
    ),
    _Setting(
        "--fetch.timeout",
        "FETCH_TIMEOUT",
        "5s",
        "deadline of one upstream request, every byte included",
        parse_positive_duration,
        "fetch_timeout",
    ),
    _Setting(
        "--components.include",
        "COMPONENTS_INCLUDE",
        "",
        "the default page's scope: regular expression searched in component names and in group/name; only"
        " matching components are exported, --components.exclude applying after it (empty: every component)",
        parse_regex,
        "components_include",
    ),
    _Setting(
        "--components.exclude",
        "COMPONENTS_EXCLUDE",
        r"^Visit www\.githubstatus\.com",
        "regular expression searched in component names; matching components are not exported (empty: none)",
        parse_regex,
        "components_exclude",
    ),
    _Setting("--log.level", "LOG_LEVEL", "info", "one of " + ", ".join(LOG_LEVELS), _choice(LOG_LEVELS), "log_level"),
    _Setting(
        "--log.format", "LOG_FORMAT", "json", "one of " + ", ".join(LOG_FORMATS), _choice(LOG_FORMATS), "log_format"
    ),
    _Setting(
        "--config.file",
        "CONFIG_FILE",
        "",
        "YAML file listing the pages /probe may read (without it /probe answers no target)",
        str,
        "config_file",
    ),
    _Setting(
        "--web.config.file",
        "WEB_CONFIG_FILE",
        "",
        "exporter-toolkit web config file: TLS, client certificates, basic auth, response headers",
        str,
        "web_config_file",
    ),
    _Setting(
        "--web.enable-lifecycle",
        "WEB_ENABLE_LIFECYCLE",
        "false",
        "allow POST /-/reload (without it, it answers 403; SIGHUP always reloads)",
        parse_bool,
        "web_enable_lifecycle",
        boolean=True,
    ),
    _Setting(
        "--web.telemetry-path",
        "WEB_TELEMETRY_PATH",
        "/metrics",
        "path under which the default page's metrics are served",
        parse_telemetry_path,
        "web_telemetry_path",
    ),
)


class _ArgumentParser(argparse.ArgumentParser):
    """argparse, but a usage error is a ConfigError (one line) instead of usage text and exit."""

    def error(self, message: str):  # type: ignore[override]
        raise ConfigError(message)


def _argument_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(
        prog=PROGRAM,
        description="Prometheus exporter for the GitHub status page and other vendors' status pages.",
        epilog="Every flag can also be set by the environment variable named in its help; the flag wins.",
    )
    for setting in SETTINGS:
        parser.add_argument(
            setting.flag,
            metavar=setting.env,
            default=None,
            help=f"{setting.help} (env {setting.env}, default {setting.default!r})",
            **({"nargs": "?", "const": "true"} if setting.boolean else {}),
        )
    parser.add_argument(
        "--config.check",
        action="store_true",
        help="validate the flags, the --config.file and the --web.config.file, then exit 0 or 2",
    )
    parser.add_argument(
        "--catalog", action="store_true", help="print the catalog of well-known vendor pages, then exit"
    )
    parser.add_argument(
        "--output",
        choices=CATALOG_OUTPUTS,
        default=None,
        help="how --catalog prints: text (one vendor a line, the default) or yaml (a ready --config.file)",
    )
    parser.add_argument("--version", action="version", version=f"{PROGRAM} {__version__}")
    return parser


def load(argv: Sequence[str], environ: Mapping[str, str]) -> Config:
    """Build the Config from flags and environment; raise ConfigError naming every bad setting."""
    args = vars(_argument_parser().parse_args(list(argv)))
    values: dict[str, object] = {}
    errors: list[str] = []
    sources: dict[str, str] = {}
    given: dict[str, str] = {}  # field -> where it was set, for the settings not left at their default
    for setting in SETTINGS:
        flag_value = args.get(_dest(setting.flag))
        if flag_value is not None:
            source, text = setting.flag, flag_value
        elif setting.env in environ:
            source, text = f"{setting.env} (environment)", environ[setting.env]
        else:
            source, text = setting.flag, setting.default
        sources[setting.field] = source
        if source != setting.flag or flag_value is not None:
            given[setting.field] = source
        try:
            values[setting.field] = setting.parse(text)
        except ValueError as err:
            errors.append(f"{source}: {err}")
    if "status_url" in values and "engine" in values:
        problem = url_problem(str(values["engine"]), str(values["status_url"]))
        if problem:
            errors.append(f"{sources['status_url']}: {problem}")
    if values.get("vendor") and "status_url" in given:
        errors.append(f"{given['vendor']}: cannot be combined with {given['status_url']} (the vendor sets the URL)")
    if args["output"] is not None and not args["catalog"]:
        errors.append("--output: only with --catalog")
    if errors:
        raise ConfigError("; ".join(errors))
    title = ""
    if values["vendor"]:
        vendor = catalog.lookup(values["vendor"])  # type: ignore[arg-type]
        values["status_url"], title = vendor.url, vendor.name
        if "engine" not in given:
            values["engine"] = vendor.engine
    host, port = values.pop("listen")  # type: ignore[misc]
    return Config(
        listen_host=host,
        listen_port=port,
        config_check=args["config.check"],
        title=title or catalog.display_name(values["status_url"], values["engine"]),  # type: ignore[arg-type]
        catalog=args["catalog"],
        output=args["output"] or CATALOG_OUTPUTS[0],
        **values,  # type: ignore[arg-type]
    )


def _dest(flag: str) -> str:
    """The attribute argparse stores a flag under (`--cache.max-stale` -> `cache.max_stale`)."""
    return flag[2:].replace("-", "_")
