"""The demo's schedule: its days start today, at the minute the demo starts, and its
simulated teams are armed in the schedule's order (the call-up queue follows it too)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from scoreboard.demo.autoarm import AutoArm
from scoreboard.models import Category, ScheduleCalendar

log = logging.getLogger(__name__)
SOLVER_S = 3.0  # the demo starts quickly; its championship is small


def rebase(session: Session, now: datetime) -> None:
    """Move the event file's days to today onwards and open today's hours now, so the
    schedule starts at the demo's first minute (the file's hours and breaks otherwise)."""
    row = session.scalar(select(ScheduleCalendar))
    if row is None:
        return
    today = now.date()
    row.days = [(today + timedelta(days=i)).isoformat() for i in range(len(row.days))]
    start = now.hour * 60 + now.minute
    length = max(row.day_end - row.day_start, 120)
    row.day_start = start
    row.day_end = min(24 * 60 - 1, start + length)
    row.breaks = [b for b in row.breaks if start <= b[0] and b[1] <= row.day_end]
    if row.day_end - row.day_start < 60:  # started just before midnight: tomorrow's hours
        row.days = [(today + timedelta(days=i + 1)).isoformat() for i in range(len(row.days))]
        row.day_start, row.day_end, row.breaks = 7 * 60, 21 * 60, []


def start(db_url: str, now: datetime | None = None) -> None:
    """Rebase the demo's days and generate its first schedule (queues fed from it)."""
    from scoreboard.db import Database
    from scoreboard.services.schedule_callup import generate_and_call

    now = now or datetime.now().replace(second=0, microsecond=0)
    db = Database(db_url)
    try:
        with db.transaction() as session:
            rebase(session, now)
        with db.transaction() as session:
            version = generate_and_call(session, "demo", now=now, time_limit_s=SOLVER_S)
            log.info("demo schedule: version %s, %s slots", version.id, version.report["placed"])
    finally:
        db.dispose()


class ScheduledArm(AutoArm):
    """Arms, on each free track, the team whose attempt the schedule has next; teams
    not in the schedule (or no schedule at all) go round robin as before."""

    def step(self, session: Session) -> list[int]:
        armed = super().step(session)
        if armed:
            from scoreboard.models import Run
            from scoreboard.services.schedule_callup import came

            for run in session.scalars(select(Run).where(Run.id.in_(armed))):
                came(session, run.track.slug, run.team.code, "demo")
        return armed

    @staticmethod
    def _next_team(session: Session, categories: list[Category]) -> tuple[str, str] | None:
        from scoreboard.services.schedule_callup import upcoming

        track = categories[0].track.slug if categories and categories[0].track else None
        slugs = {c.id: c.slug for c in categories}
        if track is not None:
            from scoreboard.services.schedule import live

            rows = [r for r in live(session) if r.slot.category_id in slugs]
            for code, _eta in upcoming(session, track, rows=rows):
                category = next(r.slot.category_id for r in rows if code in r.slot.teams)
                return slugs[category], code
        return AutoArm._next_team(session, categories)
