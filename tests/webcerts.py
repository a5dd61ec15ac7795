"""Certificates, keys and bcrypt hashes made by the tests (trustme, bcrypt), and web config files."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

import bcrypt
import trustme
import yaml

#: bcrypt's cheapest cost: the tests check behaviour, not bcrypt's strength.
TEST_COST = 4


@dataclass
class Pki:
    """A CA, a server certificate for the loopback addresses, and where they were written."""

    ca: trustme.CA
    server: trustme.LeafCert
    ca_file: Path
    cert_file: Path
    key_file: Path

    def client_cert(self, directory: Path, name: str = "client") -> tuple[Path, Path]:
        """(cert, key) files of a client certificate this CA signed."""
        return write_leaf(self.ca.issue_cert(f"{name}@example.com", common_name=name), directory, name)

    def client_context(self, cert: tuple[Path, Path] | None = None, **versions) -> ssl.SSLContext:
        """A client context trusting this CA, with an optional client certificate."""
        context = ssl.create_default_context(cafile=str(self.ca_file))
        if cert is not None:
            context.load_cert_chain(str(cert[0]), str(cert[1]))
        for attribute, value in versions.items():
            setattr(context, attribute, value)
        return context


def write_leaf(leaf: trustme.LeafCert, directory: Path, name: str) -> tuple[Path, Path]:
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    cert.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
    key.write_bytes(leaf.private_key_pem.bytes())
    return cert, key


def make_pki(directory: Path, prefix: str = "server") -> Pki:
    directory.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA()
    server = ca.issue_cert("127.0.0.1", "::1", "localhost")
    ca_file = directory / f"{prefix}-ca.crt"
    ca_file.write_bytes(ca.cert_pem.bytes())
    cert_file, key_file = write_leaf(server, directory, prefix)
    return Pki(ca, server, ca_file, cert_file, key_file)


def bcrypt_hash(password: str, cost: int = TEST_COST) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(cost)).decode()


def write_web_config(path: Path, document: dict) -> Path:
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def tls_section(pki: Pki, **extra) -> dict:
    return {"cert_file": str(pki.cert_file), "key_file": str(pki.key_file), **extra}
