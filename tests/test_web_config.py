"""webconfig.load: every bad file's exact message, and what good files build (TLS context, headers, users)."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exporter.__main__ import run
from exporter.web.config import PLAIN, WebConfigError, load
from tests.webcerts import Pki, bcrypt_hash, make_pki, tls_section, write_web_config

HASH = bcrypt_hash("secret")


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Pki:
    pki = make_pki(tmp_path_factory.mktemp("pki"))
    pki.other_key_file = make_pki(pki.cert_file.parent / "other").key_file
    return pki


def write(tmp_path: Path, document: dict | str) -> Path:
    path = tmp_path / "web.yml"
    if isinstance(document, str):
        path.write_text(document, encoding="utf-8")
        return path
    return write_web_config(path, document)


def error_of(path: Path) -> str:
    with pytest.raises(WebConfigError) as caught:
        load(str(path))
    return str(caught.value)


# -- bad files --------------------------------------------------------------------------------------
BAD_DOCUMENTS = [
    ("an unknown top-level key", {"tls_config": {}}, "tls_config: unknown key"),
    (
        "an unknown tls key",
        {"tls_server_config": {"cert_file": "{cert}", "key_file": "{key}", "min_versoin": "TLS12"}},
        "tls_server_config.min_versoin: unknown key",
    ),
    (
        "a key the exporter does not implement",
        {"rate_limit": {"interval": "1s", "burst": 5}},
        "rate_limit: not implemented by this exporter (put a reverse proxy in front to limit rates)",
    ),
    (
        "curve preferences",
        {"tls_server_config": {"cert_file": "{cert}", "key_file": "{key}", "curve_preferences": ["X25519"]}},
        "tls_server_config.curve_preferences: not implemented by this exporter (the TLS library's default curves "
        "are used)",
    ),
    (
        "a password that is not a bcrypt hash",
        {"basic_auth_users": {"alice": "hunter2"}},
        "basic_auth_users.alice: not a bcrypt hash (want $2b$<cost>$<53 characters>)",
    ),
    (
        "a user name with a colon",
        {"basic_auth_users": {"a:b": HASH}},
        "basic_auth_users.a:b: a user name must be a non-empty string without ':'",
    ),
    (
        "a bad client_auth_type",
        {"tls_server_config": {"cert_file": "{cert}", "key_file": "{key}", "client_auth_type": "Always"}},
        "tls_server_config.client_auth_type: unknown value 'Always' (want one of NoClientCert, RequestClientCert, "
        "RequireAnyClientCert, RequireClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert)",
    ),
    (
        "a client_auth_type that is a list (regression: it raised TypeError, unhashable)",
        {"tls_server_config": {"cert_file": "{cert}", "key_file": "{key}", "client_auth_type": []}},
        "tls_server_config.client_auth_type: expected a string, got a list",
    ),
    (
        "a bad min_version",
        {"tls_server_config": {"cert_file": "{cert}", "key_file": "{key}", "min_version": "TLS1.2"}},
        "tls_server_config.min_version: unknown value 'TLS1.2' (want one of TLS10, TLS11, TLS12, TLS13)",
    ),
    (
        "min_version above max_version",
        {
            "tls_server_config": {
                "cert_file": "{cert}",
                "key_file": "{key}",
                "min_version": "TLS13",
                "max_version": "TLS12",
            }
        },
        "tls_server_config: min_version is above max_version",
    ),
    (
        "an unknown cipher suite",
        {
            "tls_server_config": {
                "cert_file": "{cert}",
                "key_file": "{key}",
                "cipher_suites": ["TLS_RSA_WITH_RC4_128_SHA"],
            }
        },
        "tls_server_config.cipher_suites: unknown cipher suite TLS_RSA_WITH_RC4_128_SHA (want Go names such as "
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)",
    ),
    (
        "a missing key file",
        {"tls_server_config": {"cert_file": "{cert}", "key_file": "missing.key"}},
        "tls_server_config.key_file: cannot read {dir}/missing.key: No such file or directory",
    ),
    (
        "a key file that is a directory",
        {"tls_server_config": {"cert_file": "{cert}", "key_file": "."}},
        "tls_server_config.key_file: cannot read {dir}/.: Is a directory",
    ),
    (
        "no key at all",
        {"tls_server_config": {"cert_file": "{cert}"}},
        "tls_server_config: missing key_file (or key)",
    ),
    (
        "both an inline cert and a cert file",
        {"tls_server_config": {"cert": "x", "cert_file": "{cert}", "key_file": "{key}"}},
        "tls_server_config: give cert or cert_file, not both",
    ),
    (
        "a key that is not a key",
        {"tls_server_config": {"cert_file": "{cert}", "key_file": "{cert}"}},
        "tls_server_config: no PEM private key in {cert}",
    ),
    (
        "a certificate that is not a certificate",
        {"tls_server_config": {"cert_file": "{key}", "key_file": "{key}"}},
        "tls_server_config: no PEM certificate in {key}",
    ),
    (
        "a key that is not the certificate's",
        {"tls_server_config": {"cert_file": "{cert}", "key_file": "{other_key}"}},
        "tls_server_config: cannot use the certificate and key: key values mismatch",
    ),
    (
        "a client CA without client auth",
        {"tls_server_config": {"cert_file": "{cert}", "key_file": "{key}", "client_ca_file": "{ca}"}},
        "tls_server_config: client_ca_file is set but client_auth_type is NoClientCert",
    ),
    (
        "verification without a client CA",
        {
            "tls_server_config": {
                "cert_file": "{cert}",
                "key_file": "{key}",
                "client_auth_type": "VerifyClientCertIfGiven",
            }
        },
        "tls_server_config: client_auth_type VerifyClientCertIfGiven needs client_ca_file",
    ),
    (
        "a header the format does not allow",
        {"http_server_config": {"headers": {"Server": "nginx"}}},
        "http_server_config.headers.Server: this header cannot be configured (allowed: Strict-Transport-Security, "
        "X-Content-Type-Options, X-Frame-Options, X-XSS-Protection, Content-Security-Policy)",
    ),
    (
        "a header value outside its enumeration",
        {"http_server_config": {"headers": {"X-Frame-Options": "allow"}}},
        "http_server_config.headers.X-Frame-Options: invalid value 'allow' (want one of deny, sameorigin)",
    ),
    (
        "every problem at once",
        {"basic_auth_users": {"bob": "plain"}, "http_server_config": {"http2": "yes"}, "extra": 1},
        "extra: unknown key; http_server_config.http2: expected a boolean, got a string; "
        "basic_auth_users.bob: not a bcrypt hash (want $2b$<cost>$<53 characters>)",
    ),
]


def _fill(value, pki: Pki):
    if isinstance(value, dict):
        return {k: _fill(v, pki) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, pki) for v in value]
    if isinstance(value, str):
        return value.format(cert=pki.cert_file, key=pki.key_file, ca=pki.ca_file, other_key=pki.other_key_file)
    return value


@pytest.mark.parametrize(
    ("document", "message"), [(d, m) for _, d, m in BAD_DOCUMENTS], ids=[i for i, _, _ in BAD_DOCUMENTS]
)
def test_bad_file_is_refused_with_its_exact_message(tmp_path, pki, document, message):
    path = write(tmp_path, _fill(document, pki))
    expected = message.format(dir=tmp_path, cert=pki.cert_file, key=pki.key_file, other_key=pki.other_key_file)
    assert error_of(path) == f"{path}: {expected}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tls_server_config: [", "invalid YAML: while parsing a flow node expected the node content"),
        ("- a list\n", "expected a mapping, got a list"),
        ("basic_auth_users: {a: x}\nbasic_auth_users: {}\n", "invalid YAML: duplicate key 'basic_auth_users'"),
    ],
)
def test_file_that_is_not_a_mapping_is_refused(tmp_path, text, message):
    assert error_of(write(tmp_path, text)).startswith(f"{tmp_path / 'web.yml'}: {message}")


def test_missing_file_is_refused(tmp_path):
    assert error_of(tmp_path / "nope.yml") == f"{tmp_path / 'nope.yml'}: cannot read: No such file or directory"


def test_error_names_the_files_it_read_so_they_can_be_watched(tmp_path, pki):
    path = write(tmp_path, {"tls_server_config": {"cert_file": str(pki.cert_file), "key_file": "later.key"}})
    with pytest.raises(WebConfigError) as caught:
        load(str(path))
    assert caught.value.files == (str(path), str(pki.cert_file), str(tmp_path / "later.key"))


# -- good files --------------------------------------------------------------------------------------
def test_no_file_and_an_empty_file_mean_plain_http_without_auth(tmp_path):
    assert load("") is PLAIN
    config = load(str(write(tmp_path, "")))
    assert (config.ssl_context, config.headers, dict(config.users)) == (None, (), {})


def test_tls_defaults_are_the_toolkits(tmp_path, pki):
    config = load(str(write(tmp_path, {"tls_server_config": tls_section(pki)})))
    context = config.ssl_context
    assert (context.minimum_version, context.maximum_version) == (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3)
    assert context.verify_mode == ssl.CERT_NONE
    assert context.options & ssl.OP_CIPHER_SERVER_PREFERENCE
    assert config.files == (str(tmp_path / "web.yml"), str(pki.cert_file), str(pki.key_file))


def test_relative_paths_are_read_from_the_files_directory(tmp_path, pki):
    (tmp_path / "tls").mkdir()
    (tmp_path / "tls" / "s.crt").write_bytes(pki.cert_file.read_bytes())
    (tmp_path / "tls" / "s.key").write_bytes(pki.key_file.read_bytes())
    config = load(str(write(tmp_path, {"tls_server_config": {"cert_file": "tls/s.crt", "key_file": "tls/s.key"}})))
    assert config.files[1:] == (str(tmp_path / "tls" / "s.crt"), str(tmp_path / "tls" / "s.key"))
    assert config.tls


def test_inline_certificate_and_key(tmp_path, pki):
    inline = {"cert": pki.cert_file.read_text(), "key": pki.key_file.read_text(), "client_ca": pki.ca_file.read_text()}
    config = load(
        str(write(tmp_path, {"tls_server_config": {**inline, "client_auth_type": "RequireAndVerifyClientCert"}}))
    )
    assert config.ssl_context.verify_mode == ssl.CERT_REQUIRED
    assert len(config.ssl_context.get_ca_certs()) == 1
    assert config.files == (str(tmp_path / "web.yml"),)


@pytest.mark.parametrize(
    ("client_auth_type", "verify_mode"),
    [
        ("NoClientCert", ssl.CERT_NONE),
        ("RequestClientCert", ssl.CERT_OPTIONAL),
        ("RequireAnyClientCert", ssl.CERT_REQUIRED),
        ("VerifyClientCertIfGiven", ssl.CERT_OPTIONAL),
        ("RequireAndVerifyClientCert", ssl.CERT_REQUIRED),
    ],
)
def test_client_auth_types_map_to_verify_modes(tmp_path, pki, client_auth_type, verify_mode):
    ca = {} if client_auth_type == "NoClientCert" else {"client_ca_file": str(pki.ca_file)}
    tls = tls_section(pki, client_auth_type=client_auth_type, **ca)
    config = load(str(write(tmp_path, {"tls_server_config": tls})))
    assert (config.ssl_context.verify_mode, config.client_auth_type) == (verify_mode, client_auth_type)


@pytest.mark.parametrize(("spelled", "verify_mode"), [("", ssl.CERT_NONE), ("RequireClientCert", ssl.CERT_REQUIRED)])
def test_the_toolkits_other_spellings_of_client_auth_type_are_read_as_it_reads_them(
    tmp_path, pki, spelled, verify_mode
):
    ca = {"client_ca_file": str(pki.ca_file)} if spelled else {}
    config = load(str(write(tmp_path, {"tls_server_config": tls_section(pki, client_auth_type=spelled, **ca)})))
    assert config.ssl_context.verify_mode == verify_mode


def test_cipher_suites_become_the_tls12_list_in_order(tmp_path, pki):
    suites = ["TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"]
    config = load(str(write(tmp_path, {"tls_server_config": tls_section(pki, cipher_suites=suites)})))
    tls12 = [c["name"] for c in config.ssl_context.get_ciphers() if c["protocol"] == "TLSv1.2"]
    assert tls12 == ["ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305"]


def test_only_tls13_cipher_suites_rule_out_tls12_as_in_go(tmp_path, pki):
    tls = tls_section(pki, cipher_suites=["TLS_AES_128_GCM_SHA256"])
    config = load(str(write(tmp_path, {"tls_server_config": tls})))
    assert config.ssl_context.minimum_version == ssl.TLSVersion.TLSv1_3


def test_prefer_server_cipher_suites_false_clears_the_option(tmp_path, pki):
    tls = tls_section(pki, prefer_server_cipher_suites=False)
    config = load(str(write(tmp_path, {"tls_server_config": tls})))
    assert not config.ssl_context.options & ssl.OP_CIPHER_SERVER_PREFERENCE


def test_headers_and_users(tmp_path):
    document = {
        "http_server_config": {
            "http2": False,
            "headers": {
                "X-Frame-Options": "deny",
                "Content-Security-Policy": "default-src 'self'",
                "X-XSS-Protection": "",
            },
        },
        "basic_auth_users": {"alice": HASH},
    }
    config = load(str(write(tmp_path, document)))
    assert config.headers == (("X-Frame-Options", "deny"), ("Content-Security-Policy", "default-src 'self'"))
    assert dict(config.users) == {"alice": HASH.encode()}
    assert config.ssl_context is None


# -- the entry point ---------------------------------------------------------------------------------
def test_bad_web_config_exits_2_with_one_line(tmp_path, capsys):
    path = write(tmp_path, {"basic_auth_users": {"alice": "hunter2"}})
    assert run(["--web.config.file", str(path)], {}) == 2
    err = capsys.readouterr().err
    assert err == (
        f"github-status-exporter: {path}: basic_auth_users.alice: not a bcrypt hash (want $2b$<cost>$<53 characters>)\n"
    )


def test_config_check_validates_the_web_config(tmp_path, pki, capsys):
    path = write(tmp_path, {"tls_server_config": tls_section(pki), "basic_auth_users": {"alice": HASH}})
    assert run(["--config.check"], {"WEB_CONFIG_FILE": str(path)}) == 0
    assert capsys.readouterr().out == (
        "github-status-exporter: configuration OK (0 pages in no --config.file; "
        f"TLS with NoClientCert, 1 basic auth users, 0 headers in {path})\n"
    )
    write(tmp_path, {"tls_server_config": {"cert_file": str(pki.cert_file)}})
    assert run(["--config.check", "--web.config.file", str(path)], {}) == 2
    assert capsys.readouterr().err == f"github-status-exporter: {path}: tls_server_config: missing key_file (or key)\n"


# -- whatever the file holds -----------------------------------------------------------------------
_KEYS = ["tls_server_config", "http_server_config", "basic_auth_users", "rate_limit", "headers", "http2", "cert",
         "key", "cert_file", "key_file", "client_ca", "client_ca_file", "client_auth_type", "min_version",
         "max_version", "cipher_suites", "prefer_server_cipher_suites", "X-Frame-Options", "alice"]  # fmt: skip
_VALUES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=8)
    | st.sampled_from(
        [
            "TLS13",
            "TLS10",
            "RequireAnyClientCert",
            "deny",
            "TLS_AES_128_GCM_SHA256",
            HASH,
            ".",
            "{cert}",
            "{key}",
            "{ca}",
        ]
    )
)
_DOCUMENTS = st.recursive(
    _VALUES,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(_KEYS), children, max_size=4),
    max_leaves=20,
)


def _replace(value, table: dict):
    if isinstance(value, dict):
        return {k: _replace(v, table) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, table) for v in value]
    return table.get(value, value) if isinstance(value, str) else value


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=_DOCUMENTS)
def test_any_document_gives_a_config_or_a_one_line_error(tmp_path, pki, document):
    path = tmp_path / "web.yml"
    files = {"{cert}": str(pki.cert_file), "{key}": str(pki.key_file), "{ca}": str(pki.ca_file)}
    path.write_text(yaml.safe_dump(_replace(document, files)), encoding="utf-8")
    try:
        config = load(str(path))
    except WebConfigError as err:
        assert "\n" not in str(err) and str(err).startswith(f"{path}: ")
    else:
        assert config.files[0] == str(path)


def fake_hash(cost: int) -> str:
    """A well-formed bcrypt hash of this cost (never checked: computing a cost-31 hash takes days)."""
    return f"$2b${cost:02d}$" + "a" * 53


@pytest.mark.parametrize(
    ("cost", "warnings"),
    [
        (14, ()),
        (
            15,
            (
                "basic_auth_users.alice: bcrypt cost 15 is above 14: every check of a new password takes 2 times "
                "as long as at cost 14 (about a second)",
            ),
        ),
        (
            31,
            (
                "basic_auth_users.alice: bcrypt cost 31 is above 14: every check of a new password takes 131072 "
                "times as long as at cost 14 (about a second)",
            ),
        ),
    ],
)
def test_a_bcrypt_cost_above_14_is_accepted_with_a_warning(tmp_path, cost, warnings):
    assert load(str(write(tmp_path, {"basic_auth_users": {"alice": fake_hash(cost)}}))).warnings == warnings


def test_config_check_prints_the_bcrypt_cost_warning_and_passes(tmp_path, capsys):
    """Regression: cost 31 was accepted silently."""
    path = write(tmp_path, {"basic_auth_users": {"alice": fake_hash(31)}})
    assert run(["--config.check", "--web.config.file", str(path)], {}) == 0
    captured = capsys.readouterr()
    assert captured.err == (
        f"github-status-exporter: warning: {path}: basic_auth_users.alice: bcrypt cost 31 is above 14: every check "
        "of a new password takes 131072 times as long as at cost 14 (about a second)\n"
    )
    assert captured.out.startswith("github-status-exporter: configuration OK")
