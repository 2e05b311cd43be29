"""Background duties (run expiry, automatic backups) and running them once per database.

Duties start with the app: under `kejurda serve` as soon as the worker has built it, and
under any other WSGI server at the app's first request (`StartDuties`), so a deployment
on gunicorn or uWSGI times out runs too. Several server processes on one database run a
"once" duty in one of them only: the one holding the duty lock.

The duty lock (`DutyLock`) is:
- on PostgreSQL, a session-level advisory lock held on one dedicated connection. When its
  holder dies or loses its connection (a PostgreSQL restart), the lock is free and another
  process takes it at its next tick;
- on SQLite, an exclusive `flock` on a file beside the database, released by the kernel when
  its holder exits.

Automatic backups (scoreboard/services/backup_duty.py) keep their own thread, which asks
the same lock before each backup, and follow the results committed through this app (its
`scoreboard.live` state). To make another duty run once across processes:
`every(app, 60, lambda: ..., "name", once=True)`.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import zlib
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from scoreboard.services import backup_duty, replication, runs

log = logging.getLogger(__name__)


class DutyLock:
    """Held by at most one process per database at a time; `held()` is cheap to ask often."""

    def __init__(self, engine: Engine, name: str = "kejurda-duties") -> None:
        self.engine = engine
        self.name = name
        # advisory locks are numbered: a stable number per duty name
        self.key = zlib.crc32(name.encode()) & 0x7FFFFFFF
        self._conn: Connection | None = None
        self._file: Any = None
        self._mutex = threading.Lock()

    def held(self) -> bool:
        """True if this process holds the lock now (taking it if it is free)."""
        with self._mutex:
            if self.engine.dialect.name == "postgresql":
                return self._held_pg()
            if self.engine.dialect.name == "sqlite":
                return self._held_file()
            return True

    def _held_pg(self) -> bool:
        if self._conn is not None:
            try:  # still our session? (a restarted PostgreSQL ended it and its lock)
                self._conn.execute(text("SELECT 1"))
                return True
            except Exception:
                self._drop()
        try:
            conn = self.engine.connect()
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar()
            conn.commit()
        except Exception:
            log.warning("duty lock: database not reachable; duties wait")
            self._drop()
            return False
        if got:
            self._conn = conn
            log.info("duty lock %s taken by pid %d: this process runs the once-only duties",
                     self.name, os.getpid())
            return True
        conn.close()
        return False

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.invalidate()
                self._conn.close()
            except Exception:
                pass
        self._conn = None

    def _held_file(self) -> bool:
        if self._file is not None:
            return True
        path = self.engine.url.database
        if not path or path == ":memory:":
            return True  # a private database: no other process can share it
        fd = os.open(f"{path}.{self.name}.lock", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        handle = os.fdopen(fd, "a")  # held for the process's life
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        log.info("duty lock %s taken by pid %d: this process runs the once-only duties",
                 self.name, os.getpid())
        return True

    def release(self) -> None:
        with self._mutex:
            self._drop()
            if self._file is not None:
                self._file.close()
                self._file = None


def _db(app: Flask) -> Any:
    # the app's Database (as scoreboard.app.get_db; that module imports this one)
    return app.extensions["kejurda_db"]


def duty_lock(app: Flask) -> DutyLock:
    """The app's duty lock (one per app, made on first use)."""
    lock = app.extensions.get("kejurda_duty_lock")
    if lock is None:
        lock = app.extensions["kejurda_duty_lock"] = DutyLock(_db(app).engine)
    return lock


def every(app: Flask, seconds: float, duty: Callable[[], object], name: str,
          once: bool = False) -> None:
    """Run `duty` every `seconds` in a background task, logging (not dying on) failures.
    With `once`, only the process holding the duty lock runs it (the others wait their
    turn: they take over within one tick when the holder goes)."""
    socketio = app.extensions["socketio"]  # the app's own Socket.IO server

    def loop() -> None:
        while True:
            socketio.sleep(seconds)
            if once and not duty_lock(app).held():
                continue
            with app.app_context():
                try:
                    duty()
                except Exception as exc:
                    log.warning("%s failed: %s", name, str(exc).splitlines()[0] if str(exc)
                                else exc.__class__.__name__)
                    _db(app).session.rollback()
                finally:
                    _db(app).remove()

    socketio.start_background_task(loop)


def start_duties(app: Flask) -> None:
    """Start the app's duties once per app: time out runs that never finish, on the
    server's own clock, and back up automatically (each once across processes); a standby
    follows this server's change feed (its triggers are made here)."""
    with _started_lock:
        if app.extensions.get("kejurda_duties_started"):
            return
        app.extensions["kejurda_duties_started"] = True
    grace = float(app.config["KEJURDA_EXPIRE_GRACE_S"])
    heard_since: list[int] = []  # when this process began the duty (runs.expire_runs)

    def expire() -> object:
        if not heard_since:
            heard_since.append(runs.now_us())
        return runs.expire_runs(_db(app).session, grace, heard_since[0])

    every(app, float(app.config["KEJURDA_EXPIRE_INTERVAL_S"]), expire, "expire", once=True)
    replication.install_triggers(_db(app).engine)
    backup_duty.install(app, leader=duty_lock(app).held)
    for start in app.extensions.get("kejurda_more_duties", []):
        start(app)


_started_lock = threading.Lock()


class StartDuties:
    """WSGI middleware: the first request of any kind (a page, an agent's Socket.IO
    handshake) starts the app's duties, so they run under any WSGI server."""

    def __init__(self, app: Flask, wsgi: Callable) -> None:
        self.flask_app = app
        self.wsgi = wsgi
        self.started = False

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        if not self.started:
            self.started = True
            start_duties(self.flask_app)
        return self.wsgi(environ, start_response)
