"""Running the scoreboard server: the app plus its background duties."""

from __future__ import annotations

import logging
import signal
import socket
import ssl
from collections.abc import Callable

from flask import Flask

from scoreboard.app import create_app, get_db
from scoreboard.errors import KejurdaError
from scoreboard.services import backup_duty, replication, runs
from scoreboard.services.event_file import load_event
from scoreboard.web.security import PlainServerHandler

log = logging.getLogger(__name__)


def every(app: Flask, seconds: float, duty: Callable[[], object], name: str) -> None:
    """Run `duty` every `seconds` in a background task, logging (not dying on) failures."""

    def loop() -> None:
        while True:
            app.extensions["socketio"].sleep(seconds)
            with app.app_context():
                try:
                    duty()
                except Exception:
                    log.exception("%s failed", name)
                    get_db(app).session.rollback()
                finally:
                    get_db(app).remove()

    app.extensions["socketio"].start_background_task(loop)


def start_duties(app: Flask) -> None:
    """Time out runs that never finish, on the server's own clock; back up automatically."""
    grace = float(app.config["KEJURDA_EXPIRE_GRACE_S"])
    every(app, float(app.config["KEJURDA_EXPIRE_INTERVAL_S"]),
          lambda: runs.expire_runs(get_db(app).session, grace), "expire")
    # a standby follows this server's change feed; verified backups while serving
    replication.install_triggers(get_db(app).engine)
    backup_duty.install(app)


def build(db_url: str, event_file: str | None = None, extra: dict | None = None) -> Flask:
    app = create_app({"DATABASE_URL": db_url, **(extra or {})})
    if event_file:
        with get_db(app).transaction() as session:
            ev = load_event(session, event_file)
            log.info("event %s loaded from %s", ev.slug, event_file)
    return app


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
               app: Flask | None = None, ssl_context: ssl.SSLContext | None = None) -> None:
    """Serve until SIGTERM/SIGINT; HTTPS with `ssl_context` (scoreboard/tls.py)."""
    check_port(host, port)
    app = app or build(db_url, event_file)
    start_duties(app)
    signal.signal(signal.SIGTERM, lambda *_: _stop())
    scheme = "https" if ssl_context else "http"
    log.info("kejurda server on %s://%s:%s/ (database %s)", scheme, host, port,
             _safe_url(db_url))
    app.extensions["socketio"].run(app, host=host, port=port, allow_unsafe_werkzeug=True,
                                   use_reloader=False, log_output=False,
                                   request_handler=PlainServerHandler, ssl_context=ssl_context)


def _stop() -> None:
    raise KeyboardInterrupt


def _safe_url(url: str) -> str:
    # never print a database password
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url
