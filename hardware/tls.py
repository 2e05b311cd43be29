"""Pinning the venue server's certificate by its SHA-256 fingerprint (``--tls-fingerprint``).

The venue makes its own certificate (``kejurda tls init``), so no certificate authority
vouches for it. Instead the agent is told the certificate's fingerprint and accepts a
server only if the certificate it presents has exactly that SHA-256: checked inside the
TLS handshake of the very connection that then carries the gate edges, not in a probe
beforehand that an impostor could let through. Host names are not checked (the server is
reached by a LAN address); the pin is stronger than a name.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import ssl
from typing import Any

import requests
from requests.adapters import HTTPAdapter

log = logging.getLogger(__name__)

_HEX = re.compile(r"[0-9a-f]{64}")


def parse_fingerprint(text: str) -> bytes:
    """The 32 bytes of a SHA-256 fingerprint written as hex, with or without colons.

    Accepts what ``kejurda tls init`` and ``openssl x509 -fingerprint -sha256`` print
    (``AB:CD:...``, optionally after ``sha256:`` or ``SHA256 Fingerprint=``); raises
    ValueError with the reason otherwise.
    """
    cleaned = text.strip().lower()
    for prefix in ("sha256 fingerprint=", "sha256:", "sha256="):
        if cleaned.startswith(prefix):
            cleaned = cleaned[len(prefix):]
    cleaned = cleaned.replace(":", "").replace(" ", "")
    if not _HEX.fullmatch(cleaned):
        raise ValueError("expected a SHA-256 fingerprint: 64 hex digits, colons allowed "
                         f"(got {text!r})")
    return bytes.fromhex(cleaned)


def show(digest: bytes) -> str:
    """A fingerprint as ``AB:CD:...``, the way ``kejurda tls init`` prints it."""
    return ":".join(f"{b:02X}" for b in digest)


class FingerprintMismatch(ssl.SSLCertVerificationError):
    """The server's certificate is not the pinned one: not the venue's server."""


class _PinnedSocket(ssl.SSLSocket):
    def do_handshake(self, block: bool = False) -> None:
        super().do_handshake(block)
        pin = self.context.pin
        der = self.getpeercert(binary_form=True) or b""
        got = hashlib.sha256(der).digest()
        if not hmac.compare_digest(got, pin):
            log.error("TLS: refusing the server: its certificate's SHA-256 fingerprint %s "
                      "is not the pinned --tls-fingerprint %s (another machine answering as "
                      "the server, or a new certificate: check with kejurda tls init's "
                      "output)", show(got), show(pin))
            self.close()
            raise FingerprintMismatch(f"server certificate fingerprint {show(got)} is not "
                                      f"the pinned {show(pin)}")


class PinnedContext(ssl.SSLContext):
    """A client TLS context that accepts exactly one certificate, by its SHA-256."""

    sslsocket_class = _PinnedSocket

    def __new__(cls, pin: bytes) -> PinnedContext:
        return super().__new__(cls, ssl.PROTOCOL_TLS_CLIENT)

    def __init__(self, pin: bytes) -> None:
        super().__init__()
        self.pin = pin
        # No authority signs a venue's certificate: the pin replaces the chain and the
        # host name (checked in _PinnedSocket.do_handshake, inside every handshake).
        self.check_hostname = False
        self.verify_mode = ssl.CERT_NONE
        self.minimum_version = ssl.TLSVersion.TLSv1_2


def socketio_options(pin: bytes | None) -> dict[str, Any]:
    """Keyword arguments for ``socketio.Client`` (WebSocket transport) honouring the pin."""
    if pin is None:
        return {}
    return {"ssl_verify": False,  # the pinned context below does the checking
            "websocket_extra_options": {"sslopt": {"context": PinnedContext(pin)}}}


class _PinnedAdapter(HTTPAdapter):
    """requests through urllib3's own fingerprint check (its ``assert_fingerprint``)."""

    def __init__(self, pin: bytes) -> None:
        self.pin = pin
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["assert_fingerprint"] = self.pin.hex()
        super().init_poolmanager(*args, **kwargs)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        # The chain is not checked, the fingerprint is. Set here because a CA bundle named
        # in the environment (REQUESTS_CA_BUNDLE) would override a session's verify=False.
        kwargs["verify"] = False
        return super().send(request, **kwargs)


def http_session(pin: bytes | None) -> requests.Session:
    """A requests session for the server's HTTP API, pinned when ``pin`` is given."""
    session = requests.Session()
    if pin is not None:
        session.mount("https://", _PinnedAdapter(pin))
    return session
