"""gunicorn, embedded: the production server behind `kejurda serve` (scoreboard/server.py).

One worker process with the threaded worker (`gthread`): Flask-SocketIO's threading mode
needs one process per Socket.IO server unless a proxy keeps each client on one process
(see docs/deployment.md for several processes behind nginx), and the threaded worker hands
the application the connection's socket: the fan-out of scoreboard/fanout.py writes to it,
and scoreboard/wshub.py takes direct WebSockets off the pool's threads. The worker dies with its master (a
killed server leaves no orphan holding the port) and names itself `kejurda` in `Server`.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import os
import resource
import signal
import ssl
import sys
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.http import wsgi as gunicorn_wsgi
from gunicorn.workers.gthread import ThreadWorker

from scoreboard.collector import start_for
from scoreboard.duties import start_duties
from scoreboard.web.security import SERVER

log = logging.getLogger(__name__)
PR_SET_PDEATHSIG = 1  # linux/prctl.h
CLOSE_WAIT_S = 5.0  # on SIGTERM, how long the worker waits for its sessions to be closed


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
        # what start-up made lives as long as the worker (~200,000 objects: the app, its
        # libraries); out of every collection, a full one no longer walks it: at 1,000
        # screens one had paused the worker for 115 ms mid-broadcast (docs/performance.md)
        gc.collect()
        gc.freeze()
        # and its full collections at quiet moments, not mid-broadcast (scoreboard/collector.py)
        start_for(app)
        return app


class KejurdaWorker(ThreadWorker):
    """The threaded worker, told how to end: on SIGTERM the worker first closes its
    Socket.IO sessions (clients are told, and reconnect elsewhere or when the server is
    back); then the pool drains at once instead of waiting out the graceful timeout (a
    WebSocket over TLS or upgraded from long-polling still holds a pool thread; direct ones
    are read by scoreboard/wshub.py's hub). SIGINT/SIGQUIT (Ctrl+C) does the same and leaves
    without waiting for the threads."""

    def init_process(self) -> None:
        die_with_parent(self.ppid)
        raise_descriptor_limit()
        gunicorn_wsgi.SERVER = SERVER  # `Server: kejurda`, not gunicorn's name
        super().init_process()

    def handle_exit(self, sig, frame) -> None:
        # the screens the hub reads hold no pool thread: without this wait the worker
        # would find nothing to drain and leave before they were told (scoreboard/wshub.py)
        closer = threading.Thread(target=close_sessions, args=(getattr(self, "wsgi", None),),
                                  name="kejurda-close", daemon=True)
        closer.start()
        closer.join(CLOSE_WAIT_S)
        super().handle_exit(sig, frame)

    def handle_quit(self, sig, frame) -> None:
        closer = threading.Thread(target=close_sessions, args=(getattr(self, "wsgi", None),),
                                  name="kejurda-close", daemon=True)
        closer.start()
        closer.join(1.0)
        os._exit(0)  # the pool's threads still block in their sockets: do not join them


def raise_descriptor_limit() -> None:
    """Every screen holds a descriptor: take the whole of what this user may open (a
    distribution's default soft limit, often 1,024, would refuse a hall of phones)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):
            log.warning("could not raise the open-file limit from %d to %d", soft, hard)


def die_with_parent(parent: int) -> None:
    """Linux: the kernel kills this process when its parent (gunicorn's master) dies, even
    by SIGKILL; elsewhere gunicorn's own check (the worker sees a new parent) remains."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the master died before the request took effect
        os._exit(1)


def close_sessions(app: Any) -> None:
    """Close every Engine.IO session of `app`'s Socket.IO server, without waiting on any."""
    socketio = getattr(app, "extensions", {}).get("socketio")
    server = getattr(socketio, "server", None)
    if server is None:
        return
    eio = server.eio
    for sock in list(eio.sockets.values()):
        try:
            sock.close(wait=False, reason=eio.reason.SERVER_DISCONNECT)
        except Exception:  # a session that is going anyway
            pass


def _tls_context(_conf: Any, default_factory: Callable[[], ssl.SSLContext]) -> ssl.SSLContext:
    context = default_factory()
    context.minimum_version = ssl.TLSVersion.TLSv1_2  # as scoreboard/tls.py's own context
    return context


def options(host: str, port: int, threads: int, grace_s: int, tls_cert: str | None,
            tls_key: str | None, loglevel: str = "warning") -> dict:
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
        "loglevel": loglevel,
        "proc_name": "kejurda",
        # the app is built after the fork: its threads and database pool are the worker's
        "preload_app": False,
        # gunicorn 25+ opens a control socket at one fixed path per user: two servers on
        # one machine would fight over it, and nothing here uses it
        "control_socket_disable": True,
    }
    if tls_cert:
        opts.update(certfile=tls_cert, keyfile=tls_key, ssl_context=_tls_context)
    return opts


def serve(factory: Callable[[], Flask], host: str, port: int, threads: int, grace_s: int,
          tls_cert: str | None = None, tls_key: str | None = None,
          loglevel: str = "warning") -> None:
    """Run until SIGTERM or SIGINT; returns normally after a clean stop."""
    logging.getLogger("gunicorn.error").propagate = False
    server = KejurdaServer(factory, options(host, port, threads, grace_s, tls_cert, tls_key,
                                            loglevel))
    # gunicorn ends its master with sys.exit; a clean stop is a normal return for us
    try:
        server.run()
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise
