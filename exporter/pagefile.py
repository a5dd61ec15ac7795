"""The `--config.file`: the allowlist of pages `/probe` may read, parsed strictly.

    pages:
      - name: github
        url: https://www.githubstatus.com
      - name: cloudflare
        url: https://www.cloudflarestatus.com
        engine: statuspage       # optional, the default; see exporter.engines; `auto` detects it
        cache_ttl: 60s            # optional, overrides --cache.ttl
        components_include: "^(API|Git Operations)$"   # optional: only these components ("" or absent: all)
        components_exclude: ""    # optional, overrides --components.exclude ("" exports all)
      - name: openai
        url: https://status.openai.com/feed.atom
        engine: feed
        feed_max_age: 7d          # optional (feed engine only): an item last updated longer ago is over
      - vendor: datadog           # a catalog entry (see --catalog): its key is the name, and it
        cache_ttl: 60s            # gives the URL and the engine; any other key overrides it

Unknown keys, duplicate keys, names or URLs, unknown vendors, bad URLs, durations and regular
expressions are all errors, and `load_pages` reports every one of them at once in a single-line
ConfigError.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from exporter import catalog, yamlfile
from exporter.config import (
    Config,
    ConfigError,
    parse_cache_ttl,
    parse_duration,
    parse_positive_duration,
    parse_regex,
    parse_status_url,
    url_problem,
)
from exporter.engines import PageOptions, engine_names
from exporter.engines.base import DEFAULT_FEED_MAX_AGE
from exporter.engines.detection import AUTO
from exporter.patterns import NamePattern
from exporter.urls import redact_url


def parse_engine(text: str) -> str:
    if text not in (*engine_names(), AUTO):
        raise ValueError(f"unknown engine {text!r} (want one of {', '.join(engine_names())}, or {AUTO})")
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
    feed_max_age: float = DEFAULT_FEED_MAX_AGE
    #: What people call the page before it names itself: the catalog's name for it ("": none).
    title: str = ""

    @property
    def display_name(self) -> str:
        """The page's name for people until its own data names it: its title, else its name."""
        return self.title or self.name

    components_include: NamePattern | None = None

    @property
    def fetch_key(self) -> tuple:
        """Pages with equal keys can share one cache (and so one stream of upstream requests)."""
        return (self.url, self.engine, self.cache_ttl, self.cache_max_stale, self.fetch_timeout, self.feed_max_age)

    @property
    def engine_options(self) -> PageOptions:
        """What of this page's settings its engine reads."""
        return PageOptions(feed_max_age=self.feed_max_age)


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
        title=config.title,
        components_include=config.components_include,
    )


def _name(text: str) -> str:
    if not _NAME.fullmatch(text):
        raise ValueError(f"invalid name {text!r} (want letters, digits, '_', '.', '-')")
    return text


#: Key -> (parser, Config attribute used when the key is absent; None: `_OWN_DEFAULTS` or required).
_FIELDS: dict[str, tuple[Callable[[str], Any], str | None]] = {
    "name": (_name, None),
    "url": (parse_status_url, None),
    "cache_ttl": (parse_cache_ttl, "cache_ttl"),
    "cache_max_stale": (parse_duration, "cache_max_stale"),
    "fetch_timeout": (parse_positive_duration, "fetch_timeout"),
    "components_exclude": (parse_regex, "components_exclude"),
    "components_include": (parse_regex, None),
    "engine": (parse_engine, None),
    "feed_max_age": (parse_positive_duration, None),
}
#: Keys whose default is not a flag's: the engine is `statuspage` whatever --statuspage.engine says;
#: the component scope is every component (component names are a vendor's own, so
#: --components.include scopes the default page only).
_CONSTANT_DEFAULTS: dict[str, Any] = {
    "engine": "statuspage",
    "feed_max_age": DEFAULT_FEED_MAX_AGE,
    "components_include": None,
}
#: Keys only some engines read -> those engines: elsewhere the key is a mistake.
_ENGINE_KEYS: dict[str, tuple[str, ...]] = {"feed_max_age": ("feed",)}
#: The keys a page entry may have: its fields, and the catalog vendor it starts from.
_KEYS = ("vendor", *_FIELDS)


#: Page field -> the Vendor attribute it comes from in a `vendor:` entry that does not set it.
_FROM_VENDOR = {"name": "key", "url": "url", "engine": "engine"}


def _vendor(item: dict, where: str, errors: list[str]) -> catalog.Vendor | None:
    """The catalog vendor an entry starts from; None (and an error if it names a bad one) when none."""
    if "vendor" not in item:
        return None
    key = item["vendor"]
    if not isinstance(key, str):
        errors.append(f"{where}.vendor: expected a string, got {yamlfile.kind(key)}")
        return None
    try:
        return catalog.lookup(key)
    except catalog.UnknownVendor as err:
        errors.append(f"{where}.vendor: {err}")
        return None


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
        errors.extend(f"{where}: unknown key {key!r}" for key in item if key not in _KEYS)
        values: dict[str, Any] = {}
        vendor = _vendor(item, where, errors)
        for key, (parse, default_attribute) in _FIELDS.items():
            if key not in item:
                if "vendor" in item and key in _FROM_VENDOR:
                    if vendor is not None:  # else the bad vendor is the one error to report
                        values[key] = getattr(vendor, _FROM_VENDOR[key])
                elif key in _CONSTANT_DEFAULTS:
                    values[key] = _CONSTANT_DEFAULTS[key]
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
        errors.extend(
            f"{where}.{key}: only the {' and '.join(engines)} engine reads it, not {values['engine']!r}"
            for key, engines in _ENGINE_KEYS.items()
            if key in item and "engine" in values and values["engine"] not in (*engines, AUTO)
        )
        if "url" in values and "engine" in values:
            problem = url_problem(values["engine"], values["url"])
            if problem:
                errors.append(f"{where}.url: {problem}")
        # The same URL read by two engines is two pages; by one engine twice, a mistake.
        identities = {"name": values.get("name"), "url": (values.get("url"), values.get("engine"))}
        for key, identity in identities.items():
            if key in values:
                earlier = first_seen.setdefault((key, identity), where)
                if earlier != where:
                    shown = redact_url(values[key]) if key == "url" else values[key]
                    errors.append(f"{where}.{key}: duplicate {key} {shown!r} (also {earlier})")
        if len(values) == len(_FIELDS):
            title = vendor.name if vendor is not None else catalog.display_name(values["url"], values["engine"])
            pages.append(PageSettings(**values, title=title))
    if errors:
        raise ConfigError("; ".join(errors))
    return tuple(pages)
