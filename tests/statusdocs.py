"""Helpers for the status API, page and badge tests: page settings, cache views, the JSON Schemas."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import jsonschema

from exporter.model import CacheView, FetchStats, Summary
from exporter.pagefile import PageSettings
from exporter.patterns import compile_pattern

REPO = Path(__file__).resolve().parents[1]
SCHEMAS = REPO / "schemas"
#: 2026-11-28T06:00:00Z, the "now" of the builder tests.
NOW = 1_795_845_600.0
GITHUB_EXCLUDE = compile_pattern(r"^Visit www\.githubstatus\.com")


def settings(
    name: str = "default",
    url: str = "https://www.githubstatus.com",
    exclude: re.Pattern[str] | None = GITHUB_EXCLUDE,
    engine: str = "statuspage",
    include: re.Pattern[str] | None = None,
) -> PageSettings:
    return PageSettings(name, url, 30.0, 600.0, 5.0, exclude, engine, components_include=include)


def view(summary: Summary | None, *, up: bool = True, last_success: float = NOW - 12, error=("", "")) -> CacheView:
    """A cache view: `summary` with stats saying whether the latest request succeeded."""
    stats = FetchStats(
        fetches=3,
        up=up,
        last_success_timestamp=last_success,
        last_error_reason=error[0],
        last_error_detail=error[1],
    )
    return CacheView(summary, stats)


@cache
def validator(name: str) -> jsonschema.Draft202012Validator:
    """A validator of `schemas/<name>.schema.json` that also checks formats (date-time)."""
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def assert_valid(name: str, document) -> None:
    errors = sorted(validator(name).iter_errors(document), key=lambda e: list(e.path))
    assert [f"{list(e.path)}: {e.message}" for e in errors] == []
