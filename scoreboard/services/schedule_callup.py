"""The call-up queues fed by the schedule, and each team's next turn ("giliran Anda").

A track's queue is its timed categories' attempts; another arena's (a match or judged
category, CONTRACT §7 call-up) is that category's matches or interviews. The next teams
by the schedule's ETA join the queue in that order, so the call-up follows the schedule.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from scoreboard.errors import KejurdaError
from scoreboard.models import Category, Team
from scoreboard.models.callup import CallUpEntry
from scoreboard.models.schedule import ScheduleVersion
from scoreboard.services import callup
from scoreboard.services.schedule import LiveRow, generate, latest, live
from scoreboard.services.schedule_build import load_places

log = logging.getLogger(__name__)
AHEAD = 3  # teams called ahead at each arena: the one on, the one ready, the one coming


def arena_of(row: LiveRow, formats: dict[int, str], slugs: dict[int, str]) -> str:
    """Where a slot's teams are called: its track for an attempt, else its category."""
    if formats.get(row.slot.category_id) == "timed":
        return row.slot.place
    return slugs.get(row.slot.category_id, row.slot.place)


def upcoming(session: Session, arena: str, now: datetime | None = None,
             rows: list[LiveRow] | None = None) -> list[tuple[str, datetime]]:
    """(team code, ETA) of the arena's slots still to come, in schedule order."""
    cats = session.execute(select(Category.id, Category.format, Category.slug)).all()
    formats = {c.id: c.format for c in cats}
    slugs = {c.id: c.slug for c in cats}
    out, seen = [], set()
    rows = live(session, now) if rows is None else rows
    pending = [r for r in rows if r.status == "planned" and arena_of(r, formats, slugs) == arena]
    pending.sort(key=lambda r: (r.eta or r.slot.start, r.slot.start, r.slot.key))
    for row in pending:
        for code in row.slot.teams:
            if code not in seen:
                seen.add(code)
                out.append((code, row.eta or row.slot.start))
    return out


def fill(session: Session, arena: str, actor: str = "jadwal", ahead: int = AHEAD,
         now: datetime | None = None, skip: frozenset[str] = frozenset()) -> list[str]:
    """Call the next teams of the schedule to the arena's queue (at most `ahead` waiting);
    `skip`: teams that just came to the table (their slot has not started yet)."""
    waiting = {e.team.code for e in callup.queue(session, arena)}
    joined: list[str] = []
    for code, _eta in upcoming(session, arena, now):
        if len(waiting) >= ahead:
            break
        if code in waiting or code in skip:
            continue
        try:
            callup.join(session, arena, code, actor)
        except KejurdaError as exc:  # e.g. not checked in yet: the desk calls the next one
            log.info("call-up from the schedule: %s skipped at %s: %s", code, arena, exc.message)
            continue
        waiting.add(code)
        joined.append(code)
    return joined


def fill_all(session: Session, actor: str = "jadwal") -> dict[str, list[str]]:
    """Top up every arena's queue from the schedule."""
    return {slug: fill(session, slug, actor) for slug, _name in callup.arenas(session)}


def came(session: Session, arena: str, code: str, actor: str,
         now: datetime | None = None) -> None:
    """The team is at the table: it leaves the queue and the next scheduled team joins."""
    team = session.scalar(select(Team).where(Team.code == code))
    if team is not None and session.scalar(select(CallUpEntry.id).where(
            CallUpEntry.arena == arena, CallUpEntry.team_id == team.id)):
        team = callup.leave(session, arena, code, actor)
    fill(session, arena, actor, now=now,
         skip=frozenset({team.code if team is not None else code}))


def next_turn(session: Session, code: str, now: datetime | None = None) -> dict | None:
    """The team's next slot still to come: where, and when by the measured pace; or
    `{"waiting": ...}` while the team has no slot because it has not passed inspection."""
    names = {p.slug: p.name for p in load_places(session)}
    rows = [r for r in live(session, now) if code in r.slot.teams and r.status != "done"]
    if not rows:
        current = latest(session)
        waiting = (current.report or {}).get("waiting", {}) if current is not None else {}
        if code in waiting:
            return {"waiting": waiting[code]}
        return None
    row = min(rows, key=lambda r: (r.eta or r.slot.start, r.slot.start))
    eta = row.eta or row.slot.start
    return {"place": row.slot.place, "place_name": names.get(row.slot.place, row.slot.place),
            "kind": row.slot.kind, "start": row.slot.start, "eta": eta, "status": row.status,
            "late_min": max(0, int((eta - row.slot.start).total_seconds() // 60))}


def next_per_place(session: Session, now: datetime | None = None, per_place: int = 3
                   ) -> list[dict]:
    """The projector's "Berikutnya": the next slots of every place, by ETA."""
    places = load_places(session)
    names = dict(session.execute(select(Team.code, Team.name)).all())
    by_place: dict[str, list[LiveRow]] = {}
    for row in live(session, now):
        if row.status != "done":
            by_place.setdefault(row.slot.place, []).append(row)
    out = []
    for place in places:
        rows = sorted(by_place.get(place.slug, []), key=lambda r: (r.eta or r.slot.start))
        if not rows:
            continue
        out.append({"place": place.slug, "name": place.name, "kind": place.kind, "next": [
            {"teams": [{"code": c, "name": names.get(c, c)} for c in r.slot.teams],
             "slot_kind": r.slot.kind, "status": r.status, "start": r.slot.start.isoformat(),
             "eta": (r.eta or r.slot.start).isoformat()} for r in rows[:per_place]]})
    return out


def generate_and_call(session: Session, actor: str, **kw) -> ScheduleVersion:
    """Generate, then feed every call-up queue from the new schedule."""
    version = generate(session, actor, **kw)
    fill_all(session, actor)
    return version
