"""Technical inspection (pemeriksaan teknis): record a team's inspection, and keep teams
that have not passed out of runs, draws and call-ups.

The checklist and the verdicts are `judging.inspection`'s; a category with no
`inspection` checklist in the event file needs none, and its teams always may compete.
Every inspection is kept; the latest one decides.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from judging import inspection as rules
from judging.errors import RuleViolation
from scoreboard.errors import Conflict, Invalid, NotFound
from scoreboard.models import Category, Inspection, Team
from scoreboard.services import images
from scoreboard.services.audit import audit
from scoreboard.services.category_config import category_config
from scoreboard.services.publish import publish

log = logging.getLogger(__name__)

NOTES_MAX = 500


def checklist(category: Category) -> tuple[rules.Item, ...]:
    """The category's checklist (empty: no inspection needed)."""
    return category_config(category).inspection


def history(session: Session, category: Category, team: Team) -> list[Inspection]:
    """Every inspection of the team in the category, oldest first."""
    return list(session.scalars(select(Inspection).where(
        Inspection.category_id == category.id, Inspection.team_id == team.id)
        .order_by(Inspection.created_at, Inspection.id)))


def status(session: Session, category: Category, team: Team) -> rules.Status:
    """The team's status: not inspected, passed or failed (its latest inspection)."""
    if not checklist(category):
        return rules.Status.PASSED
    return rules.status(rules.Inspection(i.created_at, i.passed)
                        for i in history(session, category, team))


# the same reason in both languages, as the desk shows it to the timekeeper
REASONS = {"not yet inspected": "belum lolos pemeriksaan teknis / not yet inspected",
           "failed technical inspection":
               "tidak lolos pemeriksaan teknis / failed technical inspection"}


def refusal(session: Session, category: Category, team: Team) -> str | None:
    """Why the team may not compete in the category now, or None if it may."""
    reason = rules.may_compete(bool(checklist(category)), status(session, category, team))
    if reason is None:
        return None
    return f"team: {team.code!r} ({team.name}) {REASONS[reason]}"


def check_may_compete(session: Session, category: Category, team: Team) -> None:
    """Refuse (409) a team that has not passed its category's inspection."""
    reason = refusal(session, category, team)
    if reason is not None:
        raise Conflict(reason)


def _latest(session: Session, category: Category) -> dict[int, Inspection]:
    latest: dict[int, Inspection] = {}
    for row in session.scalars(select(Inspection).where(Inspection.category_id == category.id)
                               .order_by(Inspection.created_at, Inspection.id)):
        latest[row.team_id] = row
    return latest


def passed_team_ids(session: Session, category: Category) -> set[int] | None:
    """Ids of the teams that passed (None: the category needs no inspection)."""
    if not checklist(category):
        return None
    return {team_id for team_id, row in _latest(session, category).items() if row.passed}


def waiting(session: Session, category: Category, teams: list[Team]) -> dict[str, str]:
    """Team code -> its status (`not_inspected` or `failed`), for each of the category's
    `teams` that has not passed (empty when the category needs no inspection); one query."""
    if not checklist(category):
        return {}
    latest = _latest(session, category)
    out = {}
    for team in teams:
        row = latest.get(team.id)
        if row is None or not row.passed:
            out[team.code] = "not_inspected" if row is None else "failed"
    return out


def _find(session: Session, slug: Any, code: Any) -> tuple[Category, Team]:
    if not isinstance(slug, str) or not slug:
        raise Invalid("category: required, a category slug")
    if not isinstance(code, str) or not code:
        raise Invalid("team: required, a team code")
    category = session.scalar(select(Category).where(Category.slug == slug))
    if category is None:
        raise NotFound(f"category: {slug!r} not found")
    team = session.scalar(select(Team).where(Team.code == code))
    if team is None or team.category_id != category.id:
        raise NotFound(f"team: {code!r} is not a team of {slug!r}")
    return category, team


def record(session: Session, slug: Any, code: Any, values: Any, notes: Any,
           actor: str, photo: images.Upload | None = None,
           folder: Path | None = None) -> dict[str, Any]:
    """Store one inspection with its verdict (and its photo, kept in `folder`'s
    `inspections/`); returns it as the API shows it."""
    category, team = _find(session, slug, code)
    items = checklist(category)
    if not items:
        raise Conflict(f"category: {category.slug!r} has no inspection checklist")
    if not isinstance(values, dict):
        raise Invalid("values: an object of item key -> measured value")
    if notes is None:
        notes = ""
    if not isinstance(notes, str) or len(notes) > NOTES_MAX:
        raise Invalid(f"notes: a text of at most {NOTES_MAX} characters")
    try:
        verdict = rules.verdict(items, values)
    except RuleViolation as exc:
        raise Invalid(f"values.{exc}" if not str(exc).startswith("values.") else str(exc)
                      ) from None
    row = Inspection(category=category, team=team, item_values=values, passed=verdict.passed,
                     results=[{"key": r.key, "passed": r.passed, "reason": r.reason}
                              for r in verdict.items], notes=notes.strip(), created_by=actor)
    if photo is not None and folder is not None:
        row.photo_file = images.keep(photo, folder, "inspections", team.code)
    session.add(row)
    session.flush()
    audit(session, actor, "inspect", "team", team.code,
          new={"category": category.slug, "passed": verdict.passed,
               "failed": list(verdict.failed_keys)})
    session.commit()
    log.info("inspection %s %s by %s: %s", category.slug, team.code, actor,
             "passed" if verdict.passed else f"failed {verdict.failed_keys}")
    out = inspection_dict(row)
    publish("inspection", {"category": category.slug, "team": team.code,
                           "status": out["status"]})
    return out


def inspection_dict(row: Inspection) -> dict[str, Any]:
    return {"id": row.id, "category": row.category.slug, "team": row.team.code,
            "status": "passed" if row.passed else "failed", "values": row.item_values,
            "items": row.results, "notes": row.notes, "by": row.created_by,
            "at": row.created_at.isoformat(), "photo": row.photo_file is not None}


def board(session: Session, slug: str | None = None) -> list[dict[str, Any]]:
    """Every team of every category with a checklist: its status, who still has to pass."""
    query = select(Category).order_by(Category.id)
    if slug:
        query = query.where(Category.slug == slug)
    out = []
    for category in session.scalars(query):
        if not checklist(category):
            continue
        latest: dict[int, Inspection] = {}
        for row in session.scalars(select(Inspection).where(
                Inspection.category_id == category.id).order_by(Inspection.created_at,
                                                                Inspection.id)):
            latest[row.team_id] = row
        names = {item.key: item.name for item in checklist(category)}
        for team in session.scalars(select(Team).where(Team.category_id == category.id)
                                    .order_by(Team.code)):
            row = latest.get(team.id)
            state = "not_inspected" if row is None else ("passed" if row.passed else "failed")
            failed = [r["key"] for r in row.results if not r["passed"]] if row is not None else []
            # keys for programs, the checklist's own names for people (the projector)
            out.append({"category": category.slug, "team": team.code, "team_name": team.name,
                        "institution": team.institution, "status": state, "failed": failed,
                        "failed_names": [names.get(key, key) for key in failed]})
    return out
