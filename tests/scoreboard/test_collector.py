"""scoreboard/collector.py: a worker's full garbage collections at quiet moments."""

from __future__ import annotations

import gc
import threading

import pytest

from scoreboard import collector as quiet
from scoreboard.collector import QuietCollector


class Clock:
    def __init__(self) -> None:
        self.now = 1024.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def owed(monkeypatch):
    """CPython's count says a full collection is owed (or not: owed.count = 0)."""

    class Owed:
        count = 10

    monkeypatch.setattr(quiet.gc, "get_count", lambda: (0, 0, Owed.count))
    return Owed


def test_nothing_is_collected_before_cpython_would_or_before_the_interval(owed):
    clock = Clock()
    c = QuietCollector(clock)
    clock.now += quiet.INTERVAL_S - 0.5
    assert not c.should_collect(clock.now)  # owed, but the last one is too recent
    clock.now += 0.5
    assert c.should_collect(clock.now)
    owed.count = 9  # CPython would make none yet
    assert not c.should_collect(clock.now)


def test_a_long_pause_spaces_the_next_collection_by_three_hundred_pauses(owed):
    clock = Clock()
    c = QuietCollector(clock)
    c.last_pause = 0.2  # 200 ms, as at 5,000 screens per worker: once a minute at most
    c.last_full = clock.now
    clock.now += 59.5
    assert not c.should_collect(clock.now)
    clock.now += 0.5
    assert c.should_collect(clock.now)


def test_a_due_collection_waits_for_the_broadcast_and_a_quiet_moment_after_it(owed,
                                                                             monkeypatch):
    monkeypatch.setattr(quiet, "QUIET_S", 0.25)  # binary fractions: exact sums below
    clock = Clock()
    c = QuietCollector(clock)
    clock.now += quiet.INTERVAL_S
    entered, release = threading.Event(), threading.Event()

    def broadcast(sids):
        entered.set()
        release.wait(5)
        return sids

    watched = c.watch(broadcast)
    worker = threading.Thread(target=watched, args=(["a", "b"],))
    worker.start()
    assert entered.wait(5)
    clock.now += 1.0
    assert not c.should_collect(clock.now)  # a broadcast is under way, for a second now
    release.set()
    worker.join(5)
    assert c.busy == 0 and c.last_busy == clock.now
    clock.now += 0.125
    assert not c.should_collect(clock.now)  # just written: the next may follow at once
    clock.now += 0.125
    assert c.should_collect(clock.now)


def test_a_worker_never_quiet_collects_anyway_after_the_longest_wait(owed):
    clock = Clock()
    c = QuietCollector(clock)
    clock.now += quiet.INTERVAL_S
    c.busy = 1  # a broadcast never ends
    assert not c.should_collect(clock.now)
    clock.now += quiet.MAX_WAIT_S - 0.5
    assert not c.should_collect(clock.now)
    clock.now += 0.5
    assert c.should_collect(clock.now)


def test_watch_keeps_what_the_call_returns_and_raises():
    c = QuietCollector()
    assert c.watch(lambda x, y=1: (x, y))(3, y=4) == (3, 4)

    def fails():
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        c.watch(fails)()
    assert c.busy == 0


def test_started_it_takes_full_collections_from_cpython_and_makes_them_itself(monkeypatch):
    monkeypatch.setattr(quiet, "INTERVAL_S", 0.0)
    monkeypatch.setattr(quiet, "IDLE_TICK_S", 0.01)
    before = gc.get_threshold()
    full = threading.Event()

    def seen(phase, info):
        if phase == "stop" and info["generation"] == 2:
            full.set()

    c = QuietCollector()
    gc.callbacks.append(seen)
    try:
        c.start()
        assert gc.get_threshold() == (before[0], before[1], quiet.OUT_OF_REACH)
        while not full.wait(0.01):  # allocations: CPython's count of young collections
            kept = [[] for _ in range(10_000)]  # grows to what makes a full one owed
            del kept
    finally:
        c.stop()
        gc.callbacks.remove(seen)
    assert c.collections >= 1 and c.last_pause > 0
    assert gc.get_threshold() == before  # given back as it was
