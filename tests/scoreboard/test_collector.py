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


class Counts:
    """CPython's counts as the collector reads them: middle-generation collections since
    the last full one, and the size of the oldest generation."""

    young = 10
    old = 1_000


@pytest.fixture()
def owed():
    return Counts()


def collector(clock: Clock, counts: Counts) -> QuietCollector:
    c = QuietCollector(clock)
    c.young_collections = lambda: counts.young
    c.old_size = lambda: counts.old
    return c


def test_nothing_is_collected_before_cpython_would_or_before_the_interval(owed):
    clock = Clock()
    c = collector(clock, owed)
    clock.now += quiet.INTERVAL_S - 0.5
    assert not c.should_collect(clock.now)  # owed, but the last one is too recent
    clock.now += 0.5
    assert c.should_collect(clock.now)
    owed.young = 9  # CPython would make none yet
    assert not c.should_collect(clock.now)


def test_a_long_pause_spaces_the_next_collection_by_fifty_pauses(owed):
    clock = Clock()
    c = collector(clock, owed)
    c.last_pause = 0.3  # as at 5,000 screens per worker: one in 15 s at most
    c.last_full = clock.now
    clock.now += 14.5
    assert not c.should_collect(clock.now)
    clock.now += 0.5
    assert c.should_collect(clock.now)


def test_as_cpython_only_once_the_old_generation_grew_by_more_than_a_quarter(owed):
    clock = Clock()
    c = collector(clock, owed)
    c.survivors = 800  # after the last full collection
    owed.old = 1_000  # 200 more: a quarter, not more
    clock.now += quiet.INTERVAL_S
    assert not c.should_collect(clock.now)
    owed.old = 1_001
    assert not c.should_collect(clock.now)  # not counted again before RECHECK_S
    clock.now += quiet.RECHECK_S
    assert c.should_collect(clock.now)
    c.collect()  # a real full collection: the survivors are counted after it
    assert c.survivors == 1_001 and c.last_full == clock.now and c.collections == 1


def test_a_due_collection_waits_for_the_broadcast_and_a_quiet_moment_after_it(owed,
                                                                             monkeypatch):
    monkeypatch.setattr(quiet, "QUIET_S", 0.25)  # binary fractions: exact sums below
    clock = Clock()
    c = collector(clock, owed)
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
    c = collector(clock, owed)
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
    monkeypatch.setattr(quiet, "RECHECK_S", 0.0)
    before = gc.get_threshold()
    full = threading.Event()

    def seen(phase, info):
        if phase == "stop" and info["generation"] == 2:
            full.set()

    c = QuietCollector()
    gc.callbacks.append(seen)
    gc.freeze()  # as a worker does after start-up: the oldest generation starts empty
    try:
        c.start()
        assert gc.get_threshold() == (before[0], before[1], quiet.OUT_OF_REACH)
        kept = []
        while not full.wait(0.01):  # objects that live on: young collections move them
            kept.append([[] for _ in range(10_000)])  # to the oldest generation, which grows
            assert len(kept) < 1_000, "no full collection"
        del kept
    finally:
        c.stop()
        gc.callbacks.remove(seen)
        gc.unfreeze()
    assert c.collections >= 1 and c.last_pause > 0
    assert gc.get_threshold() == before  # given back as it was
