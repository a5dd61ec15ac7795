"""engines.fields: decoding a body as JSON by its BOM or charset, and only with the JSON encodings."""

from __future__ import annotations

import codecs
import time

import pytest

from exporter.engines.fields import decode_json
from exporter.errors import FetchError

DOCUMENT = '{"name": "Actions é"}'


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (DOCUMENT.encode("utf-8"), "application/json"),
        (DOCUMENT.encode("utf-8"), "application/json; charset=UTF-8"),
        (DOCUMENT.encode("utf-8"), 'application/json; charset="utf8"'),
        (codecs.BOM_UTF8 + DOCUMENT.encode("utf-8"), "application/json"),
        (DOCUMENT.encode("utf-16"), "application/json"),  # by its BOM
        (DOCUMENT.encode("utf-16-le"), "application/json; charset=utf-16le"),
        (DOCUMENT.encode("utf-16-be"), "application/json; charset=UTF_16BE"),
        (DOCUMENT.encode("utf-32"), "application/json"),  # by its BOM, not taken for UTF-16's
        (DOCUMENT.encode("utf-32-be"), "application/json; charset=utf-32be"),
        (DOCUMENT.encode("latin-1"), "application/json; charset=ISO-8859-1"),
    ],
)
def test_the_json_encodings_decode_by_bom_or_charset(body, content_type):
    assert decode_json(body, content_type) == {"name": "Actions é"}


@pytest.mark.parametrize(
    ("charset", "message"),
    [
        ("punycode", "unsupported charset 'punycode' (JSON is UTF-8, -16 or -32)"),
        ("idna", "unsupported charset 'idna' (JSON is UTF-8, -16 or -32)"),
        ("utf-7", "unsupported charset 'utf-7' (JSON is UTF-8, -16 or -32)"),
        ("rot13", "unsupported charset 'rot13' (JSON is UTF-8, -16 or -32)"),
        ("windows-1252", "unsupported charset 'windows-1252' (JSON is UTF-8, -16 or -32)"),
        ("no-such-codec", "unsupported charset 'no-such-codec' (JSON is UTF-8, -16 or -32)"),
        ("x" * 100, f"unsupported charset {'x' * 40!r} (JSON is UTF-8, -16 or -32)"),
    ],
)
def test_any_other_charset_is_invalid_json(charset, message):
    with pytest.raises(FetchError) as caught:
        decode_json(b"{}", f"application/json; charset={charset}")
    assert (caught.value.reason, caught.value.detail, caught.value.status) == ("invalid_json", message, 200)


def test_a_quadratic_codec_is_refused_before_any_decoding():
    """Regression: 256 KB named punycode took 15 s to decode, after the fetch's deadline."""
    body = b"{" + b"a" * 131072 + b"-" + b"b" * 131072
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        decode_json(body, "application/json; charset=punycode")
    assert caught.value.reason == "invalid_json"
    assert time.monotonic() - started < 0.1
