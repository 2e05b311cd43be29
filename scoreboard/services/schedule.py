"""The championship's schedule: generate and store versions, read it live with ETAs.

Generating builds the problem (`schedule_build`), solves it (`schedule_solver`, checked
by `judging.schedule.check`) and stores a new `ScheduleVersion`; what already happened
stays where it happened. Reading joins the newest version with what happened since
(status) and the measured pace of each place (`judging.schedule_live`: ETA).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from judging.schedule import Fixed, Plan, Problem
from judging.schedule_greedy import greedy
from judging.schedule_live import LiveSlot, project
from scoreboard.errors import Invalid, KejurdaError, NotFound
from scoreboard.models import Category, Team
from scoreboard.models.schedule import ScheduleSlot, ScheduleVersion
from scoreboard.services import schedule_build as build_mod
from scoreboard.services.audit import audit
from scoreboard.services.schedule_build import Built, to_local, to_minute
from scoreboard.services.schedule_solver import DEFAULT_TIME_LIMIT_S
from scoreboard.services.schedule_solver import generate as solve

log = logging.getLogger(__name__)
EPOCH = datetime(2000, 1, 1)
# the reason stored with a version the server made itself when new matches became known
# (pages show it in their language: web/schedule.py)
EXTENDED = "new matches known"


def latest(session: Session) -> ScheduleVersion | None:
    """The schedule in force: the newest version."""
    return session.scalar(select(ScheduleVersion).order_by(ScheduleVersion.id.desc()))


def _store(session: Session, built: Built, plan: Plan, actor: str, reason: str | None,
           report: dict) -> ScheduleVersion:
    calendar = built.problem.calendar
    impossible = {k: v for k, v in sorted(plan.impossible.items())}
    version = ScheduleVersion(created_by=actor, reason=reason, report={
        **report, "placed": len(plan.placed), "kept": len(built.problem.fixed),
        "impossible": impossible, "waiting": dict(sorted(built.waiting.items()))})
    session.add(version)
    session.flush()
    rows = [(f.key, f.place, f.start, f.end, True) for f in built.problem.fixed]
    rows += [(p.key, p.place, p.start, p.end, False) for p in plan.placed.values()]
    for key, place, start, end, kept in rows:
        meta = built.meta[key]
        session.add(ScheduleSlot(
            version_id=version.id, key=key, category_id=meta.category_id, kind=meta.kind,
            ref=meta.ref, teams=list(meta.teams), place=place, start=to_local(calendar, start),
            end=to_local(calendar, end), kept=kept))
    audit(session, actor, "schedule:generate", "schedule", version.id, reason=reason,
          new={"placed": len(plan.placed), "kept": len(rows) - len(plan.placed),
               "impossible": len(impossible)})
    session.flush()
    return version


def _previous_places(session: Session) -> dict[str, ScheduleSlot]:
    current = latest(session)
    if current is None:
        return {}
    return {s.key: s for s in session.scalars(
        select(ScheduleSlot).where(ScheduleSlot.version_id == current.id))}


def generate(session: Session, actor: str, now: datetime | None = None,
             time_limit_s: float | None = None, reason: str | None = None) -> ScheduleVersion:
    """Plan every slot not yet happened from `now` on and store it as a new version."""

    now = now or datetime.now().replace(microsecond=0)
    previous = _previous_places(session)
    built = build_mod.build(session, now, {k: (s.place, s.start) for k, s in previous.items()})
    plan, report = solve(built.problem, time_limit_s or DEFAULT_TIME_LIMIT_S)
    version = _store(session, built, plan, actor, reason, {
        "seconds": round(report.seconds, 2), "lower_bound": report.lower_bound,
        "span": report.span, "ratio": round(report.ratio, 3), "solver_days": report.days_improved})
    log.info("schedule version %s: %s placed, %s impossible", version.id, len(plan.placed),
             len(plan.impossible))
    return version


def extend(session: Session, actor: str, now: datetime | None = None) -> ScheduleVersion | None:
    """Give slots to what became known (a bracket's next matches, a team that passed its
    inspection) without moving anyone else: every slot of the current version stays, but
    those of a team that failed a re-inspection; only new slots are placed (greedy)."""
    current = latest(session)
    if current is None:
        return None
    now = now or datetime.now().replace(microsecond=0)
    previous = _previous_places(session)
    built = build_mod.build(session, now, {k: (s.place, s.start) for k, s in previous.items()})
    new = [n for n in built.problem.needs if n.key not in previous]
    known = {n.key for n in built.problem.needs} | {f.key for f in built.problem.fixed}
    gone = [k for k, s in previous.items()
            if k not in known and set(s.teams) & set(built.waiting)]
    if not new and not gone:
        return None
    calendar = built.problem.calendar
    kept = list(built.problem.fixed)
    for need in built.problem.needs:
        slot = previous.get(need.key)
        start = to_minute(calendar, slot.start) if slot is not None else None
        if start is not None:
            kept.append(Fixed(need.key, need.category, slot.place, start, start + need.length,
                              need.teams, need.pupils, need.rest, need.session, need.order))
    problem = Problem(calendar, built.problem.places, tuple(new), tuple(kept))
    plan = greedy(problem)
    built.problem = problem
    return _store(session, built, plan, actor, EXTENDED, {"extended": len(new)})


def extend_known(session: Session, actor: str) -> None:
    """Extend the schedule in force (if there is one) after a draw, a result or an
    inspection, and commit; an event without a [schedule] table has nothing to plan."""
    try:
        if extend(session, actor) is not None:
            session.commit()
    except KejurdaError as exc:
        session.rollback()
        log.debug("schedule not extended: %s", exc.message)


@dataclass
class LiveRow:
    slot: ScheduleSlot
    status: str  # planned | running | done
    eta: datetime | None


def _seconds(moment: datetime) -> int:
    return int((moment - EPOCH).total_seconds())


def live(session: Session, now: datetime | None = None) -> list[LiveRow]:
    """Every slot of the schedule in force with its status and ETA, by (start, place)."""
    current = latest(session)
    if current is None:
        return []
    now = now or datetime.now().replace(microsecond=0)
    slots = list(session.scalars(select(ScheduleSlot).where(
        ScheduleSlot.version_id == current.id).order_by(ScheduleSlot.start, ScheduleSlot.place)))
    facts = build_mod.happened(session)
    live_slots = []
    for s in slots:
        fact = facts.get(s.key)
        live_slots.append(LiveSlot(
            s.key, s.place, _seconds(s.start), _seconds(s.end),
            fact.status if fact else "planned",
            _seconds(fact.start) if fact and fact.start else None,
            _seconds(fact.end) if fact and fact.end else None))
    eta = project(live_slots, _seconds(now))  # EPOCH is a midnight: t // 86400 is the day
    rows = []
    for s, ls in zip(slots, live_slots, strict=True):
        at = eta.get(s.key)
        rows.append(LiveRow(s, ls.status, None if at is None else _from_seconds(at)))
    return rows


def _from_seconds(value: int) -> datetime:
    return EPOCH + timedelta(seconds=value)


def parse_day(value: str | None) -> date | None:
    """The `day` filter: an ISO date, or 422 naming the field."""
    if value is None:  # an empty `day=` is not a date (the document says format: date)
        return None
    try:
        if len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"day: must be a date YYYY-MM-DD (got {value[:40]!r})") from None


def rows(session: Session, team: str | None = None, place: str | None = None,
         day: str | None = None, now: datetime | None = None) -> list[dict]:
    """`GET /api/v1/schedule`: one row per team per slot, by start (CONTRACT §4)."""
    wanted_day = parse_day(day)
    if team is not None:
        code = team.strip().upper()
        if not session.scalar(select(Team.id).where(Team.code == code)):
            raise NotFound(f"team: {team[:40]!r} not found")
        team = code
    places = {p.slug: p for p in build_mod.load_places(session)}
    if place is not None and place not in places:
        raise NotFound(f"place: {place[:40]!r} is not a track or place of the event")
    categories = dict(session.execute(select(Category.id, Category.slug)).all())
    out = []
    for row in live(session, now):
        s = row.slot
        if (place is not None and s.place != place) or (
                wanted_day is not None and s.start.date() != wanted_day):
            continue
        for code in s.teams:
            if team is not None and code != team:
                continue
            known = places.get(s.place)
            out.append({
                "team": code, "category": categories.get(s.category_id), "place": s.place,
                "kind": s.kind, "start": s.start.isoformat(), "end": s.end.isoformat(),
                "status": row.status, "eta": row.eta.isoformat() if row.eta else None,
                "place_name": known.name if known else s.place,
                "place_kind": known.kind if known else None,
                "ref": s.ref, "teams": list(s.teams)})
    return out

