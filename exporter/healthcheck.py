"""The container's HEALTHCHECK: `python -m exporter.healthcheck` asks the exporter's `/-/healthy`.

It reads the same environment as the exporter: LISTEN_ADDRESS (`:9747`, `0.0.0.0:9747`,
`[::]:9747`, `host:port`) and WEB_CONFIG_FILE. With TLS on it speaks https (to itself on loopback,
so the server certificate is not verified: it may name a host, not 127.0.0.1); with basic auth
on it sends HEALTHCHECK_USERNAME and the password in HEALTHCHECK_PASSWORD_FILE; when client
certificates are required it presents HEALTHCHECK_CERT_FILE and HEALTHCHECK_KEY_FILE.
Exit 0 if healthy, else 1 with one line saying why.
"""

from __future__ import annotations

import base64
import http.client
import os
import ssl
import sys
from typing import Mapping

from exporter.config import ConfigError, parse_listen_address
from exporter.web.config import load

TIMEOUT_SECONDS = 4.0
#: Addresses that mean "every interface" -> the loopback one to ask.
_LOOPBACK = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}


def check(environ: Mapping[str, str]) -> str | None:
    """None if /-/healthy answers 200, else why not."""
    try:
        host, port = parse_listen_address(environ.get("LISTEN_ADDRESS", ":9747"))
        web = load(environ.get("WEB_CONFIG_FILE", ""))
    except (ValueError, ConfigError) as err:
        return f"bad configuration: {err}"
    host = _LOOPBACK.get(host, host)
    headers = {}
    if web.users:
        user, password_file = environ.get("HEALTHCHECK_USERNAME"), environ.get("HEALTHCHECK_PASSWORD_FILE")
        if not user or not password_file:
            return "basic auth is on: set HEALTHCHECK_USERNAME and HEALTHCHECK_PASSWORD_FILE"
        try:
            with open(password_file, "rb") as stream:
                password = stream.read().rstrip(b"\r\n")
        except OSError as err:
            return f"cannot read HEALTHCHECK_PASSWORD_FILE {password_file}: {err.strerror}"
        headers["Authorization"] = "Basic " + base64.b64encode(user.encode() + b":" + password).decode()
    if web.tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        cert, key = environ.get("HEALTHCHECK_CERT_FILE"), environ.get("HEALTHCHECK_KEY_FILE")
        if cert and key:
            try:
                context.load_cert_chain(cert, key)
            except (OSError, ssl.SSLError) as err:
                return f"cannot load HEALTHCHECK_CERT_FILE/HEALTHCHECK_KEY_FILE: {err}"
        elif web.ssl_context.verify_mode == ssl.CERT_REQUIRED:
            return f"{web.client_auth_type} is on: set HEALTHCHECK_CERT_FILE and HEALTHCHECK_KEY_FILE"
        connection = http.client.HTTPSConnection(host, port, timeout=TIMEOUT_SECONDS, context=context)
    else:
        connection = http.client.HTTPConnection(host, port, timeout=TIMEOUT_SECONDS)
    try:
        connection.request("GET", "/-/healthy", headers=headers)
        status = connection.getresponse().status
    except (OSError, http.client.HTTPException) as err:
        return f"{type(err).__name__}: {err}"
    finally:
        connection.close()
    return None if status == 200 else f"/-/healthy answered {status}"


def main() -> None:
    problem = check(os.environ)
    if problem is not None:
        sys.exit(f"unhealthy: {problem}")


if __name__ == "__main__":
    main()
