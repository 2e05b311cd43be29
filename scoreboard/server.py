"""Running the scoreboard server: the app on a production WSGI server, plus its duties.

`kejurda serve` and `kejurda demo` run the app on gunicorn with its threaded worker
(`gthread`) in Flask-SocketIO's threading mode: one process, one OS thread per open
connection, the broadcast path of scoreboard/fanout.py. It was chosen by measurement
against Werkzeug and gevent (docs/performance.md, "Choosing the server"). gunicorn is
embedded, so the command line, the port check and the TLS flags stay ours; the app is built
inside the worker process (after the fork), so its threads and database pool are its own.

`KEJURDA_SERVER=werkzeug` keeps the development server for comparisons only.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import ssl
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from scoreboard.app import create_app, get_db
from scoreboard.duties import every, start_duties  # noqa: F401 (re-exported for callers)
from scoreboard.errors import KejurdaError
from scoreboard.extensions import socketio
from scoreboard.gunicorn_app import serve
from scoreboard.services.event_file import load_event

log = logging.getLogger(__name__)
# One OS thread per open connection (a WebSocket holds its thread for its life). Threads are
# made as connections arrive, so the number is a ceiling, not a cost.
THREADS = int(os.environ.get("KEJURDA_THREADS", "4000"))
GRACE_S = 3  # SIGTERM: open WebSockets get this long before the worker is stopped


def build(db_url: str, event_file: str | None = None, extra: dict | None = None) -> Flask:
    app = create_app({"DATABASE_URL": db_url, **(extra or {})})
    if event_file:
        load_event_file(app, event_file)
    return app


def load_event_file(app: Flask, event_file: str) -> None:
    with get_db(app).transaction() as session:
        ev = load_event(session, event_file)
        log.info("event %s loaded from %s", ev.slug, event_file)


def check_port(host: str, port: int) -> None:
    """Refuse a port another program holds before anything starts or says it is serving
    (the web server would otherwise log a start, then fail with its own two lines)."""
    try:
        family, kind, proto, _name, addr = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM)[0]
    except OSError as exc:
        raise KejurdaError(f"host: cannot use {host!r} ({exc.strerror or exc}) "
                           "(alamat tidak dapat dipakai)") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
        try:
            probe.bind(addr)
        except OSError as exc:
            raise KejurdaError(
                f"port: {host}:{port} cannot be used ({exc.strerror or exc}); stop the other "
                "program or choose another --port (port sudah dipakai)") from None


def check_tls(cert: str | None, key: str | None) -> None:
    """Both or neither; both readable and a matching pair, or one clear line."""
    if bool(cert) != bool(key):
        missing = "--tls-key" if cert else "--tls-cert"
        raise KejurdaError(f"{missing}: --tls-cert and --tls-key go together "
                           "(sertifikat dan kunci harus diberikan berdua)")
    if not cert:
        return
    for flag, path in (("--tls-cert", cert), ("--tls-key", key)):
        if not Path(path).is_file():
            raise KejurdaError(f"{flag}: no such file: {path} (berkas tidak ada)")
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
    except (ssl.SSLError, OSError) as exc:
        raise KejurdaError(f"--tls-cert/--tls-key: not a usable certificate and key "
                           f"({exc.strerror or exc}) (sertifikat/kunci tidak dapat dipakai)"
                           ) from None


def run_server(host: str, port: int, db_url: str, event_file: str | None = None,
               make_app: Callable[[], Flask] | None = None, tls_cert: str | None = None,
               tls_key: str | None = None) -> None:
    """Serve until SIGTERM/SIGINT. `make_app` builds the app inside the server process
    (default: `build(db_url)`); the schema and the event file are done here first, once."""
    check_port(host, port)
    check_tls(tls_cert, tls_key)
    if event_file:  # loaded once, before anything listens (the worker migrates otherwise)
        app = build(db_url, event_file, {"KEJURDA_DUTIES": False})
        get_db(app).dispose()
    factory = make_app or (lambda: build(db_url))
    scheme = "https" if tls_cert else "http"
    shown = f"[{host}]" if ":" in host else host
    log.info("kejurda server on %s://%s:%s/ (database %s)", scheme, shown, port, _safe_url(db_url))
    if os.environ.get("KEJURDA_SERVER") in ("werkzeug", "gevent"):
        return _run_werkzeug(factory(), host, port, tls_cert, tls_key)
    serve(factory, host, port, threads=THREADS, grace_s=GRACE_S, tls_cert=tls_cert,
          tls_key=tls_key)


def _run_werkzeug(app: Flask, host: str, port: int, cert: str | None, key: str | None) -> None:
    start_duties(app)
    signal.signal(signal.SIGTERM, lambda *_: _stop())
    try:
        socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, use_reloader=False,
                     log_output=False, **({"ssl_context": (cert, key)} if cert else {}))
    except KeyboardInterrupt:
        pass


def _stop() -> None:
    raise KeyboardInterrupt


def _safe_url(url: str) -> str:
    # never print a database password
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url
