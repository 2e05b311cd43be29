"""The offset between this host's wall clock and the scoreboard server's.

A Raspberry Pi has no battery clock and the venue has no internet, so a Pi's wall clock
can be minutes or hours off. Edges carry ``t_epoch_us`` (this host's estimate of wall
time); the server compares ``t_epoch_us`` of edges from different devices and shows
running clocks from ``start_t_epoch_us``, so those estimates must be in *the server's*
time. The agent asks the server for its time (extension event ``clock`` on ``/timing``:
the agent emits ``{"agent_us": T0}`` and the server acks ``{"now_us": S}``), and this
estimator turns round trips into an offset the way NTP does, trusting the fastest trips.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


def wall_us() -> int:
    """This host's wall clock in µs since 1970: the one place the agent reads it. It may
    step at any time (NTP, an operator), so it is read once to place the host's monotonic
    clock on the calendar and afterwards only watched (``ClockOffset.watch_wall``)."""
    return time.time_ns() // 1000


@dataclass(frozen=True)
class ClockSample:
    """One round trip: sent at ``t0_us``, answered ``server_us``, back at ``t1_us``."""

    t0_us: int
    server_us: int
    t1_us: int

    @property
    def rtt_us(self) -> int:
        """Round-trip time."""
        return self.t1_us - self.t0_us

    @property
    def offset_us(self) -> int:
        """Server time minus host time, assuming the answer was made mid-trip."""
        return self.server_us - (self.t0_us + self.t1_us) // 2


JUMP_US = 20_000


def mono_us() -> int:
    """This host's monotonic clock in µs (never jumps)."""
    return time.monotonic_ns() // 1000


class ClockOffset:
    """Keeps recent round trips; the estimate comes from the fastest one (least doubt).

    The round trips are stamped on the host's monotonic scale (its wall clock read once,
    then the monotonic clock), the scale the sources stamp their edges' ``t_epoch_us`` on.
    A step of the wall clock (NTP, an operator) therefore changes neither the trips nor
    the edges: re-measured against the stepped wall, the offset would move every later
    edge by the step. Steps are only counted (``watch_wall``), for the status.
    """

    def __init__(self, keep: int = 16) -> None:
        self._samples: deque[ClockSample] = deque(maxlen=keep)
        self._lock = threading.Lock()
        self._wall_minus_host: int | None = None
        self.jumps = 0

    def add(self, t0_us: int, server_us: int, t1_us: int) -> bool:
        """Record one round trip (host-scale send and receive times); False (ignored) if
        it makes no sense."""
        if t1_us < t0_us:
            return False
        with self._lock:
            self._samples.append(ClockSample(t0_us, server_us, t1_us))
        return True

    def watch_wall(self, wall_minus_host_us: int) -> int | None:
        """The wall clock read against the host scale; the step (µs) if it jumped since
        the last look by more than ``JUMP_US``, else None."""
        with self._lock:
            last, self._wall_minus_host = self._wall_minus_host, wall_minus_host_us
            if last is None or abs(wall_minus_host_us - last) <= JUMP_US:
                return None
            self.jumps += 1
            return wall_minus_host_us - last

    def reset(self) -> None:
        """Forget all samples (e.g. after connecting to another server)."""
        with self._lock:
            self._samples.clear()

    def estimate(self) -> tuple[int, int] | None:
        """(offset_us, err_us) from the fastest recent trip, or None with no samples.

        ``err_us`` is half that trip's round-trip time: the true offset lies within
        ``offset_us ± err_us``.
        """
        with self._lock:
            if not self._samples:
                return None
            best = min(self._samples, key=lambda s: s.rtt_us)
        return best.offset_us, (best.rtt_us + 1) // 2

    def to_server_time(self, edge: dict) -> dict:
        """A copy of ``edge`` whose ``t_epoch_us`` is in server time (if both are known).

        ``t_us`` and the identity are never touched: only the wall-clock estimate moves,
        and its uncertainty grows by the offset's.
        """
        estimate = self.estimate()
        if estimate is None or edge.get("t_epoch_us") is None:
            return edge
        offset_us, err_us = estimate
        shifted = dict(edge)
        shifted["t_epoch_us"] = edge["t_epoch_us"] + offset_us
        shifted["t_epoch_err_us"] = int(edge.get("t_epoch_err_us") or 0) + err_us
        return shifted

    def status(self) -> dict:
        """For ``agent_status``: the current estimate and how many trips it rests on."""
        estimate = self.estimate()
        with self._lock:
            count = len(self._samples)
        if estimate is None:
            return {"offset_us": None, "err_us": None, "samples": count, "jumps": self.jumps}
        return {"offset_us": estimate[0], "err_us": estimate[1], "samples": count,
                "jumps": self.jumps}


class HostClock:
    """This host's time as the agent keeps it: the wall clock read once, through the one
    function that reads it (``wall``, default ``wall_us``), then the monotonic clock, so
    it never steps. Afterwards the wall is only watched: a step is counted in the
    offset's ``jumps`` and moves nothing."""

    WATCH_S = 0.2

    def __init__(self, offset: ClockOffset, wall: Callable[[], int] | None = None) -> None:
        self.offset = offset
        self.wall = wall or (lambda: wall_us())
        self._minus_mono_us = self.wall() - mono_us()
        offset.watch_wall(0)  # by definition the wall reads the host scale now
        self._watched_at = 0.0

    def now_us(self) -> int:
        """This host's time in µs since 1970 on its monotonic scale."""
        return self._minus_mono_us + mono_us()

    def watch(self) -> int | None:
        """Look at the wall at most every WATCH_S: the step (µs) if it stepped, else None."""
        now = time.monotonic()
        if now - self._watched_at < self.WATCH_S:
            return None
        self._watched_at = now
        return self.offset.watch_wall(self.wall() - self.now_us())
