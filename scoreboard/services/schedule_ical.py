"""A team's schedule as an iCalendar feed (RFC 5545), for the phones of pupils and parents.

Every slot of the team becomes one event: what (category, an attempt, a match or an
interview), where (the place's name) and when. Times are the venue's local times written
as floating times (no zone), which a phone at the venue shows as they are. A calendar app
that subscribes to the feed picks up a re-planned schedule at its next refresh.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from scoreboard.models import Category, Event
from scoreboard.services.schedule import rows


def _text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 §3.3.11)."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _fold(line: str) -> list[str]:
    """Lines longer than 75 octets continue on the next line after one space (§3.1)."""
    out, current = [], ""
    for char in line:
        if len((current + char).encode()) > (75 if not out else 74):
            out.append(current)
            current = char
        else:
            current += char
    out.append(current)
    return [out[0]] + [" " + part for part in out[1:]]


def _stamp(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%Y%m%dT%H%M%S")


def team_calendar(session: Session, code: str) -> str:
    """The team's slots as a VCALENDAR text (raises NotFound for an unknown team)."""
    slots = rows(session, team=code)
    event = session.scalar(select(Event).order_by(Event.id))
    names = dict(session.execute(select(Category.slug, Category.name)).all())
    kinds = {"attempt": _("Percobaan"), "match": _("Pertandingan"),
             "interview": _("Penjurian")}
    now = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//kejurda//jadwal//ID",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
             f"X-WR-CALNAME:{_text((event.name if event else 'kejurda') + ' · ' + code)}"]
    for slot in slots:
        what = f"{names.get(slot['category'], slot['category'])} · " \
               f"{kinds.get(slot['kind'], slot['kind'])}"
        lines += ["BEGIN:VEVENT", # a slot keeps its UID when re-planned: the calendar moves it instead of adding one
                  f"UID:{slot['category']}-{slot['kind']}-{slot['ref']}-{code}@kejurda",
                  f"DTSTAMP:{now}", f"DTSTART:{_stamp(slot['start'])}",
                  f"DTEND:{_stamp(slot['end'])}", f"SUMMARY:{_text(what)}",
                  f"LOCATION:{_text(slot['place_name'])}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "\r\n".join(part for line in lines for part in _fold(line)) + "\r\n"
