"""Full garbage collections at quiet moments, not in the middle of a broadcast.

A worker freezes what start-up built (scoreboard/gunicorn_app.py), but every screen that
connects adds objects that live as long as it does, and a full collection walks them all,
with every thread stopped: 17–57 ms at 1,000 screens, 157–362 ms at 5,000 screens per
worker (docs/performance.md, "Full collections at quiet moments"). CPython starts one when
allocations pass its thresholds, that is when the worker is busiest: during an edge's
broadcast, which then reaches the last screens that much later.

`QuietCollector` takes full collections off CPython's schedule (the oldest generation's
threshold is set out of reach; the young generations keep theirs) and makes them itself, on
a thread of its own:
- when CPython would make one: the middle generation has been collected `threshold[2]`
  times (10) since the last full collection, and the objects that have reached the oldest
  generation since then are more than a quarter of those that survived it (CPython's two
  rules; the second is checked by counting the oldest generation, a few ms at 5,000
  screens, so only at a quiet moment and at most every `RECHECK_S`);
- no sooner than `INTERVAL_S` after the last one, or `PAUSE_SHARE` times its pause if that
  is longer (a 300 ms pause: 15 s);
- once no broadcast is under way and none has been for `QUIET_S` (`watch` wraps the
  fan-out's broadcast, which every message to the screens goes through);
- or, if no such moment comes within `MAX_WAIT_S` of being due, anyway: a venue whose
  screens are never quiet still has its garbage collected.

`KEJURDA_QUIET_GC=0` leaves full collections to CPython.
"""

from __future__ import annotations

import functools
import gc
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

QUIET_S = 0.05  # nothing broadcast for this long: the moment to collect
INTERVAL_S = 2.0  # at most one full collection in this long...
PAUSE_SHARE = 50  # ...or in this many times the last one's pause, if that is longer
RECHECK_S = 5.0  # the oldest generation had not grown enough: count it again after this
MAX_WAIT_S = 10.0  # due and never quiet: collect anyway after this long
TICK_S = 0.02  # how often a due collection looks for its moment
IDLE_TICK_S = 1.0  # how often the collector asks whether one is due
OUT_OF_REACH = 1 << 30  # the oldest generation's threshold while the collector runs


class QuietCollector:
    """Full collections for this process, at the moments `watch`ed work leaves free."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.busy = 0  # watched calls under way
        self.last_busy = clock()  # when the last one ended
        self.last_full = clock()
        self.last_pause = 0.0
        self.due_since: float | None = None
        self.not_before = 0.0  # the oldest generation is not counted again before this
        self.collections = 0
        # CPython's counts, as functions so that a test can set them
        self.young_collections = lambda: gc.get_count()[2]
        self.old_size = lambda: len(gc.get_objects(generation=2))
        self.survivors = 0  # the oldest generation after the last full collection
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._every = 10
        self._saved: tuple[int, int, int] | None = None

    def watch(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """`func`, counted as busy while it runs (a broadcast)."""

        @functools.wraps(func)
        def watched(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self.busy += 1
            try:
                return func(*args, **kwargs)
            finally:
                with self._lock:
                    self.busy -= 1
                    self.last_busy = self.clock()

        return watched

    def due(self, now: float) -> bool:
        """CPython's first rule (its count of middle-generation collections has reached
        its threshold), and the last full collection far enough behind."""
        spacing = max(INTERVAL_S, PAUSE_SHARE * self.last_pause)
        return (now >= self.not_before and self.young_collections() >= self._every
                and now - self.last_full >= spacing)

    def should_collect(self, now: float) -> bool:
        """Due, quiet now (or due for `MAX_WAIT_S` already), and CPython's second rule:
        the oldest generation has grown by more than a quarter since the last one."""
        if not self.due(now):
            self.due_since = None
            return False
        if self.due_since is None:
            self.due_since = now
        quiet = self.busy == 0 and now - self.last_busy >= QUIET_S
        if not quiet and now - self.due_since < MAX_WAIT_S:
            return False
        self.due_since = None
        if self.old_size() - self.survivors > self.survivors // 4:
            return True
        self.not_before = now + RECHECK_S
        return False

    def collect(self) -> None:
        t0 = self.clock()
        gc.collect()
        self.last_full = self.clock()
        self.last_pause = self.last_full - t0
        self.survivors = self.old_size()  # all that survived is in the oldest generation
        self.collections += 1

    def start(self) -> None:
        """Take full collections over from CPython, on a daemon thread."""
        if self._thread is not None:
            return
        self._saved = gc.get_threshold()
        self._every = max(1, self._saved[2])
        gc.set_threshold(self._saved[0], self._saved[1], OUT_OF_REACH)
        self.survivors = self.old_size()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="kejurda-gc", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Give full collections back to CPython (its thresholds as they were)."""
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        self._thread = None
        if self._saved is not None:
            gc.set_threshold(*self._saved)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self.should_collect(self.clock()):
                    self.collect()
                    continue
            except Exception:  # never end the thread: CPython no longer collects in full
                log.exception("full garbage collection")
            self._stop.wait(TICK_S if self.due_since is not None else IDLE_TICK_S)


def start_for(app: Any) -> QuietCollector | None:
    """The worker's collector, watching the app's broadcasts (`app.extensions`
    "kejurda_collector"); None, and CPython keeps collecting, when the setting is off or
    the app has no fan-out to watch (scoreboard/fanout.py)."""
    eio = app.extensions["socketio"].server.eio
    broadcast = getattr(eio, "kejurda_broadcast", None)
    if not app.config.get("KEJURDA_QUIET_GC", True) or broadcast is None:
        return None
    collector = QuietCollector()
    eio.kejurda_broadcast = collector.watch(broadcast)
    collector.start()
    app.extensions["kejurda_collector"] = collector
    return collector
