"""Broadcasts through Redis (several server processes) that survive Redis' faults.

With a message queue every emit goes through Redis to the other servers. Three things keep
a Redis fault from reaching the timing:

- `BackgroundEmitter`: publishing happens on one background thread, in publish order, so a
  frozen Redis (a publish that never returns) or a dead one (a publish that fails after a
  retry) never holds up a write, a timekeeper's request or an agent's ack; what waits is
  bounded (the oldest is dropped past `MAX_WAITING`, and the screens resync anyway);
- `ResyncingRedisManager` publishes on a thread of its own too, and a broadcast made here
  goes to Redis before this server writes it to its own screens (python-socketio writes
  first, then publishes): so the other servers write to theirs meanwhile, not after. With
  10,000 screens on two servers, the second half waited for the first (docs/performance.md,
  "Every server at once");
- when a server's connection to Redis comes back after it was lost
  (Redis restarted, or unreachable for a while), the server sends each of its own `/live`
  screens a fresh `snapshot`: the runs on the tracks now, and the latest ranking of every
  category. Screens handle it as after their own reconnect (static/js/runs.js: a run they
  knew and the snapshot lacks is asked for), so what they missed meanwhile is made good.
  It extends python-socketio's RedisManager at `_redis_connect` (the one place every
  (re)connection passes through).
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import socketio
from sqlalchemy import select

from scoreboard.fanout import FanoutManager
from scoreboard.models import Category
from scoreboard.services.ranking import category_ranking
from scoreboard.sockets import LiveNamespace

log = logging.getLogger(__name__)
MAX_WAITING = 10_000
RESYNC_DELAY_S = 0.5  # let the listener subscribe again before the screens are resynced


class BackgroundEmitter:
    """`publish` → `emit` on one thread of its own, in order, never blocking the caller."""

    def __init__(self, emit: Callable[[str, Any], None], max_waiting: int = MAX_WAITING,
                 name: str = "kejurda-publish"):
        self.emit = emit
        self.max_waiting = max_waiting
        self.waiting: collections.deque[tuple[str, Any]] = collections.deque()
        self.cond = threading.Condition()
        self.dropped = 0
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def __call__(self, event: str, payload: Any) -> None:
        with self.cond:
            if len(self.waiting) >= self.max_waiting:
                self.waiting.popleft()
                self.dropped += 1
            self.waiting.append((event, payload))
            self.cond.notify()

    def _run(self) -> None:
        while True:
            with self.cond:
                while not self.waiting:
                    self.cond.wait()
                event, payload = self.waiting.popleft()
            try:
                self.emit(event, payload)
            except Exception:  # one failed broadcast must not end the ones after it
                log.exception("broadcast of %s failed", event)


class ResyncingRedisManager(socketio.RedisManager, FanoutManager):
    """python-socketio's Redis manager that calls `on_reconnect` (on a thread of its own)
    whenever its connection to Redis is made again after the first time. What it takes
    from Redis it broadcasts to this server's screens in one loop (`FanoutManager`, next
    after python-socketio's pub/sub manager in the order of bases).

    Publishing is on `publisher`'s thread, in order: python-socketio's `emit` writes to this
    server's screens (`_handle_emit`) and then publishes (`_publish`); here the message is
    handed to the publisher as `_handle_emit` begins, and the `_publish` that follows for
    the same message does nothing. A frozen Redis holds up only what goes through it."""

    def __init__(self, url: str, channel: str, on_reconnect: Callable[[], None]) -> None:
        # a Redis that does not answer a connect in 2 s counts as down (the default waits
        # for the kernel's own timeout)
        super().__init__(url, channel=channel, redis_options={"socket_connect_timeout": 2})
        self.on_reconnect = on_reconnect
        self._connects = 0
        self._lock = threading.Lock()
        self._last_resync = 0.0
        self.publisher = BackgroundEmitter(
            lambda _kind, message: socketio.RedisManager._publish(self, message),
            name="kejurda-redis-publish")
        self._emitting = threading.local()  # .now: inside this thread's emit(); .sent: its message

    def emit(self, *args: Any, **kwargs: Any) -> Any:
        # an emit made while this one writes (a handler run mid-broadcast) has its own
        # message; this one's is put back after it
        outer = (getattr(self._emitting, "now", False), getattr(self._emitting, "sent", None))
        self._emitting.now = True
        try:
            return super().emit(*args, **kwargs)
        finally:
            self._emitting.now, self._emitting.sent = outer

    def _handle_emit(self, message: dict) -> None:
        """A message made by this thread's `emit` (not one taken from Redis) is published
        first: the other servers write it to their screens while this one writes it to its
        own."""
        if getattr(self._emitting, "now", False):
            self._emitting.now = False
            self._emitting.sent = message
            self.publisher("emit", message)
        super()._handle_emit(message)

    def _publish(self, data: Any) -> None:
        if data is getattr(self._emitting, "sent", None):
            self._emitting.sent = None  # published already, before this server's screens
            return
        self.publisher("publish", data)

    def _redis_connect(self) -> None:
        super()._redis_connect()
        with self._lock:
            self._connects += 1
            again = self._connects > 1 and time.monotonic() - self._last_resync > 1.0
            if again:
                self._last_resync = time.monotonic()
        if again:
            log.info("Redis connection made again: resyncing this server's screens")
            threading.Thread(target=self._resync, name="kejurda-resync", daemon=True).start()

    def _resync(self) -> None:
        time.sleep(RESYNC_DELAY_S)
        try:
            self.on_reconnect()
        except Exception:
            log.exception("resyncing the screens after a Redis reconnect failed")


def resync_screens(app: Any) -> None:
    """Send `app`'s own `/live` screens the current state (not through Redis)."""
    with app.app_context():
        db = app.extensions["kejurda_db"]
        try:
            snapshot = LiveNamespace("/live")._snapshot()
            rankings = []
            for slug in db.session.scalars(select(Category.slug).order_by(Category.id)):
                try:
                    rankings.append(category_ranking(db.session, slug))
                except Exception:  # a category without a ranking yet (no draw)
                    db.session.rollback()
        finally:
            db.remove()
    server = app.extensions["socketio"].server
    server.emit("snapshot", snapshot, namespace="/live", ignore_queue=True)
    for ranking in rankings:
        server.emit("ranking", ranking, namespace="/live", ignore_queue=True)
