"""The schedule's part of the event file, checked and turned into frozen config.

`[schedule]` gives the championship's days and opening hours, `[[place]]` its rings,
fields and judging rooms (tracks are places of kind ``track``), and each category's
``schedule = { ... }`` table its slot length, sessions, levels' days and rest. Every key
is documented in ``docs/event-file.md``. A mistake raises `ScheduleError` naming the key
and the reason, so the loader can point at the line.

Times inside a day are minutes since midnight; days are ISO dates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from judging.errors import RuleViolation

PLACE_KINDS = ("track", "ring", "field", "judging_room")
# Where a format's slots happen when the category names no places.
DEFAULT_KIND = {"timed": "track", "match": "ring", "judged": "judging_room"}
# Minutes of one slot (an attempt, a match, an interview) when the category says nothing.
DEFAULT_SLOT_MIN = {"timed": 5, "match": 6, "judged": 15}
SCHEDULE_KEYS = {"days", "day_start", "day_end", "breaks"}
PLACE_KEYS = {"slug", "name", "kind"}
CATEGORY_KEYS = {"slot_min", "sessions", "rest_min", "days", "places"}
MAX_DAYS = 60
CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


class ScheduleError(RuleViolation):
    """A schedule key with a bad value; `key` is its name in the file."""

    def __init__(self, key: str, reason: str):
        super().__init__(f"{key}: {reason}")
        self.key, self.reason = key, reason


@dataclass(frozen=True)
class Calendar:
    """The championship's days and the hours every place is open on each of them."""

    days: tuple[date, ...]
    day_start: int  # minutes since midnight
    day_end: int
    breaks: tuple[tuple[int, int], ...] = ()

    def open_periods(self, day: int) -> list[tuple[int, int]]:
        """The open stretches of day index `day`, in absolute minutes (day * 1440 + minute)."""
        base, cursor, out = day * 1440, self.day_start, []
        for start, end in self.breaks:
            if start > cursor:
                out.append((base + cursor, base + start))
            cursor = max(cursor, end)
        if self.day_end > cursor:
            out.append((base + cursor, base + self.day_end))
        return out

    def open_minutes(self) -> int:
        """Open minutes of one day (the same every day)."""
        return sum(e - s for s, e in self.open_periods(0))

    def to_dict(self) -> dict[str, Any]:
        return {"days": [d.isoformat() for d in self.days], "day_start": clock(self.day_start),
                "day_end": clock(self.day_end),
                "breaks": [{"start": clock(s), "end": clock(e)} for s, e in self.breaks]}


@dataclass(frozen=True)
class Place:
    """Somewhere a slot happens: a track, a sumo ring, a soccer field, a judging room."""

    slug: str
    name: str
    kind: str


@dataclass(frozen=True)
class CategorySchedule:
    """How a category's slots are planned."""

    slot_min: int
    sessions: int = 1  # attempts spread over this many sessions, one after the other
    rest_min: int = 0  # a team's minimum rest between two of its slots
    # level -> day indexes it competes on; "" is every level not named
    days: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    places: tuple[str, ...] = ()  # allowed places; empty: every place of `kind`
    kind: str = "track"

    def days_of(self, level: str, calendar: Calendar) -> tuple[int, ...]:
        """Day indexes on which a team of `level` competes."""
        if level in self.days:
            return self.days[level]
        return self.days.get("", tuple(range(len(calendar.days))))


def clock(minutes: int) -> str:
    """``"08:30"`` for 510 minutes since midnight."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _clock(value: Any, key: str) -> int:
    if not isinstance(value, str) or not CLOCK.match(value):
        raise ScheduleError(key, f'must be a time "HH:MM" (got {value!r})')
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def _breaks(value: Any, start: int, end: int) -> tuple[tuple[int, int], ...]:
    if not isinstance(value, list):
        raise ScheduleError("breaks", 'must be a list of { start = "HH:MM", end = "HH:MM" }')
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, Mapping) or set(item) != {"start", "end"}:
            raise ScheduleError("breaks", f'break {i + 1}: must be {{ start = "HH:MM", '
                                f'end = "HH:MM" }} (got {item!r})')
        b_start, b_end = _clock(item["start"], "breaks"), _clock(item["end"], "breaks")
        if not start <= b_start < b_end <= end:
            raise ScheduleError("breaks", f"break {i + 1}: {item['start']}-{item['end']} must "
                                "lie inside day_start..day_end and end after it starts")
        out.append((b_start, b_end))
    out.sort()
    for (_, first_end), (second_start, _) in zip(out, out[1:], strict=False):
        if second_start < first_end:
            raise ScheduleError("breaks", "two breaks overlap")
    return tuple(out)


def parse_calendar(table: Any) -> Calendar:
    """Check the `[schedule]` table and return its `Calendar`."""
    if not isinstance(table, Mapping):
        raise ScheduleError("schedule", "must be a table [schedule]")
    for key in sorted(table):
        if key not in SCHEDULE_KEYS:
            raise ScheduleError(key, "unknown key (kunci tidak dikenal)")
    raw = table.get("days")
    if not isinstance(raw, list) or not raw or len(raw) > MAX_DAYS:
        raise ScheduleError("days", f"required, a list of 1 to {MAX_DAYS} dates")
    days = []
    for value in raw:
        try:
            day = value if type(value) is date else date.fromisoformat(value)
        except (TypeError, ValueError):
            raise ScheduleError("days", f"{value!r} is not a date (YYYY-MM-DD)") from None
        days.append(day)
    if sorted(set(days)) != days:
        raise ScheduleError("days", "must be in order, each date once")
    start = _clock(table.get("day_start", "08:00"), "day_start")
    end = _clock(table.get("day_end", "16:00"), "day_end")
    if end <= start:
        raise ScheduleError("day_end", f"must be after day_start ({clock(start)})")
    return Calendar(tuple(days), start, end, _breaks(table.get("breaks", []), start, end))


def parse_place(table: Any) -> Place:
    """Check one `[[place]]` table."""
    if not isinstance(table, Mapping):
        raise ScheduleError("place", "must be a table [[place]]")
    for key in sorted(table):
        if key not in PLACE_KEYS:
            raise ScheduleError(key, "unknown key (kunci tidak dikenal)")
    slug, name, kind = table.get("slug"), table.get("name"), table.get("kind")
    if not isinstance(slug, str) or not SLUG.match(slug):
        raise ScheduleError("slug", f"required, lowercase letters, digits and '-' (got {slug!r})")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise ScheduleError("name", "required, a non-empty string of at most 200 characters")
    if kind not in PLACE_KINDS or kind == "track":
        allowed = ", ".join(k for k in PLACE_KINDS if k != "track")
        raise ScheduleError("kind", f"must be one of {allowed} (tracks are [[track]]; "
                            f"got {kind!r})")
    return Place(slug, name.strip(), kind)


def _minutes(table: Mapping, key: str, default: int, lo: int, hi: int) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ScheduleError(f"schedule.{key}", f"must be an integer from {lo} to {hi} "
                            f"(got {value!r})")
    return value


def _day_list(value: Any, calendar: Calendar, where: str) -> tuple[int, ...]:
    if not isinstance(value, list) or not value:
        raise ScheduleError(where, "must be a non-empty list of dates of [schedule] days")
    out = []
    for item in value:
        try:
            day = item if type(item) is date else date.fromisoformat(item)
        except (TypeError, ValueError):
            raise ScheduleError(where, f"{item!r} is not a date (YYYY-MM-DD)") from None
        if day not in calendar.days:
            raise ScheduleError(where, f"{day.isoformat()} is not one of [schedule] days")
        out.append(calendar.days.index(day))
    return tuple(sorted(set(out)))


def _level_days(value: Any, calendar: Calendar, levels: Sequence[str]
                ) -> dict[str, tuple[int, ...]]:
    if value is None:
        return {}
    if isinstance(value, list):
        return {"": _day_list(value, calendar, "schedule.days")}
    if not isinstance(value, Mapping):
        raise ScheduleError("schedule.days", "must be a list of dates, or a table "
                            "level -> list of dates")
    out = {}
    for level, days in value.items():
        if levels and level not in levels:
            raise ScheduleError("schedule.days", f"level {level!r} is not one of the "
                                f"category's levels ({', '.join(levels)})")
        out[level] = _day_list(days, calendar, f"schedule.days.{level}")
    return out


def parse_category_schedule(table: Any, fmt: str, *, calendar: Calendar | None,
                            places: Mapping[str, Place], track: str | None = None,
                            levels: Sequence[str] = (), attempts: int = 1,
                            kind: str | None = None) -> CategorySchedule:
    """Check a category's ``schedule`` table (absent: every default) for format `fmt`."""
    table = {} if table is None else table
    if not isinstance(table, Mapping):
        raise ScheduleError("schedule", "must be a table { slot_min = ..., ... }")
    for key in sorted(table):
        if key not in CATEGORY_KEYS:
            raise ScheduleError(f"schedule.{key}", "unknown key (kunci tidak dikenal)")
    if calendar is None and table:
        raise ScheduleError("schedule", "needs a [schedule] table with the event's days")
    slot = _minutes(table, "slot_min", DEFAULT_SLOT_MIN[fmt], 1, 600)
    sessions = _minutes(table, "sessions", 1, 1, 100)
    if fmt == "timed" and sessions > attempts:
        raise ScheduleError("schedule.sessions", f"must be at most attempts ({attempts})")
    if fmt != "timed" and "sessions" in table:
        raise ScheduleError("schedule.sessions", "only for timed categories (attempts)")
    kind = kind or DEFAULT_KIND[fmt]
    chosen = _places(table.get("places"), fmt, kind, places, track)
    return CategorySchedule(
        slot_min=slot, sessions=sessions, rest_min=_minutes(table, "rest_min", 0, 0, 1440),
        days=_level_days(table.get("days"), calendar, levels) if calendar else {},
        places=chosen, kind=kind)


def _places(value: Any, fmt: str, kind: str, places: Mapping[str, Place],
            track: str | None) -> tuple[str, ...]:
    if fmt == "timed":
        if value is not None:
            raise ScheduleError("schedule.places", "a timed category runs on its track")
        return (track,) if track else ()
    if value is None:
        return ()
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ScheduleError("schedule.places", "must be a non-empty list of place slugs")
    for slug in value:
        place = places.get(slug)
        if place is None:
            raise ScheduleError("schedule.places", f"{slug!r} is not a [[place]] of this file")
        if place.kind == "track":
            raise ScheduleError("schedule.places", f"{slug!r} is a track; a {fmt} category "
                                "needs a ring, field or judging room")
    return tuple(dict.fromkeys(value))
