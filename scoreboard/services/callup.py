"""Call-up queues at a track or arena: who is next, and who did not show.

The order and the three-calls rule are judging.registration's (`join`, `no_show`,
`leave`); this module loads a queue, asks them, and stores the result.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from judging import registration as rules
from judging.registration import Refusal
from scoreboard.errors import Conflict, NotFound
from scoreboard.models import CallUpEntry, Category, Event, Team, Track
from scoreboard.services import inspection
from scoreboard.services.audit import audit
from scoreboard.services.registration import find_team

log = logging.getLogger(__name__)


def arenas(session: Session) -> list[tuple[str, str]]:
    """(slug, name) of every place teams are called to: tracks, then untimed categories."""
    tracks = [(t.slug, t.name) for t in session.scalars(select(Track).order_by(Track.id))]
    others = [(c.slug, c.name) for c in session.scalars(
        select(Category).where(Category.track_id.is_(None)).order_by(Category.id))]
    return tracks + [o for o in others if o[0] not in {t[0] for t in tracks}]


def check_arena(session: Session, arena: str) -> str:
    if arena not in {slug for slug, _ in arenas(session)}:
        raise NotFound(f"arena {arena!r}: no such track or category")
    return arena


def _entries(session: Session, arena: str) -> list[CallUpEntry]:
    return list(session.scalars(select(CallUpEntry).where(CallUpEntry.arena == arena)))


def queue(session: Session, arena: str) -> list[CallUpEntry]:
    """The queue in calling order."""
    rows = {e.team.code: e for e in _entries(session, arena)}
    order = rules.queue_order(rules.QueueEntry(c, e.position, e.calls) for c, e in rows.items())
    return [rows[e.team] for e in order]


def _store(session: Session, arena: str, new: list[rules.QueueEntry]) -> None:
    rows = {e.team.code: e for e in _entries(session, arena)}
    wanted = {e.team: e for e in new}
    for code, row in rows.items():
        if code not in wanted:
            session.delete(row)
    for code, entry in wanted.items():
        row = rows.get(code)
        if row is None:
            row = CallUpEntry(arena=arena, team=find_team(session, code), position=0)
            session.add(row)
        row.position, row.calls = entry.position, entry.calls


def _apply(session: Session, arena: str, code: str, action: str, actor: str) -> Team:
    check_arena(session, arena)
    team = find_team(session, code)
    current = [rules.QueueEntry(e.team.code, e.position, e.calls) for e in _entries(session, arena)]
    if action == "join":
        event = session.scalar(select(Event).order_by(Event.id))
        if event is not None and event.require_checkin and team.checked_in_at is None:
            raise Conflict(f"team {team.code} ({team.name}) has not checked in (belum daftar ulang)")
        inspection.check_may_compete(session, team.category, team)
    step = {"join": rules.join, "no_show": rules.no_show, "leave": rules.leave}[action]
    try:
        new = step(current, team.code)
    except Refusal as exc:
        raise Conflict(str(exc)) from None
    _store(session, arena, new)
    audit(session, actor, f"callup:{action}", "team", team.code, new={"arena": arena})
    session.commit()
    log.info("call-up %s %s %s by %s", arena, action, team.code, actor)
    return team


def join(session: Session, arena: str, code: str, actor: str) -> Team:
    """Put a team at the end of the arena's queue (checked-in teams only, if required)."""
    return _apply(session, arena, code, "join", actor)


def no_show(session: Session, arena: str, code: str, actor: str) -> Team:
    """The team was called and did not come; the third time it goes to the end."""
    return _apply(session, arena, code, "no_show", actor)


def leave(session: Session, arena: str, code: str, actor: str) -> Team:
    """The team came to the table (or withdrew): it leaves the queue. Topping the queue up
    from the schedule is services/schedule_callup.py's `came`, which the desk calls."""
    return _apply(session, arena, code, "leave", actor)


def places_of(session: Session, team: Team) -> list[dict]:
    """Where a team waits: `{"arena", "name", "place" (1 = next), "calls"}` per queue."""
    names = dict(arenas(session))
    out = []
    joined = session.scalars(select(CallUpEntry.arena).where(CallUpEntry.team_id == team.id))
    for arena in sorted(set(joined)):
        order = queue(session, arena)
        place = next(i for i, e in enumerate(order, start=1) if e.team_id == team.id)
        out.append({"arena": arena, "name": names.get(arena, arena), "place": place,
                    "calls": order[place - 1].calls})
    return out
