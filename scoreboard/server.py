"""Running the scoreboard server: the app on a production WSGI server, plus its duties.

`kejurda serve` and `kejurda demo` run the app on gunicorn with its threaded worker
(`gthread`) in Flask-SocketIO's threading mode: one process, one OS thread per open
connection, the broadcast path of scoreboard/fanout.py. It was chosen by measurement
against Werkzeug and gevent (docs/performance.md, "Choosing the server"). gunicorn is
embedded (scoreboard/gunicorn_app.py), so the command line, the port check and the TLS
flags stay ours; the app is built inside the worker process (after the fork), so its threads
and database pool are its own, and its duties (scoreboard/duties.py) start there.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable

from flask import Flask

from scoreboard import config as cfg
from scoreboard.app import create_app, get_db
from scoreboard.errors import KejurdaError
from scoreboard.gunicorn_app import serve
from scoreboard.services.event_file import load_event
from scoreboard.tls import server_context

log = logging.getLogger(__name__)
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


def run_server(host: str, port: int, db_url: str, event_file: str | None = None,
               make_app: Callable[[], Flask] | None = None, tls_cert: str | None = None,
               tls_key: str | None = None) -> None:
    """Serve until SIGTERM/SIGINT; HTTPS with `tls_cert`/`tls_key` (checked first, with
    scoreboard/tls.py's wording). `make_app` builds the app inside the server process
    (default: `build(db_url)`); the schema and the event file are done here first, once."""
    check_port(host, port)
    server_context(tls_cert, tls_key)  # a bad file fails before anything starts
    threads = cfg.server_threads()
    if event_file:  # loaded once, before anything listens (the worker migrates otherwise)
        app = build(db_url, event_file, {"KEJURDA_DUTIES": False})
        get_db(app).dispose()
    factory = make_app or (lambda: build(db_url))
    scheme = "https" if tls_cert else "http"
    shown = f"[{host}]" if ":" in host else host
    log.info("kejurda server on %s://%s:%s/ (database %s)", scheme, shown, port, _safe_url(db_url))
    serve(factory, host, port, threads=threads, grace_s=GRACE_S, tls_cert=tls_cert,
          tls_key=tls_key, loglevel=cfg.server_loglevel())


def _safe_url(url: str) -> str:
    # never print a database password
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url
