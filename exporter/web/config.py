"""The `--web.config.file`: TLS, extra response headers and basic auth users, parsed strictly.

The format is prometheus/exporter-toolkit's (docs/web-configuration.md), so one file serves
node_exporter and this exporter:

    tls_server_config:
      cert_file: server.crt          # or cert: <PEM>; relative paths are from the file's directory
      key_file: server.key           # or key: <PEM>
      client_auth_type: RequireAndVerifyClientCert
      client_ca_file: clients-ca.crt # or client_ca: <PEM>
      min_version: TLS12             # TLS10 .. TLS13; max_version too
      cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]
    http_server_config:
      headers: {X-Content-Type-Options: nosniff}
    basic_auth_users:
      prometheus: $2b$10$...         # bcrypt hashes

`load(path)` returns a frozen `WebConfig`, with the `ssl.SSLContext` already built, or raises
`WebConfigError` whose one line names every problem. Keys of the format this exporter does not
implement (`rate_limit`, `curve_preferences`, `client_allowed_sans`) are errors, never ignored.
"""

from __future__ import annotations

import contextlib
import os
import re
import ssl
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

from exporter import yamlfile
from exporter.config import ConfigError
from exporter.web.anycert import AnyCertificateUnsupported, accept_any_certificate

TLS_VERSIONS = {
    "TLS10": ssl.TLSVersion.TLSv1,
    "TLS11": ssl.TLSVersion.TLSv1_1,
    "TLS12": ssl.TLSVersion.TLSv1_2,
    "TLS13": ssl.TLSVersion.TLSv1_3,
}


@dataclass(frozen=True)
class _ClientAuth:
    verify_mode: ssl.VerifyMode
    #: Asks for a certificate but accepts any, unverified (Go's RequestClientCert, RequireAnyClientCert).
    any_certificate: bool = False


#: Go's tls.ClientAuthType names -> how OpenSSL is told to treat client certificates.
CLIENT_AUTH_TYPES = {
    "NoClientCert": _ClientAuth(ssl.CERT_NONE),
    "RequestClientCert": _ClientAuth(ssl.CERT_OPTIONAL, any_certificate=True),
    "RequireAnyClientCert": _ClientAuth(ssl.CERT_REQUIRED, any_certificate=True),
    "RequireClientCert": _ClientAuth(ssl.CERT_REQUIRED, any_certificate=True),  # the toolkit's old name
    "VerifyClientCertIfGiven": _ClientAuth(ssl.CERT_OPTIONAL),
    "RequireAndVerifyClientCert": _ClientAuth(ssl.CERT_REQUIRED),
}

#: The TLS 1.0-1.2 suites Go's tls.CipherSuites() lists (the toolkit accepts only those) -> OpenSSL names.
CIPHER_SUITES = {
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA": "ECDHE-ECDSA-AES128-SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA": "ECDHE-ECDSA-AES256-SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA": "ECDHE-RSA-AES128-SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA": "ECDHE-RSA-AES256-SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256": "ECDHE-ECDSA-AES128-GCM-SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384": "ECDHE-ECDSA-AES256-GCM-SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": "ECDHE-RSA-AES128-GCM-SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384": "ECDHE-RSA-AES256-GCM-SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256": "ECDHE-RSA-CHACHA20-POLY1305",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256": "ECDHE-ECDSA-CHACHA20-POLY1305",
}
#: TLS 1.3 suites: always all enabled, in Go as in OpenSSL. Listing only these rules out TLS 1.2
#: (as in Go, where no TLS 1.2 suite would be left), so it raises the minimum version to TLS 1.3.
TLS13_CIPHER_SUITES = ("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256")

#: The headers the format allows, with their allowed values (None: any value).
HEADERS: dict[str, tuple[str, ...] | None] = {
    "Strict-Transport-Security": None,
    "X-Content-Type-Options": ("nosniff",),
    "X-Frame-Options": ("deny", "sameorigin"),
    "X-XSS-Protection": None,
    "Content-Security-Policy": None,
}

_TOP_KEYS = ("tls_server_config", "http_server_config", "basic_auth_users")
_TLS_KEYS = (
    "cert",
    "key",
    "client_ca",
    "cert_file",
    "key_file",
    "client_ca_file",
    "client_auth_type",
    "min_version",
    "max_version",
    "cipher_suites",
    "prefer_server_cipher_suites",
)
_HTTP_KEYS = ("http2", "headers")
#: Keys of the format we do not implement, with what to do instead.
_NOT_IMPLEMENTED = {
    "rate_limit": "put a reverse proxy in front to limit rates",
    "tls_server_config.curve_preferences": "the TLS library's default curves are used",
    "tls_server_config.client_allowed_sans": "use a dedicated client CA with RequireAndVerifyClientCert",
}
_BCRYPT_HASH = re.compile(r"^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$")
#: The dearest bcrypt cost worth its price: each step doubles a check (cost 14 takes about a second
#: of CPU; 31, days), and every check of a new password holds the one bcrypt thread that long.
MAX_SENSIBLE_BCRYPT_COST = 14


class WebConfigError(ConfigError):
    """A bad web config file. `files` are the files it names, so a watcher sees when they are fixed."""

    def __init__(self, message: str, files: tuple[str, ...] = ()):
        super().__init__(message)
        self.files = files


@dataclass(frozen=True)
class WebConfig:
    """What the web config file says, ready to use."""

    #: None: plain HTTP.
    ssl_context: ssl.SSLContext | None = None
    #: Extra response headers, on every answer.
    headers: tuple[tuple[str, str], ...] = ()
    #: User name -> bcrypt hash; empty: no authentication.
    users: Mapping[str, bytes] = field(default_factory=dict)
    #: The files it was built from (the web config file first), watched for changes.
    files: tuple[str, ...] = ()
    client_auth_type: str = "NoClientCert"
    #: What is allowed but unwise (a bcrypt cost above MAX_SENSIBLE_BCRYPT_COST), one line each.
    warnings: tuple[str, ...] = ()

    @property
    def tls(self) -> bool:
        return self.ssl_context is not None


PLAIN = WebConfig()


def load(path: str) -> WebConfig:
    """Read and validate the file, read the files it names, build the TLS context.

    Raise WebConfigError, one line prefixed with the path, naming every problem. "" -> PLAIN.
    """
    if not path:
        return PLAIN
    try:
        document = yamlfile.read(path)
    except yamlfile.YAMLFileError as err:
        raise WebConfigError(str(err), (path,)) from None
    parser = _Parser(os.path.dirname(os.path.abspath(path)))
    config = parser.parse(document)
    files = (path, *parser.files)
    if parser.errors:
        raise WebConfigError(f"{path}: " + "; ".join(parser.errors), files)
    return WebConfig(
        config.ssl_context, config.headers, config.users, files, config.client_auth_type, tuple(parser.warnings)
    )


class _Parser:
    """One parse: collects every error, and the files read."""

    def __init__(self, directory: str):
        self._directory = directory
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.files: list[str] = []

    def parse(self, document: Any) -> WebConfig:
        if document is None:  # an empty file, as in the toolkit: nothing configured
            return PLAIN
        if not isinstance(document, dict):
            self.errors.append(f"expected a mapping, got {yamlfile.kind(document)}")
            return PLAIN
        self._check_keys(document, _TOP_KEYS, "")
        tls = self._mapping(document, "tls_server_config")
        http = self._mapping(document, "http_server_config")
        self._check_keys(tls, _TLS_KEYS, "tls_server_config.")
        self._check_keys(http, _HTTP_KEYS, "http_server_config.")
        http2 = http.get("http2", True)
        if not isinstance(http2, bool):
            self.errors.append(f"http_server_config.http2: expected a boolean, got {yamlfile.kind(http2)}")
        headers = self._headers(http.get("headers"))
        users = self._users(document.get("basic_auth_users"))
        client_auth_type = tls.get("client_auth_type", "NoClientCert")
        context = self._ssl_context(tls) if tls else None
        return WebConfig(context, headers, users, client_auth_type=str(client_auth_type))

    # -- structure --------------------------------------------------------------------------------
    def _check_keys(self, mapping: dict, known: tuple[str, ...], prefix: str) -> None:
        for key in mapping:
            name = f"{prefix}{key}"
            if name in _NOT_IMPLEMENTED:
                self.errors.append(f"{name}: not implemented by this exporter ({_NOT_IMPLEMENTED[name]})")
            elif key not in known:
                self.errors.append(f"{name}: unknown key")

    def _mapping(self, document: dict, key: str) -> dict:
        value = document.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.errors.append(f"{key}: expected a mapping, got {yamlfile.kind(value)}")
            return {}
        return value

    def _string(self, mapping: dict, key: str, where: str) -> str | None:
        value = mapping.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            self.errors.append(f"{where}.{key}: expected a non-empty string, got {yamlfile.kind(value)}")
            return None
        return value

    def _choice(self, mapping: dict, key: str, choices: Mapping[str, Any], default: str) -> Any:
        value = mapping.get(key, default)
        if not isinstance(value, str) or value not in choices:  # a list or a mapping is not hashable
            self.errors.append(
                f"tls_server_config.{key}: unknown value {value!r} (want one of {', '.join(choices)})"
                if isinstance(value, str)
                else f"tls_server_config.{key}: expected a string, got {yamlfile.kind(value)}"
            )
            return None
        return choices[value]

    # -- http_server_config and basic_auth_users --------------------------------------------------
    def _headers(self, headers: Any) -> tuple[tuple[str, str], ...]:
        if headers is None:
            return ()
        if not isinstance(headers, dict):
            self.errors.append(f"http_server_config.headers: expected a mapping, got {yamlfile.kind(headers)}")
            return ()
        result = []
        for name, value in headers.items():
            where = f"http_server_config.headers.{name}"
            if name not in HEADERS:
                self.errors.append(f"{where}: this header cannot be configured (allowed: {', '.join(HEADERS)})")
            elif not isinstance(value, str):
                self.errors.append(f"{where}: expected a string, got {yamlfile.kind(value)}")
            elif "\r" in value or "\n" in value:
                self.errors.append(f"{where}: contains a line break")
            elif HEADERS[name] is not None and value not in HEADERS[name]:
                self.errors.append(f"{where}: invalid value {value!r} (want one of {', '.join(HEADERS[name])})")
            elif value:  # blank: unset, as in the toolkit
                result.append((name, value))
        return tuple(result)

    def _users(self, users: Any) -> dict[str, bytes]:
        if users is None:
            return {}
        if not isinstance(users, dict):
            got = yamlfile.kind(users)
            self.errors.append(f"basic_auth_users: expected a mapping of user to bcrypt hash, got {got}")
            return {}
        result = {}
        for user, hashed in users.items():
            where = f"basic_auth_users.{user}"
            if not isinstance(user, str) or not user or ":" in user:
                self.errors.append(f"{where}: a user name must be a non-empty string without ':'")
                continue
            match = _BCRYPT_HASH.match(hashed) if isinstance(hashed, str) else None
            if match is None or not 4 <= int(match.group(1)) <= 31:
                # Never echo the value: it may be a password pasted where its hash belongs.
                self.errors.append(f"{where}: not a bcrypt hash (want $2b$<cost>$<53 characters>)")
                continue
            cost = int(match.group(1))
            if cost > MAX_SENSIBLE_BCRYPT_COST:
                self.warnings.append(
                    f"{where}: bcrypt cost {cost} is above {MAX_SENSIBLE_BCRYPT_COST}: every check of a new password "
                    f"takes {2 ** (cost - MAX_SENSIBLE_BCRYPT_COST)} times as long as at cost 14 (about a second)"
                )
            result[user] = hashed.encode("ascii")
        return result

    # -- tls_server_config ------------------------------------------------------------------------
    def _pem(self, tls: dict, inline_key: str, file_key: str, required: bool) -> bytes | None:
        """The PEM text given inline or in a file (read now, so what is watched is what is used)."""
        inline = self._string(tls, inline_key, "tls_server_config")
        path = self._string(tls, file_key, "tls_server_config")
        if inline is not None and path is not None:
            self.errors.append(f"tls_server_config: give {inline_key} or {file_key}, not both")
            return None
        if inline is not None:
            return inline.encode("utf-8")
        if path is None:
            if required:
                self.errors.append(f"tls_server_config: missing {file_key} (or {inline_key})")
            return None
        path = os.path.join(self._directory, path)
        self.files.append(path)
        try:
            with open(path, "rb") as stream:
                return stream.read()
        except OSError as err:
            self.errors.append(f"tls_server_config.{file_key}: cannot read {path}: {err.strerror or err}")
            return None

    def _ssl_context(self, tls: dict) -> ssl.SSLContext | None:
        errors_before = len(self.errors)
        cert = self._pem(tls, "cert", "cert_file", required=True)
        key = self._pem(tls, "key", "key_file", required=True)
        client_ca = self._pem(tls, "client_ca", "client_ca_file", required=False)
        if tls.get("client_auth_type") == "":  # the toolkit reads an empty value as NoClientCert
            tls = {key: value for key, value in tls.items() if key != "client_auth_type"}
        client_auth_name = tls.get("client_auth_type", "NoClientCert")
        client_auth = self._choice(tls, "client_auth_type", CLIENT_AUTH_TYPES, "NoClientCert")
        min_version = self._choice(tls, "min_version", TLS_VERSIONS, "TLS12")
        max_version = self._choice(tls, "max_version", TLS_VERSIONS, "TLS13")
        suites = self._cipher_suites(tls.get("cipher_suites"))
        prefer_server = tls.get("prefer_server_cipher_suites", True)
        if not isinstance(prefer_server, bool):
            self.errors.append(
                f"tls_server_config.prefer_server_cipher_suites: expected a boolean, got {yamlfile.kind(prefer_server)}"
            )
        if client_auth is not None:
            if client_ca is not None and client_auth.verify_mode == ssl.CERT_NONE:
                self.errors.append("tls_server_config: client_ca_file is set but client_auth_type is NoClientCert")
            if client_ca is None and client_auth.verify_mode != ssl.CERT_NONE and not client_auth.any_certificate:
                self.errors.append(f"tls_server_config: client_auth_type {client_auth_name} needs client_ca_file")
        if suites is not None and suites[1] and not suites[0]:
            min_version = ssl.TLSVersion.TLSv1_3 if max_version is not None else None
            if max_version is not None and max_version < ssl.TLSVersion.TLSv1_3:
                self.errors.append("tls_server_config: cipher_suites lists only TLS 1.3 suites, max_version is below")
        if min_version is not None and max_version is not None and min_version > max_version:
            self.errors.append("tls_server_config: min_version is above max_version")
        if len(self.errors) > errors_before:
            return None
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version, context.maximum_version = min_version, max_version
        if prefer_server:
            context.options |= ssl.OP_CIPHER_SERVER_PREFERENCE
        else:
            context.options &= ~ssl.OP_CIPHER_SERVER_PREFERENCE
        # OpenSSL says only "PEM lib" for anything that is not PEM: name what is missing instead.
        names = {key_name: tls.get(f"{key_name}_file") or key_name for key_name in ("cert", "key")}
        if b"-----BEGIN CERTIFICATE-----" not in cert:
            self.errors.append(f"tls_server_config: no PEM certificate in {names['cert']}")
        if not re.search(rb"-----BEGIN [A-Z ]*PRIVATE KEY-----", key):
            self.errors.append(f"tls_server_config: no PEM private key in {names['key']}")
        if len(self.errors) > errors_before:
            return None
        try:
            with _memory_file(cert) as cert_path, _memory_file(key) as key_path:
                context.load_cert_chain(cert_path, key_path, password=_no_password)
        except ssl.SSLError as err:
            self.errors.append(f"tls_server_config: cannot use the certificate and key: {_ssl_reason(err)}")
        if suites is not None and suites[0]:
            self._set_ciphers(context, suites[0])
        if client_ca is not None:
            try:
                context.load_verify_locations(cadata=client_ca.decode("ascii", errors="replace"))
            except ssl.SSLError as err:
                self.errors.append(f"tls_server_config: client_ca_file is not a PEM certificate: {_ssl_reason(err)}")
        if client_auth.any_certificate:
            try:
                accept_any_certificate(context, required=client_auth.verify_mode == ssl.CERT_REQUIRED)
            except AnyCertificateUnsupported as err:
                self.errors.append(f"tls_server_config.client_auth_type: {client_auth_name} is not available: {err}")
        else:
            context.verify_mode = client_auth.verify_mode
        return context if len(self.errors) == errors_before else None

    def _cipher_suites(self, names: Any) -> tuple[list[str], list[str]] | None:
        """(OpenSSL names of the TLS 1.2 suites, the TLS 1.3 names), or None if absent or bad."""
        if names is None:
            return None
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names) or not names:
            self.errors.append("tls_server_config.cipher_suites: expected a non-empty list of cipher suite names")
            return None
        unknown = [name for name in names if name not in CIPHER_SUITES and name not in TLS13_CIPHER_SUITES]
        if unknown:
            self.errors.append(
                f"tls_server_config.cipher_suites: unknown cipher suite {', '.join(unknown)} "
                "(want Go names such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)"
            )
            return None
        return [CIPHER_SUITES[name] for name in names if name in CIPHER_SUITES], [
            name for name in names if name in TLS13_CIPHER_SUITES
        ]

    def _set_ciphers(self, context: ssl.SSLContext, openssl_names: list[str]) -> None:
        try:
            context.set_ciphers(":".join(openssl_names))
            offered = {cipher["name"] for cipher in context.get_ciphers()}
        except ssl.SSLError:
            offered = set()
        go_names = {openssl: go for go, openssl in CIPHER_SUITES.items()}
        missing = [go_names[name] for name in openssl_names if name not in offered]
        if missing:
            self.errors.append(
                f"tls_server_config.cipher_suites: {', '.join(missing)} not offered by {ssl.OPENSSL_VERSION}"
            )


def _no_password() -> bytes:
    """An encrypted key fails to load instead of OpenSSL asking for its pass phrase on the terminal."""
    return b""


def _ssl_reason(err: ssl.SSLError) -> str:
    """`key values mismatch` from `[X509: KEY_VALUES_MISMATCH] key values mismatch (_ssl.c:3926)`."""
    text = str(err.args[1]) if len(err.args) > 1 else str(err)
    return re.sub(r"^\[[^\]]*\]\s*|\s*\(_ssl\.c:\d+\)$", "", text)


@contextlib.contextmanager
def _memory_file(data: bytes) -> Iterator[str]:
    """A path to `data` that never touches a disk (the image's root file system is read-only)."""
    fd = os.memfd_create("web-config", os.MFD_CLOEXEC)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        yield f"/proc/self/fd/{fd}"
    finally:
        os.close(fd)
