"""The Flask application factory: one app per venue server (or per test)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, g, request
from flask_babel import get_locale
from flask_login import current_user
from flask_socketio import SocketIO

from scoreboard import config as cfg
from scoreboard import fanout, wshub
from scoreboard.api.routes import bp as api_bp
from scoreboard.broadcast import BackgroundEmitter, ResyncingRedisManager, resync_screens
from scoreboard.db import Database
from scoreboard.duties import StartDuties
from scoreboard.extensions import babel, csrf, login_manager
from scoreboard.live import Live, live
from scoreboard.models import User
from scoreboard.secret import shared_secret_key
from scoreboard.services import publish
from scoreboard.services.devices import ReportHistory
from scoreboard.services.publish import Soon
from scoreboard.sockets import AgentRegistry, register_namespaces
from scoreboard.web import register_pages
from scoreboard.web.caching import init_public_cache
from scoreboard.web.errors import register_error_pages
from scoreboard.web.limits import init_login_limit
from scoreboard.web.security import (
    guard_socket_packets,
    init_security,
    session_is_current,
    socket_origins,
)
from scoreboard.wsgi import CompressOnce

log = logging.getLogger(__name__)


def _locale() -> str:
    user_lang = getattr(current_user, "language", None) if current_user else None
    if user_lang:
        return user_lang
    chosen = request.cookies.get("lang") if request else None
    return chosen if chosen in ("id", "en") else "id"


def _signed_in(db: Database, uid: str) -> User | None:
    """The session's user while the session stands: a deactivated account, a session
    from before a sign-out or a new password, or one idle too long ends at this request."""
    user = db.session.get(User, int(uid)) if uid.isascii() and uid.isdigit() else None
    if user is None or not user.active or not session_is_current(user):
        return None
    return user


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app; `config` overrides the defaults (tests pass DATABASE_URL etc.)."""
    app = Flask(__name__)
    settings = cfg.default_config()
    settings.update(config or {})
    app.config.update(settings)
    db = Database(app.config["DATABASE_URL"])
    app.extensions["kejurda_db"] = db
    if not app.config.get("SECRET_KEY"):
        # one key for every server and worker on this database (scoreboard/secret.py)
        app.config["SECRET_KEY"] = shared_secret_key(db)

    csrf.init_app(app)
    babel.init_app(app, locale_selector=_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # through the current app's database: the login manager is shared by every app
    login_manager.user_loader(lambda uid: _signed_in(get_db(), uid))
    socketio = _live_state(app)
    delay = app.config.get("KEJURDA_RANKING_DELAY_S")
    if delay is None:
        delay = 0.0 if app.config.get("TESTING") else RANKING_DELAY_S
    if delay > 0:  # rankings after gate edges a moment after their runs: services/publish.py
        live(app).soon = Soon(app, delay)

    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)
    register_pages(app)
    register_error_pages(app)
    init_login_limit(app)
    init_public_cache(app)  # outdates cached pages before any screen is told (web/caching)
    init_security(app)
    register_namespaces(socketio)
    guard_socket_packets(app, socketio.server)
    # WebSocket compression, once per broadcast, never per client: scoreboard/wsgi.py
    app.wsgi_app = CompressOnce(app.wsgi_app, app.config.get("KEJURDA_WS_COMPRESSION", True))
    if app.config.get("KEJURDA_WS_FANOUT", True):  # broadcasts framed once: scoreboard/fanout.py
        flusher = fanout.Flusher()
        app.extensions["kejurda_fanout"] = fanout.install(socketio.server.eio, flusher)
        if app.extensions["kejurda_fanout"] is not None:  # None: versions it was not tested with
            live(app).flusher = flusher
            # direct WebSockets on gunicorn read by one thread: scoreboard/wshub.py
            app.extensions["kejurda_ws_hub"] = wshub.install(
                socketio.server.eio, app.extensions["kejurda_fanout"], flusher,
                app.extensions["kejurda_malformed_packets"].seen)
    duties = app.config.get("KEJURDA_DUTIES")
    if duties if duties is not None else not app.config.get("TESTING"):
        app.wsgi_app = StartDuties(app, app.wsgi_app)  # duties start with the app

    @app.teardown_appcontext
    def _remove_session(_exc):
        db.remove()

    @app.before_request
    def _bind():
        g.db = db

    @app.context_processor
    def _template_globals():
        return {"current_locale": str(get_locale() or "id")}

    return app


RANKING_DELAY_S = 0.25


def _live_state(app: Flask) -> SocketIO:
    """The app's own Socket.IO server and live state (`scoreboard.live`): nothing of it is
    shared with another app in the same process. Its publishes go to the `/live` screens."""
    app.extensions["kejurda_live"] = Live(agents=AgentRegistry(), reports=ReportHistory())
    socketio = SocketIO()  # init_app keeps it in app.extensions["socketio"]
    queue_url = app.config.get("KEJURDA_SOCKETIO_MESSAGE_QUEUE")
    manager = fanout.FanoutManager()  # broadcasts in one loop: scoreboard/fanout.py
    if queue_url:  # several servers: broadcasts through Redis, resynced after its faults
        manager = ResyncingRedisManager(
            queue_url, app.config.get("KEJURDA_SOCKETIO_CHANNEL") or "kejurda",
            on_reconnect=lambda: resync_screens(app))
    # async_handlers=False: one client's events are handled in the order it sent them, so a
    # beam's bounce can never overtake the edge that started a run.
    socketio.init_app(app, async_mode="threading", cors_allowed_origins=socket_origins(app),
                      async_handlers=False, client_manager=manager,
                      ping_interval=app.config.get("KEJURDA_PING_INTERVAL_S", 25.0),
                      ping_timeout=app.config.get("KEJURDA_PING_TIMEOUT_S", 20.0))
    emit = lambda event, data: socketio.emit(event, data, namespace="/live")  # noqa: E731
    if queue_url:  # a slow or absent Redis never holds up a write or an agent's ack
        emit = BackgroundEmitter(emit)
    publish.connect(emit, app)
    return socketio


def get_db(app: Flask | None = None) -> Database:
    """The app's database (the current app's by default)."""
    return (app or current_app).extensions["kejurda_db"]
