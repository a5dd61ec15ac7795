"""The catalog of well-known vendor status pages: `exporter/catalog/vendors.yaml`, shipped as data.

Each vendor has a key (a valid page name), a display name, its page's URL as its engine needs it,
the engine, a category and the public source the facts come from. The page file's `- vendor: <key>`
and `--statuspage.vendor` take a page from here; `--catalog` prints it. `display_name(url, engine)`
gives the catalog's name for a page configured by URL, so that even before its first answer a page
is shown by a name a person knows.
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass
from importlib import resources
from typing import Mapping

import yaml

#: The fields of an entry, in the order the file and `--catalog --output=yaml` give them.
FIELDS = ("key", "name", "url", "engine", "category", "source")


@dataclass(frozen=True)
class Vendor:
    """One entry of the catalog."""

    key: str
    name: str
    url: str
    engine: str
    category: str
    source: str


class UnknownVendor(ValueError):
    """A key the catalog does not have; the message suggests the closest keys."""


@functools.cache
def vendors() -> Mapping[str, Vendor]:
    """Every vendor by key, in the file's order (read once)."""
    text = resources.files("exporter.catalog").joinpath("vendors.yaml").read_text(encoding="utf-8")
    # Our own data, read at every start: libyaml's loader where PyYAML has it (ten times faster).
    entries = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))["vendors"]
    return {entry["key"]: Vendor(**{field: entry[field] for field in FIELDS}) for entry in entries}


def lookup(key: str) -> Vendor:
    """The vendor of that key; raises UnknownVendor naming the closest keys."""
    found = vendors().get(key)
    if found is None:
        close = difflib.get_close_matches(key.lower(), list(vendors()), n=3, cutoff=0.6)
        hint = f" (did you mean {' or '.join(repr(k) for k in close)}?)" if close else " (see --catalog)"
        raise UnknownVendor(f"unknown vendor {key!r}{hint}")
    return found


@functools.cache
def _by_page() -> Mapping[tuple[str, str], Vendor]:
    return {(vendor.url, vendor.engine): vendor for vendor in vendors().values()}


def display_name(url: str, engine: str) -> str:
    """The catalog's name for the page at that URL read by that engine ("" when it lists none).

    A page whose engine is detected (`auto`) matches the entry of its URL whatever its engine.
    """
    if engine == "auto":
        return next((v.name for v in vendors().values() if v.url == url), "")
    found = _by_page().get((url, engine))
    return found.name if found else ""


def render_text() -> str:
    """One vendor a line: key, name, engine, URL, in aligned columns."""
    rows = [(v.key, v.name, v.engine, v.url) for v in vendors().values()]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "".join(
        f"{key:<{widths[0]}}  {name:<{widths[1]}}  {engine:<{widths[2]}}  {url}\n" for key, name, engine, url in rows
    )


def render_page_file() -> str:
    """The whole catalog as a ready page file (`--config.file`): one `vendor:` entry each."""
    lines = [
        "# Every vendor of the github-status-exporter catalog as a page file: keep the pages you depend on.\n",
        "pages:\n",
    ]
    lines.extend(f"  - vendor: {v.key}  # {v.name}, {v.engine}: {v.url}\n" for v in vendors().values())
    return "".join(lines)
