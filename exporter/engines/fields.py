"""Reading decoded documents safely: bytes -> JSON, and field readers that name what is wrong.

Every engine reads its documents through these, so that a malformed page is always an
`InvalidPayload` naming the field (`components[3].status: expected a string, got null`) or a
`FetchError("invalid_json")`, and every string is safe to use as a label value.
"""

from __future__ import annotations

import codecs
import json
import math
from datetime import UTC, datetime
from typing import Any, Mapping

from exporter.errors import FetchError, InvalidPayload
from exporter.model import EARLIEST_SECONDS, LATEST_SECONDS, clean

# UTF-32's BOMs first: UTF-32LE's starts with UTF-16LE's.
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: The charsets a JSON body may name (RFC 8259: UTF-8, -16, -32; and the two every page's ASCII
#: fits) -> their codec. Every one decodes in linear time; a charset beyond these is refused, never
#: looked up: Python's codecs include quadratic ones (punycode), and decoding runs after the
#: fetch's deadline.
CHARSETS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "utf-16": "utf-16",
    "utf-16le": "utf-16-le",
    "utf-16be": "utf-16-be",
    "utf-32": "utf-32",
    "utf-32le": "utf-32-le",
    "utf-32be": "utf-32-be",
    "us-ascii": "ascii",
    "ascii": "ascii",
    "iso-8859-1": "latin-1",
    "latin1": "latin-1",
    "latin-1": "latin-1",
}


def decode_json(content: bytes, content_type: str = "") -> Any:
    """Decode a JSON body: by its byte-order mark, else the charset of `content_type`, else UTF-8.

    Raises FetchError("invalid_json") for bytes that are not JSON text, and for a charset that is
    not one of `CHARSETS`.
    """
    return load_json(decode_text(content, content_type))


def decode_text(content: bytes, content_type: str = "") -> str:
    """A body's text, decoded as `decode_json` does; FetchError("invalid_json") if it does not decode."""
    declared = _charset(content_type)
    encoding = "utf-8" if declared is None else CHARSETS.get(declared.lower().replace("_", "-"))
    if encoding is None:
        raise FetchError("invalid_json", f"unsupported charset {declared[:40]!r} (JSON is UTF-8, -16 or -32)", 200)
    for bom, name in _BOMS:
        if content.startswith(bom):
            encoding = name
            break
    try:
        return content.decode(encoding)
    except ValueError as err:  # UnicodeDecodeError is a ValueError
        raise FetchError("invalid_json", f"body is not JSON: {err}", 200) from None


def load_json(text: str) -> Any:
    """json.loads, failing only with FetchError("invalid_json")."""
    try:
        return json.loads(text)
    except ValueError as err:
        raise FetchError("invalid_json", f"body is not JSON: {err}", 200) from None
    except RecursionError:
        raise FetchError("invalid_json", "body nests too deeply", 200) from None


def _charset(content_type: str) -> str | None:
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"') or None
    return None


#: The most items one array of a document may hold. Interpreting one item costs microseconds, but
#: 8 MiB of JSON holds 150,000 small ones (3 s of work, every fetch): refused before any is read.
#: Far above the model's limits (`MAX_COMPONENTS`...), which a page must also keep to.
MAX_ARRAY_ITEMS = 20_000

_TYPE_NAMES = {
    dict: "an object",
    list: "an array",
    str: "a string",
    bool: "a boolean",
    int: "a number",
    float: "a number",
}


def describe(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def as_object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise InvalidPayload(f"{where}: expected an object, got {describe(value)}")
    return value


def as_array(value: Any, where: str) -> list[Any]:
    """The value if it is an array of at most `MAX_ARRAY_ITEMS` items; InvalidPayload otherwise."""
    if not isinstance(value, list):
        raise InvalidPayload(f"{where}: expected an array, got {describe(value)}")
    if len(value) > MAX_ARRAY_ITEMS:
        raise InvalidPayload(f"{where}: {len(value)} items, over the limit of {MAX_ARRAY_ITEMS} items in one array")
    return value


def required(obj: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in obj:
        raise InvalidPayload(f"{where}: missing {key!r}")
    return obj[key]


def string(obj: Mapping[str, Any], key: str, where: str) -> str:
    value = required(obj, key, where)
    if not isinstance(value, str):
        raise InvalidPayload(f"{where}.{key}: expected a string, got {describe(value)}")
    return clean(value)


def optional(obj: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    """The value if present and not null; None otherwise; InvalidPayload if of another type."""
    value = obj.get(key)
    if value is not None and not isinstance(value, kind):
        raise InvalidPayload(f"{where}.{key}: expected {_TYPE_NAMES[kind]}, got {describe(value)}")
    return clean(value) if isinstance(value, str) else value


def timestamp(obj: Mapping[str, Any], key: str, where: str) -> float | None:
    """An RFC 3339 time with offset (`Z` or `-08:00`) as Unix seconds; None if absent or null."""
    return _time(obj, key, where, "not an RFC 3339 time", naive_is_utc=False)


def string_or_integer(obj: Mapping[str, Any], key: str, where: str) -> str:
    """A string, or an integer as its decimal text: ids and codes that some engines send either way."""
    value = required(obj, key, where)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise InvalidPayload(f"{where}.{key}: expected a string or an integer, got {describe(value)}")
    return clean(value)


def epoch(obj: Mapping[str, Any], key: str, where: str) -> float | None:
    """Unix seconds given as a number or as its decimal text ("1772369485"); None if absent or null."""
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InvalidPayload(f"{where}.{key}: expected Unix seconds, got {describe(value)}")
    try:
        seconds = float(value)
    except (ValueError, OverflowError):  # "soon", or an integer beyond any float
        seconds = math.nan
    if not math.isfinite(seconds):
        raise InvalidPayload(f"{where}.{key}: not Unix seconds: {str(value)[:64]!r}")
    return in_range(seconds, f"{where}.{key}", str(value))


def in_range(seconds: float, where: str, text: str) -> float:
    """Unix seconds within the years renderers can write; InvalidPayload naming `where` otherwise."""
    if not EARLIEST_SECONDS <= seconds <= LATEST_SECONDS:
        raise InvalidPayload(f"{where}: time out of range (1970 to 9999): {text[:64]!r}")
    return seconds


def string_array(obj: Mapping[str, Any], key: str, where: str) -> list[str]:
    """A required array of strings (`services: ["Messaging"]`)."""
    items = as_array(required(obj, key, where), f"{where}.{key}")
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise InvalidPayload(f"{where}.{key}[{i}]: expected a string, got {describe(item)}")
    return [clean(item) for item in items]


def objects(parent: Mapping[str, Any], key: str, where: str) -> list[tuple[Mapping[str, Any], str]]:
    """The objects of the optional array `parent[key]` (absent or null: none), each with where it is."""
    value = parent.get(key)
    items = [] if value is None else as_array(value, where)
    return [(as_object(item, f"{where}[{i}]"), f"{where}[{i}]") for i, item in enumerate(items)]


def utc_timestamp(obj: Mapping[str, Any], key: str, where: str) -> float | None:
    """A time as `timestamp` reads it, or one without an offset (`2026-09-12 13:00:03`, as Cachet
    and Uptime Kuma write them) read as UTC; None if absent or null."""
    return _time(obj, key, where, "not a time", naive_is_utc=True)


def _time(obj: Mapping[str, Any], key: str, where: str, not_a_time: str, *, naive_is_utc: bool) -> float | None:
    text = optional(obj, key, str, where)
    if text is None:
        return None
    return time_text(text, f"{where}.{key}", not_a_time=not_a_time, naive_is_utc=naive_is_utc)


def time_text(text: str, where: str, *, not_a_time: str = "not an RFC 3339 time", naive_is_utc: bool = False) -> float:
    """An ISO 8601 / RFC 3339 time's text as Unix seconds; one without an offset is an error, or
    (`naive_is_utc`) read as UTC. Raises InvalidPayload naming `where`."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidPayload(f"{where}: {not_a_time}: {text[:64]!r}") from None
    if moment.tzinfo is None:
        if not naive_is_utc:
            raise InvalidPayload(f"{where}: time without an offset: {text[:64]!r}")
        moment = moment.replace(tzinfo=UTC)
    return in_range(moment.timestamp(), where, text)


def epoch_millis(obj: Mapping[str, Any], key: str, where: str) -> float | None:
    """Unix milliseconds (a number or its decimal text) as seconds; None if absent, null, "" or 0
    (how these feeds say "none")."""
    value = obj.get(key)
    if value is None or value == "" or (value == 0 and not isinstance(value, bool)):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InvalidPayload(f"{where}.{key}: expected Unix milliseconds, got {describe(value)}")
    try:
        millis = float(value)
    except (ValueError, OverflowError):
        millis = math.nan
    if not math.isfinite(millis):
        raise InvalidPayload(f"{where}.{key}: not Unix milliseconds: {str(value)[:64]!r}")
    return in_range(millis / 1000, f"{where}.{key}", str(value))
