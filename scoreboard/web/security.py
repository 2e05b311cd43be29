"""What every response and every request passes through: security headers, the body size
limit, the end of sessions (version and idle time) and the origins Socket.IO accepts.

Headers are set by a WSGI middleware rather than Flask's `after_request`, so the
Socket.IO endpoint and the error pages of the routing layer carry them too. The web
server's own `Server` header would name its version: the server of `kejurda serve`
(scoreboard/gunicorn_app.py) says only `SERVER`, "kejurda".
"""

from __future__ import annotations

import logging
import re
import socket
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, abort, current_app, request, session

log = logging.getLogger(__name__)
Wsgi = Callable[[dict[str, Any], Callable], Iterable[bytes]]

# Every script and style of every page is a file of the app (no inline script, no CDN):
# 'self' is all a page needs. The Socket.IO WebSocket is same-origin ('self' covers ws:).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors {frames}")
# The projector's pages may be framed by the venue's own pages (e.g. a preview on the
# admin's display page); nothing else may be framed at all (clickjacking).
SAME_SITE_FRAMING = ("/display",)
SERVER = "kejurda"
# Form fields and multipart framing beside the largest file a form accepts.
BODY_MARGIN = 64 * 1024
CSV_IMPORT_MAX = 5 * 1024 * 1024  # the admin's teams CSV import (registration_admin)
IDLE_DEFAULT_S = 12 * 3600
SEEN_EVERY_S = 60  # the last-seen time is rewritten at most once a minute


class SecurityHeaders:
    """WSGI middleware: the security headers on every response that does not set its own."""

    def __init__(self, app: Wsgi):
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        framed = any(path == p or path.startswith(p + "/") for p in SAME_SITE_FRAMING)

        def start(status: str, headers: list[tuple[str, str]], exc_info=None):
            present = {name.lower() for name, _value in headers}
            extra = [
                ("Content-Security-Policy",
                 CSP.format(frames="'self'" if framed else "'none'")),
                ("X-Content-Type-Options", "nosniff"),
                ("X-Frame-Options", "SAMEORIGIN" if framed else "DENY"),
                ("Referrer-Policy", "same-origin"),
            ]
            headers = [(n, v) for n, v in headers if n.lower() != "server"]
            headers += [(n, v) for n, v in extra if n.lower() not in present]
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


def body_limit(app: Flask) -> int:
    """The largest request body the server reads: its largest upload plus a margin."""
    upload = int(app.config.get("KEJURDA_UPLOAD_MAX_BYTES") or 2 * 1024 * 1024)
    return max(upload, CSV_IMPORT_MAX) + BODY_MARGIN


def allowed_origins(app: Flask) -> list[str] | None:
    """Origins whose pages may open a Socket.IO connection: None means the server's own
    origin only (python-engineio compares Origin with the Host header); the comma-separated
    `KEJURDA_ALLOWED_ORIGINS` adds others (e.g. a second host name of the venue)."""
    extra = app.config.get("KEJURDA_ALLOWED_ORIGINS") or ""  # config.py reads the env
    names = [o.strip().rstrip("/") for o in str(extra).split(",") if o.strip()]
    return names or None


def _same_origin_list(origins: list[str]) -> Callable[[str, dict], bool]:
    """With extra origins, the server's own origin stays allowed as well."""

    def allowed(origin: str, environ: dict) -> bool:
        own = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        forwarded = environ.get("HTTP_X_FORWARDED_PROTO")
        hosts = {own}
        if forwarded:
            hosts.add(f"{forwarded.split(',')[0].strip()}://{environ.get('HTTP_HOST', '')}")
        return origin in hosts or origin in origins

    return allowed


def socket_origins(app: Flask) -> Any:
    """The `cors_allowed_origins` value for Flask-SocketIO."""
    origins = allowed_origins(app)
    return None if origins is None else _same_origin_list(origins)


def init_security(app: Flask) -> None:
    """Body limit, session checks and headers for `app`."""
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask's default: no limit at all
        app.config["MAX_CONTENT_LENGTH"] = body_limit(app)
    app.config.setdefault("KEJURDA_SESSION_IDLE_S", IDLE_DEFAULT_S)  # config.py reads the env

    @app.before_request
    def _too_large():
        # answered from the Content-Length header, before any of the body is read
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        if limit and request.content_length and request.content_length > limit:
            abort(413, f"body: larger than {limit} bytes (berkas terlalu besar)")

    app.wsgi_app = SecurityHeaders(app.wsgi_app)


def session_is_current(user: Any) -> bool:
    """The signed-in session still stands: same session version as the account's (not
    signed out, no new password since) and used within the idle timeout."""
    if session.get("sv") != user.session_version:
        return False
    now = time.time()
    seen = session.get("seen")
    idle = float(current_app.config.get("KEJURDA_SESSION_IDLE_S", IDLE_DEFAULT_S))
    if not isinstance(seen, int | float) or now - seen > idle:
        return False
    if now - seen > SEEN_EVERY_S:
        session["seen"] = now
    return True


def start_session(user: Any) -> None:
    """Stamp a fresh sign-in with the account's session version and the time."""
    session["sv"] = user.session_version
    session["seen"] = time.time()


class MalformedPackets:
    """Socket.IO packets that cannot be decoded (bad JSON, unknown type, a stray binary
    attachment): one warning line per `every_s`, with how many arrived, never a traceback
    (python-socketio would log one per packet, which a single client can flood)."""

    def __init__(self, every_s: float = 10.0, clock: Callable[[], float] = time.monotonic):
        self.every_s = every_s
        self.clock = clock
        self.count = 0
        self.last: float | None = None

    def seen(self, sid: str, exc: Exception) -> bool:
        """Count one malformed packet; True when a line was written for it."""
        self.count += 1
        now = self.clock()
        if self.last is not None and now - self.last < self.every_s:
            return False
        log.warning("socket.io: malformed packet from %s ignored (%s); %d since the last "
                    "report", sid, str(exc).splitlines()[0][:120] if str(exc) else
                    exc.__class__.__name__, self.count)
        self.last, self.count = now, 0
        return True


class _EngineIOPacketFilter(logging.Filter):
    """python-engineio logs an undecodable polling body with a traceback ("post request
    handler error"): that record becomes a `MalformedPackets` line, or nothing. A request
    for a session that has just ended is logged at INFO, not as an error."""

    MESSAGES = ("post request handler error", "Unknown receive error")

    def __init__(self, bad: MalformedPackets):
        super().__init__()
        self.bad = bad

    # a request for a session that has just ended: a client's last long-poll or POST racing
    # its own close, or a screen coming back after a restart. Answered 400; not an error.
    ENDED = re.compile(r"^'?(Session is disconnected|Session not found|Invalid session)'? ")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and self.ENDED.match(record.msg):
            record.levelno, record.levelname = logging.INFO, "INFO"
            return True
        if record.msg not in self.MESSAGES or not record.exc_info:
            return True
        exc = record.exc_info[1]
        if not isinstance(exc, ValueError | TypeError | KeyError | IndexError):
            return True  # a real fault keeps its traceback
        self.bad.seen("engine.io", exc)
        return False


def guard_socket_packets(app: Flask, server: Any) -> MalformedPackets:
    """Route python-socketio's Engine.IO message handler through `MalformedPackets`."""
    bad = MalformedPackets()
    app.extensions["kejurda_malformed_packets"] = bad
    handle = server.eio.handlers["message"]
    engine_log = server.eio.logger
    for old in [f for f in engine_log.filters if isinstance(f, _EngineIOPacketFilter)]:
        engine_log.removeFilter(old)  # the logger is shared; the newest app's count wins
    engine_log.addFilter(_EngineIOPacketFilter(bad))

    def message(eio_sid: str, data: Any) -> None:
        try:
            handle(eio_sid, data)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            bad.seen(eio_sid, exc)

    server.eio.on("message", message)
    app.wsgi_app = _QuietWebSocketFrames(app.wsgi_app, bad)
    return bad


class _QuietWebSocketFrames:
    """python-engineio decodes a WebSocket frame outside any `try`: a frame that is not an
    Engine.IO packet ends the connection with a traceback from the web server. The
    connection still ends (the client spoke garbage), with one `MalformedPackets` line."""

    def __init__(self, app: Wsgi, bad: MalformedPackets, path: str = "/socket.io"):
        self.app, self.bad, self.path = app, bad, path

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if not (environ.get("PATH_INFO", "").startswith(self.path)
                and environ.get("HTTP_UPGRADE", "").lower() == "websocket"):
            return self.app(environ, start_response)
        try:
            return self.app(environ, start_response)
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            self.bad.seen("websocket", exc)
            # the client spoke garbage: hang up (the WebSocket's reader thread then ends)
            raw = environ.get("werkzeug.socket") or environ.get("gunicorn.socket")
            try:
                if raw is not None:
                    raw.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            # how python-engineio itself ends a WebSocket under each server: the socket
            # was taken over, so no HTTP response may follow
            if "gunicorn.socket" in environ:
                raise StopIteration from None
            raise ConnectionError("malformed WebSocket frame") from None
