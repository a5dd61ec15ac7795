"""The real exporter with a --web.config.file: TLS, client certificates, basic auth, rotation, SIGHUP.

Certificates come from trustme, hashes from bcrypt; clients are the standard library's, so that
each test controls exactly what the client offers (its certificate, its TLS versions).
"""

from __future__ import annotations

import base64
import http.client
import os
import signal
import ssl
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from exporter.healthcheck import check
from tests.fakepage import FakeStatuspage
from tests.integration.exporter_process import REPO, ExporterProcess
from tests.webcerts import Pki, bcrypt_hash, make_pki, tls_section, write_leaf, write_web_config

pytestmark = pytest.mark.integration

PASSWORD = "correct horse"


def https_get(port: int, context: ssl.SSLContext, path: str = "/metrics", password: str | None = None):
    """(status, body, headers, TLS version) of one request on a new connection."""
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10)
    try:
        headers = {}
        if password is not None:
            headers["Authorization"] = "Basic " + base64.b64encode(f"prometheus:{password}".encode()).decode()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode(), dict(response.getheaders()), connection.sock.version()
    finally:
        connection.close()


def refused(port: int, context: ssl.SSLContext) -> bool:
    """True if the TLS connection or its first request fails (TLS 1.3 reports a refused client late)."""
    try:
        https_get(port, context, "/-/healthy")
    except (ssl.SSLError, ConnectionError, http.client.HTTPException):
        return True
    return False


def wait_until(check, timeout: float = 15.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout}s")
        time.sleep(0.05)


def start(tmp_path: Path, document: dict, page: FakeStatuspage, client: dict, extra: list[str] = ()) -> ExporterProcess:
    web = write_web_config(tmp_path / "web.yml", document)
    flags = ["--statuspage.url", page.url, "--web.config.file", str(web), *extra]
    return ExporterProcess(flags, scheme="https", client=client)


@pytest.fixture
def page():
    with FakeStatuspage() as page:
        yield page


@pytest.fixture
def pki(tmp_path) -> Pki:
    return make_pki(tmp_path / "pki")


def test_tls_scrape_with_the_right_ca_and_plain_http_refused(tmp_path, page, pki):
    with start(tmp_path, {"tls_server_config": tls_section(pki)}, page, {"verify": str(pki.ca_file)}) as exporter:
        status, body, _, version = https_get(exporter.port, pki.client_context())
        assert (status, version) == (200, "TLSv1.3")
        assert "statuspage_up 1.0" in body
        assert "statuspage_exporter_web_config_last_reload_successful 1.0" in body
        assert refused(exporter.port, ssl.create_default_context())  # a client that does not trust the CA
        plain = http.client.HTTPConnection("127.0.0.1", exporter.port, timeout=10)
        with pytest.raises((ConnectionError, http.client.HTTPException)):
            plain.request("GET", "/metrics")
            plain.getresponse()
        plain.close()


#: client_auth_type -> which clients get in: (no certificate, one from the client CA, one from another CA).
CLIENT_AUTH_MATRIX = {
    "NoClientCert": (True, True, True),
    "RequestClientCert": (True, True, True),
    "RequireAnyClientCert": (False, True, True),
    "VerifyClientCertIfGiven": (True, True, False),
    "RequireAndVerifyClientCert": (False, True, False),
}


@pytest.mark.parametrize(("client_auth_type", "expected"), CLIENT_AUTH_MATRIX.items())
def test_client_auth_types(tmp_path, page, pki, client_auth_type, expected):
    clients_ca = make_pki(tmp_path / "clients", "clients")
    stranger = make_pki(tmp_path / "stranger", "stranger")
    ca = {} if client_auth_type == "NoClientCert" else {"client_ca_file": str(clients_ca.ca_file)}
    tls = tls_section(pki, client_auth_type=client_auth_type, **ca)
    member = clients_ca.client_cert(tmp_path, "member")
    outsider = stranger.client_cert(tmp_path, "outsider")
    # The harness's own health check uses a member certificate, accepted by every type.
    client = {"verify": str(pki.ca_file), "cert": tuple(map(str, member))}
    with start(tmp_path, {"tls_server_config": tls}, page, client) as exporter:
        got_in = tuple(not refused(exporter.port, pki.client_context(cert)) for cert in (None, member, outsider))
    assert got_in == expected


def test_min_version_tls13_refuses_a_tls12_client(tmp_path, page, pki):
    tls12_only = {"maximum_version": ssl.TLSVersion.TLSv1_2}
    with start(tmp_path, {"tls_server_config": tls_section(pki)}, page, {"verify": str(pki.ca_file)}) as exporter:
        assert https_get(exporter.port, pki.client_context(**tls12_only), "/-/healthy")[3] == "TLSv1.2"
    tls = tls_section(pki, min_version="TLS13")
    with start(tmp_path, {"tls_server_config": tls}, page, {"verify": str(pki.ca_file)}) as exporter:
        assert refused(exporter.port, pki.client_context(**tls12_only))
        assert https_get(exporter.port, pki.client_context(), "/-/healthy")[3] == "TLSv1.3"


def test_basic_auth_and_headers_over_tls(tmp_path, page, pki):
    document = {
        "tls_server_config": tls_section(pki),
        "http_server_config": {"headers": {"Strict-Transport-Security": "max-age=31536000"}},
        "basic_auth_users": {"prometheus": bcrypt_hash(PASSWORD)},
    }
    client = {"verify": str(pki.ca_file), "auth": ("prometheus", PASSWORD)}
    with start(tmp_path, document, page, client, ["--web.enable-lifecycle"]) as exporter:
        context = pki.client_context()
        answers = {
            (path, password): https_get(exporter.port, context, path, password)
            for path in ("/metrics", "/-/healthy", "/")
            for password in (PASSWORD, "wrong", None)
        }
    for (path, password), (status, _, headers, _) in answers.items():
        assert headers["Strict-Transport-Security"] == "max-age=31536000"
        if password == PASSWORD:
            assert status == 200, path
        else:
            assert (status, headers.get("WWW-Authenticate")) == (401, "Basic"), (path, password)


def test_certificate_rotation_while_running_and_a_bad_file_keeping_the_last_good_one(tmp_path, page, pki):
    with start(tmp_path, {"tls_server_config": tls_section(pki)}, page, {"verify": str(pki.ca_file)}) as exporter:
        assert https_get(exporter.port, pki.client_context())[0] == 200
        successor = make_pki(tmp_path / "next")
        # Replace the files in place, key and certificate, as cert-manager or certbot would.
        write_leaf(successor.server, pki.cert_file.parent, "server.new")
        os.replace(pki.cert_file.parent / "server.new.key", pki.key_file)
        os.replace(pki.cert_file.parent / "server.new.crt", pki.cert_file)
        wait_until(lambda: not refused(exporter.port, successor.client_context()), what="the new certificate served")
        assert refused(exporter.port, pki.client_context())

        # (Between the two replacements a poll may have seen a mismatched pair: only count from here.)
        logged_before = len(exporter.log_lines())
        pki.cert_file.write_text("garbage\n")
        wait_until(
            lambda: (
                "statuspage_exporter_web_config_last_reload_successful 0.0"
                in https_get(exporter.port, successor.client_context())[1]
            ),
            what="the failed reload in the metric",
        )
        assert not refused(exporter.port, successor.client_context())  # still the last good certificate
        later = exporter.log_lines()[logged_before:]
        failures = [line for line in later if line["msg"].startswith("web config reload failed")]
    assert [line["error"] for line in failures] == [
        f"{tmp_path / 'web.yml'}: tls_server_config: no PEM certificate in {pki.cert_file}"
    ]


def test_sighup_rereads_the_web_config_and_reload_needs_the_lifecycle_flag(tmp_path, page, pki):
    document = {"tls_server_config": tls_section(pki), "basic_auth_users": {"prometheus": bcrypt_hash(PASSWORD)}}
    client = {"verify": str(pki.ca_file), "auth": ("prometheus", PASSWORD)}
    with start(tmp_path, document, page, client) as exporter:
        context = pki.client_context()
        forbidden = exporter.client | {"timeout": 10}
        answer = requests.post(exporter.base_url + "/-/reload", **forbidden)
        assert (answer.status_code, answer.text) == (
            403,
            "403 the lifecycle API is disabled: start with --web.enable-lifecycle for POST /-/reload\n",
        )
        exporter.send_signal(signal.SIGHUP)
        wait_until(
            lambda: any(line["msg"] == "web config reloaded" for line in exporter.log_lines()),
            what="the reload logged",
        )
        assert https_get(exporter.port, context, "/metrics", PASSWORD)[0] == 200


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"basic_auth_users": {"prometheus": "plain"}}, "basic_auth_users.prometheus: not a bcrypt hash"),
        ({"tls_server_config": {"cert_file": "/nonexistent.crt", "key_file": "/nonexistent.key"}}, "cannot read"),
    ],
)
def test_a_bad_web_config_at_start_exits_2_with_one_line(tmp_path, document, message):
    path = write_web_config(tmp_path / "web.yml", document)
    result = subprocess.run(
        [sys.executable, "-m", "exporter", "--web.config.file", str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"github-status-exporter: {path}: ")
    assert message in result.stderr


def test_the_image_healthcheck_speaks_https_with_credentials(tmp_path, page, pki):
    document = {"tls_server_config": tls_section(pki), "basic_auth_users": {"prometheus": bcrypt_hash(PASSWORD)}}
    client = {"verify": str(pki.ca_file), "auth": ("prometheus", PASSWORD)}
    (tmp_path / "right").write_text(PASSWORD + "\n")
    (tmp_path / "wrong").write_text("guess\n")
    with start(tmp_path, document, page, client) as exporter:
        environ = {"LISTEN_ADDRESS": f":{exporter.port}", "WEB_CONFIG_FILE": str(tmp_path / "web.yml")}
        user = {"HEALTHCHECK_USERNAME": "prometheus"}
        answers = [
            check({**environ, **user, "HEALTHCHECK_PASSWORD_FILE": str(tmp_path / "right")}),
            check({**environ, **user, "HEALTHCHECK_PASSWORD_FILE": str(tmp_path / "wrong")}),
            check(environ),
            check({**environ, "WEB_CONFIG_FILE": ""}),  # plain HTTP to the TLS port
        ]
    assert answers[:3] == [
        None,
        "/-/healthy answered 401",
        "basic auth is on: set HEALTHCHECK_USERNAME and HEALTHCHECK_PASSWORD_FILE",
    ]
    assert answers[3] is not None and answers[3].startswith("RemoteDisconnected")


def test_the_healthcheck_presents_a_client_certificate_when_one_is_required(tmp_path, page, pki):
    clients = make_pki(tmp_path / "clients", "clients")
    cert, key = clients.client_cert(tmp_path, "healthcheck")
    tls = tls_section(pki, client_auth_type="RequireAndVerifyClientCert", client_ca_file=str(clients.ca_file))
    client = {"verify": str(pki.ca_file), "cert": (str(cert), str(key))}
    with start(tmp_path, {"tls_server_config": tls}, page, client) as exporter:
        environ = {"LISTEN_ADDRESS": f"127.0.0.1:{exporter.port}", "WEB_CONFIG_FILE": str(tmp_path / "web.yml")}
        with_cert = check({**environ, "HEALTHCHECK_CERT_FILE": str(cert), "HEALTHCHECK_KEY_FILE": str(key)})
        without = check(environ)
    assert (with_cert, without) == (
        None,
        "RequireAndVerifyClientCert is on: set HEALTHCHECK_CERT_FILE and HEALTHCHECK_KEY_FILE",
    )


def test_guessed_passwords_are_bounded_and_do_not_slow_a_scraper_with_a_cached_password(tmp_path, page, pki):
    document = {"tls_server_config": tls_section(pki), "basic_auth_users": {"prometheus": bcrypt_hash(PASSWORD, 12)}}
    client = {"verify": str(pki.ca_file), "auth": ("prometheus", PASSWORD)}
    with start(tmp_path, document, page, client) as exporter:  # its health checks cached the verdict
        context = pki.client_context()

        def guess(i: int) -> int:
            return https_get(exporter.port, context, "/metrics", f"guess-{i}")[0]

        with ThreadPoolExecutor(max_workers=24) as pool:
            guesses = pool.map(guess, range(96))
            latencies = []
            for _ in range(10):
                started = time.monotonic()
                assert https_get(exporter.port, context, "/metrics", PASSWORD)[0] == 200
                latencies.append(time.monotonic() - started)
            statuses = list(guesses)
    assert set(statuses) == {401, 429}, statuses
    # One bcrypt thread: at cost 12 (~0.2 s a check) most of 96 guesses in a burst are turned away.
    assert statuses.count(429) > statuses.count(401)
    assert max(latencies) < 1.0, latencies
