"""URLs as they may be shown: a page URL's credentials are used for its requests, never displayed.

`url: https://user:secret@status.example.com` makes the exporter send basic auth to the page; the
API, the status page, the `url` label, the logs and error messages show
`https://user:<secret>@status.example.com` instead (`https://<secret>@host` for a token given
as the user name alone). `scrub(text, url)` takes the URL's secret out of any text, such as a
library's error message that quotes the URL.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

SECRET = "<secret>"
#: The userinfo of anything that looks like an absolute URL, for text urlsplit cannot parse.
_USERINFO = re.compile(r"(?<=//)[^/?#@\s]*@")


def redact_url(url: str) -> str:
    """The URL with its userinfo's password (or its lone user name, often a token) replaced by <secret>."""
    if "@" not in url:
        return url
    try:
        parts = urlsplit(url)
        has_userinfo = parts.username is not None
    except ValueError:  # a URL urlsplit refuses (a bad IPv6 literal): cut every userinfo-like part
        return _USERINFO.sub(f"{SECRET}@", url)
    if not has_userinfo:
        return url
    userinfo, _, host = parts.netloc.rpartition("@")
    return parts._replace(netloc=_shown(userinfo + "@") + host).geturl()


def secrets_of(url: str) -> tuple[str, ...]:
    """The URL's secret as written and percent-decoded: what `scrub` takes out (none without userinfo)."""
    if "@" not in url:
        return ()
    try:
        parts = urlsplit(url)
        userinfo = parts.netloc.rpartition("@")[0] if parts.username is not None else ""
    except ValueError:
        return ()
    user, has_password, password = userinfo.partition(":")
    secret = password if has_password else user
    return tuple(sorted({secret, unquote(secret)} - {""}, key=len, reverse=True))


def scrub(text: str, url: str) -> str:
    """The text with the URL's secret (as written or decoded) replaced by <secret>, and every URL redacted."""
    for secret in secrets_of(url):
        text = text.replace(secret, SECRET)
    return _USERINFO.sub(lambda m: _shown(m.group(0)), text)


def _shown(userinfo: str) -> str:
    """`user:<secret>@` for `user:password@`, `<secret>@` for a lone user name (often a token)."""
    user, has_password, _ = userinfo[:-1].partition(":")
    return f"{user}:{SECRET}@" if has_password else f"{SECRET}@"
