"""urls: a page URL's credentials are redacted wherever it is shown, and scrubbed from any text."""

from __future__ import annotations

import pytest

from exporter.urls import redact_url, scrub


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:secret@status.example.com/x", "https://user:<secret>@status.example.com/x"),
        ("https://user:@status.example.com", "https://user:<secret>@status.example.com"),
        ("https://ghp_token@status.example.com", "https://<secret>@status.example.com"),
        ("http://u:p%40ss@[::1]:8080/", "http://u:<secret>@[::1]:8080/"),
        ("https://u:a:b@host", "https://u:<secret>@host"),
        ("https://status.example.com/a@b", "https://status.example.com/a@b"),
        ("https://status.example.com", "https://status.example.com"),
        ("http://u:p@[::1/", "http://<secret>@[::1/"),
    ],
)
def test_redact_url_replaces_the_secret_of_the_userinfo(url, shown):
    assert redact_url(url) == shown


@pytest.mark.parametrize(
    ("text", "url", "scrubbed"),
    [
        (
            "Invalid URL 'http://u:p%40ss@host/x': no host",
            "http://u:p%40ss@host",
            "Invalid URL 'http://u:<secret>@host/x': no host",
        ),
        ("auth p@ss refused", "http://u:p%40ss@host", "auth <secret> refused"),
        ("Location 'http://a:b@evil/' refused", "https://host", "Location 'http://a:<secret>@evil/' refused"),
        ("plain text", "https://u:secret@host", "plain text"),
    ],
)
def test_scrub_takes_the_secret_and_every_userinfo_out_of_text(text, url, scrubbed):
    assert scrub(text, url) == scrubbed
