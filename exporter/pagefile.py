"""The `--config.file`: the allowlist of pages `/probe` may read, parsed strictly.

    pages:
      - name: github
        url: https://www.githubstatus.com
      - name: cloudflare
        url: https://www.cloudflarestatus.com
        engine: statuspage       # optional, the default; see exporter.engines
        cache_ttl: 60s            # optional, overrides --cache.ttl
        components_exclude: ""    # optional, overrides --components.exclude ("" exports all)

Unknown keys, duplicate keys, names or URLs, bad URLs, durations and regular expressions are all
errors, and `load_pages` reports every one of them at once in a single-line ConfigError.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from exporter import yamlfile
from exporter.config import (
    Config,
    ConfigError,
    parse_cache_ttl,
    parse_duration,
    parse_positive_duration,
    parse_regex,
    parse_status_url,
)
from exporter.engines import engine_names
from exporter.patterns import NamePattern
from exporter.urls import redact_url


def parse_engine(text: str) -> str:
    if text not in engine_names():
        raise ValueError(f"unknown engine {text!r} (want one of {', '.join(engine_names())})")
    return text


_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class PageSettings:
    """One page: where it is and how it is fetched and exported."""

    name: str
    url: str
    cache_ttl: float
    cache_max_stale: float
    fetch_timeout: float
    components_exclude: NamePattern | None
    engine: str = "statuspage"

    @property
    def fetch_key(self) -> tuple:
        """Pages with equal keys can share one cache (and so one stream of upstream requests)."""
        return (self.url, self.engine, self.cache_ttl, self.cache_max_stale, self.fetch_timeout)


def default_page(config: Config) -> PageSettings:
    """The page `/metrics` exports: the one given by the flags."""
    return PageSettings(
        "default",
        config.status_url,
        config.cache_ttl,
        config.cache_max_stale,
        config.fetch_timeout,
        config.components_exclude,
        config.engine,
    )


def _name(text: str) -> str:
    if not _NAME.fullmatch(text):
        raise ValueError(f"invalid name {text!r} (want letters, digits, '_', '.', '-')")
    return text


#: Key -> (parser, Config attribute used when the key is absent; None means required).
_FIELDS: dict[str, tuple[Callable[[str], Any], str | None]] = {
    "name": (_name, None),
    "url": (parse_status_url, None),
    "cache_ttl": (parse_cache_ttl, "cache_ttl"),
    "cache_max_stale": (parse_duration, "cache_max_stale"),
    "fetch_timeout": (parse_positive_duration, "fetch_timeout"),
    "components_exclude": (parse_regex, "components_exclude"),
    "engine": (parse_engine, None),
}


def load_pages(path: str, defaults: Config) -> tuple[PageSettings, ...]:
    """Read and validate the file; raise ConfigError (one line, prefixed with the path)."""
    try:
        document = yamlfile.read(path)
    except yamlfile.YAMLFileError as err:
        raise ConfigError(str(err)) from None
    try:
        return parse_pages(document, defaults)
    except ConfigError as err:
        raise ConfigError(f"{path}: {err}") from None


def parse_pages(document: Any, defaults: Config) -> tuple[PageSettings, ...]:
    """Validate a decoded file; raise ConfigError naming every problem."""
    if not isinstance(document, dict):
        raise ConfigError(f"expected a mapping with the key 'pages', got {yamlfile.kind(document)}")
    errors = [f"unknown key {key!r}" for key in document if key != "pages"]
    items = document.get("pages")
    if not isinstance(items, list):
        errors.append("missing 'pages'" if items is None else f"pages: expected a list, got {yamlfile.kind(items)}")
        raise ConfigError("; ".join(errors))
    pages: list[PageSettings] = []
    first_seen: dict[tuple[str, Any], str] = {}
    for index, item in enumerate(items):
        where = f"pages[{index}]"
        if not isinstance(item, dict):
            errors.append(f"{where}: expected a mapping, got {yamlfile.kind(item)}")
            continue
        errors.extend(f"{where}: unknown key {key!r}" for key in item if key not in _FIELDS)
        values: dict[str, Any] = {}
        for key, (parse, default_attribute) in _FIELDS.items():
            if key not in item:
                if key == "engine":
                    values[key] = "statuspage"  # the default engine, whatever --statuspage.engine says
                elif default_attribute is None:
                    errors.append(f"{where}: missing {key!r}")
                else:
                    values[key] = getattr(defaults, default_attribute)
                continue
            raw = item[key]
            if not isinstance(raw, str):
                errors.append(f"{where}.{key}: expected a string, got {yamlfile.kind(raw)}")
                continue
            try:
                values[key] = parse(raw)
            except ValueError as err:
                errors.append(f"{where}.{key}: {err}")
        # The same URL read by two engines is two pages; by one engine twice, a mistake.
        identities = {"name": values.get("name"), "url": (values.get("url"), values.get("engine"))}
        for key, identity in identities.items():
            if key in values:
                earlier = first_seen.setdefault((key, identity), where)
                if earlier != where:
                    shown = redact_url(values[key]) if key == "url" else values[key]
                    errors.append(f"{where}.{key}: duplicate {key} {shown!r} (also {earlier})")
        if len(values) == len(_FIELDS):
            pages.append(PageSettings(**values))
    if errors:
        raise ConfigError("; ".join(errors))
    return tuple(pages)
