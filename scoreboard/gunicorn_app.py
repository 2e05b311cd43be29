"""gunicorn, embedded: the production server behind `kejurda serve` (scoreboard/server.py).

One worker process with the threaded worker (`gthread`): Flask-SocketIO's threading mode
needs one process per Socket.IO server unless a proxy keeps each client on one process
(see docs/deployment.md for several processes behind nginx), and the threaded worker hands
simple-websocket the connection's socket, so WebSockets and the fan-out of
scoreboard/fanout.py work as they did on Werkzeug.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import ThreadWorker

from scoreboard.duties import start_duties
from scoreboard.extensions import socketio

log = logging.getLogger(__name__)


class KejurdaServer(BaseApplication):
    """gunicorn configured from our own options; the app is built in the worker."""

    def __init__(self, factory: Callable[[], Flask], options: dict) -> None:
        self.factory = factory
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:  # newer gunicorns have settings older ones lack
                self.cfg.set(key, value)

    def load(self) -> Flask:
        app = self.factory()
        start_duties(app)  # now, not at the first request: runs must time out meanwhile too
        return app


class KejurdaWorker(ThreadWorker):
    """The threaded worker, told how to end: every open WebSocket holds a pool thread for
    its life, so on SIGTERM the worker first closes its Socket.IO sessions (clients are
    told, and reconnect elsewhere or when the server is back); then the pool drains at once
    instead of waiting out the graceful timeout. SIGINT/SIGQUIT (Ctrl+C) does the same and
    leaves without waiting for the threads."""

    def handle_exit(self, sig, frame) -> None:
        threading.Thread(target=close_sessions, name="kejurda-close", daemon=True).start()
        super().handle_exit(sig, frame)

    def handle_quit(self, sig, frame) -> None:
        closer = threading.Thread(target=close_sessions, name="kejurda-close", daemon=True)
        closer.start()
        closer.join(1.0)
        os._exit(0)  # the pool's threads still block in their sockets: do not join them


def close_sessions() -> None:
    """Close every Engine.IO session of this process, without waiting on any one."""
    server = getattr(socketio, "server", None)
    if server is None:
        return
    eio = server.eio
    for sock in list(eio.sockets.values()):
        try:
            sock.close(wait=False, reason=eio.reason.SERVER_DISCONNECT)
        except Exception:  # a session that is going anyway
            pass


def options(host: str, port: int, threads: int, grace_s: int, tls_cert: str | None,
            tls_key: str | None) -> dict:
    """gunicorn settings for one kejurda server process."""
    opts = {
        "bind": [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"],
        "workers": 1,
        "worker_class": KejurdaWorker,
        "threads": threads,
        # idle keep-alive connections wait outside the thread pool, up to this many
        "worker_connections": threads + 1000,
        "keepalive": 5,
        "graceful_timeout": grace_s,
        "timeout": 60,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": os.environ.get("KEJURDA_SERVER_LOGLEVEL", "warning"),
        "proc_name": "kejurda",
        # the app is built after the fork: its threads and database pool are the worker's
        "preload_app": False,
        # gunicorn 25+ opens a control socket at one fixed path per user: two servers on
        # one machine would fight over it, and nothing here uses it
        "control_socket_disable": True,
    }
    if tls_cert:
        opts.update(certfile=tls_cert, keyfile=tls_key)
    return opts


def serve(factory: Callable[[], Flask], host: str, port: int, threads: int, grace_s: int,
          tls_cert: str | None = None, tls_key: str | None = None) -> None:
    """Run until SIGTERM or SIGINT; returns normally after a clean stop."""
    logging.getLogger("gunicorn.error").propagate = False
    server = KejurdaServer(factory, options(host, port, threads, grace_s, tls_cert, tls_key))
    # gunicorn ends its master with sys.exit; a clean stop is a normal return for us
    try:
        server.run()
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise
