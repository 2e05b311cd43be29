"""TLS at the venue: a self-made certificate, its fingerprint, and the server's context.

There is no certificate authority at a school hall, so the venue makes its own
certificate (`kejurda tls init`) and the agents pin its SHA-256 fingerprint
(`kejurda agent --tls-fingerprint`): a laptop that answers in the server's place with any
other certificate is refused. Browsers show a warning for such a certificate once;
docs/security.md says how to accept it.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from scoreboard.errors import Conflict, Invalid, KejurdaError

CERT_FILE = "venue.crt"
KEY_FILE = "venue.key"
DEFAULT_DAYS = 825


def fingerprint(cert_pem: bytes) -> str:
    """SHA-256 of the certificate (DER) as colon-separated hex pairs, as browsers show it."""
    cert = x509.load_pem_x509_certificate(cert_pem)
    digest = cert.fingerprint(hashes.SHA256()).hex().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def _names(hosts: list[str]) -> list[x509.GeneralName]:
    """The names the certificate is valid for: localhost, this host, and `hosts`."""
    wanted = ["localhost", "127.0.0.1", "::1", socket.gethostname(), *hosts]
    names: list[x509.GeneralName] = []
    for host in dict.fromkeys(h.strip() for h in wanted if h and h.strip()):
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            try:
                names.append(x509.DNSName(host.encode("idna").decode("ascii")))
            except UnicodeError:
                raise Invalid(f"--host: {host!r} is neither an IP address nor a host name"
                              ) from None
    return names


def make_certificate(hosts: list[str], days: int = DEFAULT_DAYS) -> tuple[bytes, bytes]:
    """A new self-signed certificate and its private key (ECDSA P-256), both PEM."""
    if not 1 <= days <= 3650:
        raise Invalid(f"--days: must be 1 to 3650 (got {days})")
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, f"kejurda {socket.gethostname()}"[:64]),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "kejurda venue"),
    ])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))  # a Pi's clock a little behind
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(_names(hosts)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def _write_private(path: Path, data: bytes, force: bool) -> None:
    """Write a file readable by its owner only (0600 from its creation, never wider)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if force else os.O_EXCL)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        raise Conflict(f"{path}: already exists; keep it (agents pin its fingerprint) or "
                       "pass --force to make a new one (sudah ada)") from None
    with os.fdopen(fd, "wb") as out:
        os.fchmod(out.fileno(), 0o600)  # O_TRUNC keeps an old file's mode
        out.write(data)


def init_venue_tls(folder: Path, hosts: list[str], days: int = DEFAULT_DAYS,
                   force: bool = False) -> tuple[Path, Path, str]:
    """Make the venue certificate and key in `folder`; returns (cert, key, fingerprint)."""
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / CERT_FILE, folder / KEY_FILE
    if not force:
        for path in (cert_path, key_path):
            if path.exists():
                raise Conflict(f"{path}: already exists; keep it (agents pin its "
                               "fingerprint) or pass --force to make a new one (sudah ada)")
    cert_pem, key_pem = make_certificate(hosts, days)
    _write_private(key_path, key_pem, force)
    _write_private(cert_path, cert_pem, force)
    return cert_path, key_path, fingerprint(cert_pem)


class _HandshakeInHandler(ssl.SSLContext):
    """Accepted connections shake hands on their first read, in their own thread.

    A listening socket wrapped the usual way shakes hands inside accept(): one client
    that opens a connection and says nothing would stop the server accepting anyone.
    """

    def wrap_socket(self, sock, *args, **kwargs):
        kwargs["do_handshake_on_connect"] = False
        return super().wrap_socket(sock, *args, **kwargs)


def server_context(cert_file: str | None, key_file: str | None) -> ssl.SSLContext | None:
    """The server's TLS context for `serve --tls-cert F --tls-key F` (None: plain HTTP)."""
    if not cert_file and not key_file:
        return None
    if not (cert_file and key_file):
        raise KejurdaError("--tls-cert and --tls-key: give both (or neither)")
    for option, path in (("--tls-cert", cert_file), ("--tls-key", key_file)):
        if not os.path.isfile(path):
            raise KejurdaError(f"{option}: no such file {path!r} (make them with: kejurda "
                               "tls init)")
    context = _HandshakeInHandler(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert_file, key_file)
    except (ssl.SSLError, ValueError) as exc:
        raise KejurdaError(f"--tls-key: cannot use {key_file!r} with {cert_file!r} "
                           f"({getattr(exc, 'reason', None) or exc})") from None
    except OSError as exc:
        raise KejurdaError(f"--tls-cert: cannot read {cert_file!r} ({exc.strerror})") from None
    return context
