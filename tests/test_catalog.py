"""The vendor catalog: its data (keys, engines, URLs, sources), its lookups, `--catalog`, and the
docs' list, which must be the data's (regenerate it with `python -m tests.test_catalog`)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml

from exporter import catalog
from exporter.__main__ import run
from exporter.config import load, parse_status_url
from exporter.engines import ENGINES
from exporter.engines.detection import AUTO, DETECTION_ORDER
from exporter.pagefile import _NAME, parse_pages

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "catalog.md"
#: `owner/name:path`, optionally followed by more of them or a note, as each entry's `source` starts.
SOURCE = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+:\S+")
BEGIN, END = "<!-- catalog:begin (generated: python -m tests.test_catalog) -->", "<!-- catalog:end -->"
VENDORS = list(catalog.vendors().values())
#: Engines only self-hosted pages run (no vendor publishes on them): the catalog cannot list one.
SELF_HOSTED_ONLY = frozenset({"uptime_kuma"})


def test_the_catalog_has_at_least_150_vendors_and_every_engine():
    assert len(VENDORS) >= 150
    assert {vendor.engine for vendor in VENDORS} == set(ENGINES) - SELF_HOSTED_ONLY


@pytest.mark.parametrize("vendor", VENDORS, ids=[v.key for v in VENDORS])
def test_every_entry_is_a_valid_page(vendor):
    assert _NAME.fullmatch(vendor.key)
    assert vendor.engine in ENGINES
    assert vendor.url.startswith("https://")
    assert parse_status_url(vendor.url) == vendor.url
    assert vendor.name.strip() == vendor.name != ""
    assert vendor.category.strip() != ""
    assert SOURCE.match(vendor.source), vendor.source


def test_keys_urls_and_names_are_unique():
    keys = [v.key for v in VENDORS]
    urls = [v.url for v in VENDORS]
    names = [v.name for v in VENDORS]
    assert len(keys) == len(set(keys))
    assert len(urls) == len(set(urls))
    assert len(names) == len(set(names))


def test_the_whole_catalog_as_a_page_file_is_a_valid_page_file():
    document = yaml.safe_load(catalog.render_page_file())
    pages = parse_pages(document, load([], {}))
    assert [(p.name, p.url, p.engine, p.title) for p in pages] == [(v.key, v.url, v.engine, v.name) for v in VENDORS]


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("githb", "unknown vendor 'githb' (did you mean 'github' or 'gitlab'?)"),
        ("GitHub", "unknown vendor 'GitHub' (did you mean 'github' or 'gitlab'?)"),
        ("zzzzzz", "unknown vendor 'zzzzzz' (see --catalog)"),
    ],
)
def test_an_unknown_key_suggests_the_closest_ones(key, message):
    with pytest.raises(catalog.UnknownVendor) as caught:
        catalog.lookup(key)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("url", "engine", "name"),
    [
        ("https://www.githubstatus.com", "statuspage", "GitHub"),
        ("https://www.githubstatus.com", AUTO, "GitHub"),
        ("https://www.githubstatus.com", "incidentio", ""),
        ("https://status.openai.com", "incidentio", "OpenAI"),
        ("https://status.example.com", "statuspage", ""),
    ],
)
def test_display_name_is_the_catalogs_for_its_url_and_engine(url, engine, name):
    assert catalog.display_name(url, engine) == name


def test_catalog_flag_prints_one_vendor_a_line(capsys):
    assert run(["--catalog"], {}) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split() for line in lines][0] == ["github", "GitHub", "statuspage", "https://www.githubstatus.com"]
    assert len(lines) == len(VENDORS)
    assert [line.split()[0] for line in lines] == [v.key for v in VENDORS]
    assert all(line.split()[-1] == v.url for line, v in zip(lines, VENDORS, strict=True))


def test_catalog_flag_with_yaml_output_prints_a_page_file(capsys):
    assert run(["--catalog", "--output=yaml"], {}) == 0
    out = capsys.readouterr().out
    assert out == catalog.render_page_file()
    assert yaml.safe_load(out)["pages"][0] == {"vendor": "github"}


def test_the_detection_order_names_every_engine_once():
    assert sorted(DETECTION_ORDER) == sorted(ENGINES)


def test_the_docs_list_the_catalog_as_generated_from_the_data():
    text = DOCS.read_text(encoding="utf-8")
    assert text[text.index(BEGIN) + len(BEGIN) : text.index(END)] == "\n" + docs_table()


def docs_table() -> str:
    """The catalog as the Markdown table docs/catalog.md carries, by category."""
    rows = ["| category | key | vendor | engine | page URL | source |", "|---|---|---|---|---|---|"]
    for v in sorted(VENDORS, key=lambda v: (v.category, v.key)):
        rows.append(f"| {v.category} | `{v.key}` | {v.name} | {v.engine} | {v.url} | {v.source} |")
    categories = sorted({v.category for v in VENDORS})
    counts = ", ".join(f"{c} {sum(v.category == c for v in VENDORS)}" for c in categories)
    return f"{len(VENDORS)} vendors ({counts}), sorted by category.\n\n" + "\n".join(rows) + "\n"


if __name__ == "__main__":  # rewrite the generated part of docs/catalog.md
    text = DOCS.read_text(encoding="utf-8")
    start, stop = text.index(BEGIN) + len(BEGIN), text.index(END)
    DOCS.write_text(text[:start] + "\n" + docs_table() + text[stop:], encoding="utf-8")
    sys.exit(0)
