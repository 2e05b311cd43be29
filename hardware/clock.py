"""Device clock -> host wall clock, from ``TQ``/``TS`` round trips.

Each round trip says: the device read ``t_dev`` somewhere between the host's send
``t_send`` and receive ``t_recv``. With the device's offset modelled as a line
``theta(x) = a + s * (x - x_ref)`` (offset plus drift, ``|s| <= max_ppm``), every
round trip bounds the line from below by ``t_send - t_dev`` and from above by
``t_recv - t_dev``. The set of lines inside all bounds is a convex polygon in
``(a, s)``; only the fastest round trips shape it (slow ones are loose bounds that
never bind), and the fastest are the ones kept when the store is full. An edge's
host time is the middle of the range that the polygon allows at its device time,
and the uncertainty is half that range: a true bound as long as the drift is
linear over the window, not a statistical guess.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

EPS = 1e-6  # us: slack for float rounding when testing a vertex against the bounds
HULL_TOL = 0.5  # us: bounds this close to others are merged (widens the bound by <= 1 us)

# Wall-clock µs that never jump: the wall clock read once, then the monotonic clock.
# The serial link stamps round trips with it, and the virtual ESP32 uses the same
# scale for its true clock, so tests can compare the two to the microsecond.
_EPOCH_BASE_NS = time.time_ns() - time.monotonic_ns()


def host_now_us() -> int:
    """Host time in µs since 1970, monotonic (set once from the wall clock at import)."""
    return (_EPOCH_BASE_NS + time.monotonic_ns()) // 1000


@dataclass(frozen=True)
class RoundTrip:
    """One TQ/TS exchange: host send and receive times around the device's reading."""

    t_send: int
    t_dev: int
    t_recv: int

    @property
    def rtt(self) -> int:
        return self.t_recv - self.t_send


def _hull(points, upper: bool, tol: float) -> list:
    """Upper (or lower) convex hull of points with increasing x (Andrew's monotone chain).

    A point within ``tol`` of the chord of its neighbours is dropped too: nearly
    collinear bounds (a steady link, whole-µs truncation) would otherwise all stay on
    the hull and make the polygon slow to compute, for no gain beyond ``tol``.
    """
    out: list = []
    for p in points:
        while len(out) >= 2:
            (x0, y0), (x1, y1) = out[-2], out[-1]
            chord = y0 + (p[1] - y0) * (x1 - x0) / (p[0] - x0)
            if (y1 <= chord + tol) if upper else (y1 >= chord - tol):
                out.pop()
            else:
                break
        if out and out[-1][0] == p[0]:  # same device time: keep the tighter bound
            if (p[1] > out[-1][1]) == upper:
                out[-1] = p
            continue
        out.append(p)
    return out


class ClockSync:
    """Estimator of host time (µs) for device times (µs since the device's boot)."""

    def __init__(self, max_ppm: float = 200.0, window_us: int = 600_000_000,
                 capacity: int = 256):
        self.max_slope = max_ppm * 1e-6
        self.window_us = window_us
        self.capacity = capacity
        self.samples: list[RoundTrip] = []
        self.dropped_infeasible = 0
        self._vertices: list[tuple[float, float]] = []
        self._x_ref = 0
        self._y_ref = 0

    @property
    def ready(self) -> bool:
        """True once at least one round trip is known."""
        return bool(self._vertices)

    def reset(self) -> None:
        """Forget everything (the device rebooted: its clock restarted)."""
        self.samples.clear()
        self._vertices = []

    def add(self, t_send: int, t_dev: int, t_recv: int) -> None:
        """Record one round trip (host µs, device µs, host µs)."""
        if t_recv < t_send:
            raise ValueError("receive before send")
        self.samples.append(RoundTrip(t_send, t_dev, t_recv))
        self.samples.sort(key=lambda r: r.t_dev)
        newest = self.samples[-1].t_dev
        self.samples = [r for r in self.samples if newest - r.t_dev <= self.window_us]
        if len(self.samples) > self.capacity:
            self.samples.remove(max(self.samples, key=lambda r: r.rtt))
        self._solve()

    def _solve(self) -> None:
        while self.samples:
            vertices = self._polygon()
            if vertices:
                self._vertices = vertices
                return
            # no straight line fits every bound: the oldest sample predates a change
            # (temperature, a reboot we missed); let it go
            self.samples.pop(0)
            self.dropped_infeasible += 1
        self._vertices = []

    def _polygon(self) -> list[tuple[float, float]]:
        newest = self.samples[-1]
        self._x_ref, self._y_ref = newest.t_dev, newest.t_send - newest.t_dev
        # the device's reading truncates its clock to whole µs: it may lag by up to 1 µs
        lows = _hull([(r.t_dev - self._x_ref, r.t_send - 1 - r.t_dev - self._y_ref)
                      for r in self.samples], True, HULL_TOL)
        highs = _hull([(r.t_dev - self._x_ref, r.t_recv - r.t_dev - self._y_ref)
                       for r in self.samples], False, HULL_TOL)
        # every boundary as (dx, y): a + s*dx = y; slope bounds as s = +-max
        bounds = lows + highs
        candidates = []
        for i, (dx1, y1) in enumerate(bounds):
            for s in (self.max_slope, -self.max_slope):
                candidates.append((y1 - s * dx1, s))
            for dx2, y2 in bounds[i + 1:]:
                if dx1 != dx2:
                    s = (y1 - y2) / (dx1 - dx2)
                    candidates.append((y1 - s * dx1, s))
        return [c for c in candidates if self._feasible(c, lows, highs)]

    def _feasible(self, line, lows, highs) -> bool:
        a, s = line
        if abs(s) > self.max_slope + 1e-12:
            return False
        return (all(a + s * dx >= y - EPS for dx, y in lows)
                and all(a + s * dx <= y + EPS for dx, y in highs))

    def _range(self, t_dev: int) -> tuple[float, float]:
        dx = t_dev - self._x_ref
        values = [a + s * dx for a, s in self._vertices]
        return min(values), max(values)

    def to_host(self, t_dev: int) -> tuple[int, int]:
        """Host µs for a device time, and its uncertainty (half-width, µs, rounded up)."""
        if not self._vertices:
            raise LookupError("no round trip yet")
        lo, hi = self._range(t_dev)
        mid = (lo + hi) / 2
        # +2: whole-µs rounding of the answer, and the bounds merged by the hull
        return t_dev + self._y_ref + round(mid), math.ceil((hi - lo) / 2 - 1e-3) + 2

    def offset_us(self, t_dev: int) -> int | None:
        """Host minus device time at ``t_dev``, or None before the first round trip."""
        return self.to_host(t_dev)[0] - t_dev if self._vertices else None

    def drift_ppm(self) -> float | None:
        """Middle of the slopes still possible, in ppm (device slow: positive)."""
        if not self._vertices:
            return None
        slopes = [s for _, s in self._vertices]
        return (min(slopes) + max(slopes)) / 2 * 1e6
