"""A category's result made final, and the names on record at that moment.

Certificates name people. Once a category's result is final, the names its certificates
carry (and the verification page shows) are the ones on record then, kept here, so a
later edit of a team (a request an admin approved, an import) cannot put another name on
a certificate of that result. A judged category becomes final when its head judge
publishes the judging; a timed or match category when a head judge or an admin says so
on the results page. Making it final again (after a correction) records the names anew.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scoreboard.models import Category, ResultFinal, Team
from scoreboard.models.base import utcnow
from scoreboard.services.audit import audit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OnRecord:
    """The names a team's certificates carry."""

    members: tuple[str, ...]
    team_name: str
    institution: str


def current(team: Team) -> OnRecord:
    """The team as it stands now; a team without members is certified in its own name."""
    members = tuple(m for m in (team.members or []) if m.strip()) or (team.name,)
    return OnRecord(members, team.name, team.institution)


def _stored(entry: dict[str, Any]) -> OnRecord:
    return OnRecord(tuple(entry["members"]), entry["team_name"], entry["institution"])


def final_of(session: Session, category_id: int) -> ResultFinal | None:
    return session.scalar(select(ResultFinal).where(ResultFinal.category_id == category_id))


def names_on_record(session: Session, team: Team,
                    final: ResultFinal | None | bool = False) -> OnRecord:
    """The names for `team`'s certificates: those kept when its category's result was made
    final, else (not final yet) the team as it stands. `final` saves a look-up in loops."""
    if final is False:
        final = final_of(session, team.category_id)
    entry = (final.names or {}).get(str(team.id)) if final is not None else None
    return _stored(entry) if entry else current(team)


def make_final(session: Session, category: Category, actor: str) -> ResultFinal:
    """Record `category`'s result as final with every team's names now; the caller commits."""
    teams = session.scalars(select(Team).where(Team.category_id == category.id)).all()
    names = {str(t.id): {"members": list(r.members), "team_name": r.team_name,
                         "institution": r.institution}
             for t in teams for r in (current(t),)}
    row = final_of(session, category.id)
    old = None if row is None else {"made_final_at": row.made_final_at.isoformat()}
    if row is None:
        row = ResultFinal(category_id=category.id, names=names, made_final_by=actor)
        session.add(row)
    row.names, row.made_final_by, row.made_final_at = names, actor, utcnow()
    audit(session, actor, "result_final", "category", category.slug, old=old,
          new={"teams": len(names)})
    log.info("result of %s made final by %s (%d teams)", category.slug, actor, len(names))
    return row
