"""The event file's schedule part: `[schedule]`, `[[place]]` and each category's
``schedule`` table (docs/event-file.md). The rules are `judging.schedule_config`'s; this
module points a mistake at its line and stores the result with the rest of the event.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from judging.schedule_config import (
    Calendar,
    Place,
    ScheduleError,
    parse_calendar,
    parse_category_schedule,
    parse_place,
)
from scoreboard.models import Event, ScheduleCalendar
from scoreboard.models.schedule import Place as PlaceRow


def parse(data: dict, tracks: list[dict], path: Path, text: str, where_cls: Any,
          table_list: Any) -> dict:
    """`{"calendar": Calendar | None, "places": [Place]}`; tracks are places of kind track."""
    calendar = None
    if "schedule" in data:
        try:
            calendar = parse_calendar(data["schedule"])
        except ScheduleError as exc:
            raise where_cls(path, text, "schedule").fail(exc.key, exc.reason) from None
    places = [Place(t["slug"], t["name"], "track") for t in tracks]
    taken = {p.slug for p in places}
    for i, table in enumerate(table_list(data, "place", path, text)):
        label = repr(table.get("slug")) if isinstance(table, dict) else ""
        where = where_cls(path, text, "place", i, label)
        try:
            place = parse_place(table)
        except ScheduleError as exc:
            raise where.fail(exc.key, exc.reason) from None
        if place.slug in taken:
            raise where.fail("slug", f"{place.slug!r} is already a track or place of this file")
        taken.add(place.slug)
        places.append(place)
    if places[len(tracks):] and calendar is None:
        raise where_cls(path, text).fail("place", "places need a [schedule] table with the "
                                                  "event's days")
    return {"calendar": calendar, "places": places}


def category_schedule(table: dict, where: Any, plan: dict) -> dict:
    """A category's checked ``schedule`` table, stored in its options as plain JSON."""
    calendar: Calendar | None = plan.get("calendar")
    places = {p.slug: p for p in plan.get("places", [])}
    fmt = table.get("format")
    kind = "field" if fmt == "match" and table.get("match") == "soccer" else None
    try:
        rules = parse_category_schedule(
            table.get("schedule"), fmt, calendar=calendar, places=places,
            track=table.get("track"), levels=table.get("levels") or (),
            attempts=table.get("attempts", 3), kind=kind)
    except ScheduleError as exc:
        raise where.fail(exc.key, exc.reason) from None
    days = {level: [calendar.days[d].isoformat() for d in indexes]
            for level, indexes in rules.days.items()} if calendar else {}
    return {"slot_min": rules.slot_min, "sessions": rules.sessions, "rest_min": rules.rest_min,
            "days": days, "places": list(rules.places), "kind": rules.kind}


def store(session: Session, event: Event, plan: dict) -> None:
    """Write the calendar and the places (inside the event file's one transaction)."""
    calendar: Calendar | None = plan.get("calendar")
    row = session.scalar(select(ScheduleCalendar).where(ScheduleCalendar.event_id == event.id))
    if calendar is None:
        if row is not None:
            session.delete(row)
    else:
        row = row or ScheduleCalendar(event_id=event.id)
        row.days = [d.isoformat() for d in calendar.days]
        row.day_start, row.day_end = calendar.day_start, calendar.day_end
        row.breaks = [list(b) for b in calendar.breaks]
        session.add(row)
    for place in plan.get("places", []):
        if place.kind == "track":
            continue
        found = session.scalar(select(PlaceRow).where(PlaceRow.slug == place.slug))
        found = found or PlaceRow(slug=place.slug)
        found.event_id, found.name, found.kind = event.id, place.name, place.kind
        session.add(found)
    session.flush()


def calendar_of(row: ScheduleCalendar) -> Calendar:
    """The stored calendar as the rules' `Calendar`."""
    return Calendar(tuple(date.fromisoformat(d) for d in row.days), row.day_start, row.day_end,
                    tuple((int(s), int(e)) for s, e in row.breaks))
