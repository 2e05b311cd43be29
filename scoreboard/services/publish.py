"""Where services announce changes after they commit. Each app plugs its own Socket.IO in
here (its `scoreboard.live.Live`); without an app (the CLI) nothing listens."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask

from scoreboard.live import live

log = logging.getLogger(__name__)


def connect(emitter: Callable[[str, Any], None], app: Flask | None = None,
            first: bool = False) -> None:
    """Send every (event, payload) that `app` (default: the current app) publishes to
    `emitter` as well; `first`: before every emitter connected so far."""
    emitters = live(app).emitters
    if first:
        emitters.insert(0, emitter)
    else:
        emitters.append(emitter)


def disconnect_all(app: Flask | None = None) -> None:
    """Stop sending `app`'s (default: the current app's) announcements anywhere."""
    live(app).emitters.clear()


def publish(event: str, payload: Any) -> None:
    """Announce a committed change to every connected emitter; never raises."""
    for emit in list(live().emitters):
        try:
            emit(event, payload)
        except Exception:  # a broken display must never undo a stored result
            log.exception("publish %s failed", event)


@contextmanager
def read_then_publish(session: Any) -> Iterator[None]:
    """Hold this around reading a derived state (a ranking, a bracket) and publishing it.

    Two commits close together in one category (two judges saving at once, a start edge
    and an arm) each publish the ranking they read; without an order, the one read first
    could be sent last and the screens would keep the older table. Under this lock the
    last one sent is the last one read, and each read starts after the lock is taken (the
    session's earlier read snapshot is closed first), so it sees every commit before it.
    Callers have committed their own change already.
    """
    with live().publish_order:
        session.commit()  # nothing to write: ends any read snapshot taken before the lock
        yield


class Soon:
    """Derived state published a moment after the change that asked for it (`delay`
    seconds), once per key however many changes asked in between, always read afresh.

    Why: a gate edge publishes its run, then its category's ranking (~100 bytes a team, to
    every screen). Sent at once, the ranking's frames compete with the run's on the way to
    the screens (the server's writes, the proxy, the phones' Wi-Fi): with 10,000 viewers
    the last ones had the run update 350 ms after the edge, 210 ms without the ranking
    (docs/performance.md). A quarter of a second later the clock on every screen has
    moved on, and the table follows; an agent's backlog of hundreds of edges makes one
    ranking per category, not one per batch.
    """

    def __init__(self, app: Flask, delay: float) -> None:
        self.app, self.delay = app, delay
        self._lock = threading.Lock()
        self._due: dict[str, Callable[[Any], None]] = {}
        self._timer: threading.Timer | None = None

    def ask(self, key: str, job: Callable[[Any], None]) -> None:
        """Run `job(session)` within `delay` seconds (the latest job asked for `key`)."""
        with self._lock:
            self._due[key] = job
            if self._timer is None:
                self._timer = threading.Timer(self.delay, self._run)
                self._timer.name, self._timer.daemon = "kejurda-publish-soon", True
                self._timer.start()

    def _run(self) -> None:
        with self._lock:
            due, self._due, self._timer = self._due, {}, None
        db = self.app.extensions["kejurda_db"]
        with self.app.app_context():
            try:
                for key in sorted(due):
                    try:
                        due[key](db.session)
                    except Exception:  # one category's trouble must not keep the others
                        log.exception("publishing %s failed", key)
                        db.session.rollback()
            finally:
                db.remove()


def publish_soon(session: Any, key: str, job: Callable[[Any], None]) -> None:
    """`job(session)` a moment from now on a session of its own (`Soon`), or right away
    where the app publishes at once (KEJURDA_RANKING_DELAY_S=0, tests, the CLI)."""
    soon = live().soon
    if soon is None:
        job(session)
    else:
        soon.ask(key, job)
