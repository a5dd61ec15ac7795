"""Ask TLS clients for a certificate and accept any one, unverified (RequestClientCert, RequireAnyClientCert).

Python's `ssl` offers only CERT_OPTIONAL and CERT_REQUIRED, which both verify the client's chain
against the loaded CAs. Go's RequestClientCert and RequireAnyClientCert ask for a certificate
and accept whatever is sent. The one way OpenSSL offers is a verify callback that says yes;
the standard library does not expose it, so `accept_any_certificate` installs it on the
context's `SSL_CTX` through ctypes, with OpenSSL taken from the very `_ssl` module Python uses.

The `SSL_CTX *` is the first field after the object header of CPython's `PySSLContext`
(Modules/_ssl.c, unchanged since 3.7); the pointer is checked against the context's own view of
its options and verify mode before it is written through. On another interpreter, or if the
check fails, `AnyCertificateUnsupported` is raised and the configuration is refused.
"""

from __future__ import annotations

import ctypes
import platform
import ssl
import sys

#: OpenSSL's SSL_VERIFY_PEER and SSL_VERIFY_FAIL_IF_NO_PEER_CERT.
_VERIFY_PEER = 0x01
_VERIFY_FAIL_IF_NO_PEER_CERT = 0x02
_VERIFY_MODES = {ssl.CERT_OPTIONAL: _VERIFY_PEER, ssl.CERT_REQUIRED: _VERIFY_PEER | _VERIFY_FAIL_IF_NO_PEER_CERT}
_SUPPORTED_PYTHONS = ((3, 11), (3, 12), (3, 13))

_VERIFY_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_void_p)


class AnyCertificateUnsupported(RuntimeError):
    """This interpreter's ssl module cannot be made to accept unverified client certificates."""


def _accept(preverify_ok: int, store_ctx: int) -> int:
    return 1


#: Kept for the life of the process: OpenSSL holds a raw pointer to it.
_ACCEPT = _VERIFY_CALLBACK(_accept)
_libssl = None


def _openssl():
    global _libssl
    if _libssl is None:
        if platform.python_implementation() != "CPython" or sys.version_info[:2] not in _SUPPORTED_PYTHONS:
            raise AnyCertificateUnsupported(f"needs CPython {', '.join(f'{a}.{b}' for a, b in _SUPPORTED_PYTHONS)}")
        path = getattr(ssl._ssl, "__file__", None)  # type: ignore[attr-defined]
        # The same libssl the ssl module is linked with: through _ssl's own handle, or the process's.
        library = ctypes.CDLL(path) if path else ctypes.CDLL(None)
        try:
            set_verify, get_verify_mode, get_options = (
                library.SSL_CTX_set_verify,
                library.SSL_CTX_get_verify_mode,
                library.SSL_CTX_get_options,
            )
        except AttributeError as err:
            raise AnyCertificateUnsupported(f"OpenSSL functions not found: {err}") from None
        set_verify.argtypes, set_verify.restype = [ctypes.c_void_p, ctypes.c_int, _VERIFY_CALLBACK], None
        get_verify_mode.argtypes, get_verify_mode.restype = [ctypes.c_void_p], ctypes.c_int
        get_options.argtypes, get_options.restype = [ctypes.c_void_p], ctypes.c_uint64
        _libssl = (set_verify, get_verify_mode, get_options)
    return _libssl


def accept_any_certificate(context: ssl.SSLContext, required: bool) -> None:
    """Make a server context ask for a client certificate (required or not) and accept any.

    Call it last: setting `context.verify_mode` afterwards keeps the callback, but changes the mode.
    """
    set_verify, get_verify_mode, get_options = _openssl()
    context.verify_mode = ssl.CERT_REQUIRED if required else ssl.CERT_OPTIONAL
    pointer = ctypes.c_void_p.from_address(id(context) + object.__basicsize__).value
    if not pointer or get_options(pointer) != int(context.options):
        raise AnyCertificateUnsupported("cannot find the SSL_CTX of the ssl.SSLContext")
    mode = _VERIFY_MODES[context.verify_mode]
    if get_verify_mode(pointer) != mode:
        raise AnyCertificateUnsupported("the SSL_CTX found does not have the context's verify mode")
    set_verify(pointer, mode, _ACCEPT)
