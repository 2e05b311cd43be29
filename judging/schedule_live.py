"""The live schedule: from the measured pace of each place, when each slot will start.

No clock here: the caller passes `now` and every time in seconds on one scale. A place
that runs late pushes the rest of its day back; one that runs early does not pull teams
forward (they were told a time and may not be there yet). The pace is the measured
length of the place's finished slots against their planned length.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

PACE_SLOTS = 6  # the place's pace is measured over its last few finished slots
PACE_MIN, PACE_MAX = 0.5, 3.0


@dataclass(frozen=True)
class LiveSlot:
    """One slot as planned and, once it happened, as measured (seconds)."""

    key: str
    place: str
    start: int
    end: int
    status: str  # planned | running | done
    actual_start: int | None = None
    actual_end: int | None = None


def pace(slots: Iterable[LiveSlot]) -> float:
    """Measured over planned length of a place's last finished slots (1.0: on time)."""
    measured = [s for s in slots if s.status == "done" and s.actual_start is not None
                and s.actual_end is not None and s.actual_end > s.actual_start]
    measured.sort(key=lambda s: s.actual_end or 0)
    recent = measured[-PACE_SLOTS:]
    planned = sum(s.end - s.start for s in recent)
    if not recent or planned <= 0:
        return 1.0
    actual = sum((s.actual_end or 0) - (s.actual_start or 0) for s in recent)
    return min(PACE_MAX, max(PACE_MIN, actual / planned))


def _free_at(slots: list[LiveSlot], now: int, speed: float) -> int:
    """When the place is free for its next planned slot, as measured so far."""
    free = now
    for s in slots:
        if s.status == "done" and s.actual_end is not None:
            free = max(free, s.actual_end)
        elif s.status == "running":
            began = s.actual_start if s.actual_start is not None else now
            free = max(free, began + round((s.end - s.start) * speed))
    return free


def project(slots: Iterable[LiveSlot], now: int, day_of=lambda t: t // 86400) -> dict[str, int]:
    """The expected start (ETA) of every slot not done yet, by key.

    Only today's slots move: on a later day the plan still holds. `day_of` maps a time to
    its day, so a place's lateness never spills into tomorrow's plan.
    """
    by_place: dict[str, list[LiveSlot]] = defaultdict(list)
    for s in slots:
        by_place[s.place].append(s)
    today = day_of(now)
    eta: dict[str, int] = {}
    for group in by_place.values():
        group.sort(key=lambda s: s.start)
        speed = pace(group)
        cursor = _free_at(group, now, speed)
        for s in group:
            if s.status == "done":
                continue
            if s.status == "running":
                eta[s.key] = s.actual_start if s.actual_start is not None else s.start
                continue
            if day_of(s.start) != today:
                eta[s.key] = s.start
                continue
            start = max(cursor, s.start)
            eta[s.key] = start
            cursor = start + round((s.end - s.start) * speed)
    return eta
