"""Protests (sanggah) and official results (hasil resmi).

A team files a protest against one of its own results (a run, a match, its judged
score) from its private page, inside the category's window (`protest_window_min`
minutes after the result was stored). The head judge decides it once, with a reason;
an accepted protest may carry a correction, which goes through the same use cases as
any correction (a match result, a run's disqualification), so rankings, brackets and the
medal table re-flow. When a category's result is official is `judging.protest`'s rule.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from judging import protest as rules
from judging.errors import RuleViolation
from scoreboard.errors import Conflict, Invalid, NotFound
from scoreboard.models import (
    AuditRecord,
    Category,
    Finalisation,
    GateEvent,
    MatchRecord,
    Protest,
    Run,
    ScoreSheetVersion,
    Team,
)
from scoreboard.models.base import utcnow
from scoreboard.services import images, matches, result_final, runs
from scoreboard.services.audit import audit
from scoreboard.services.category_config import category_config
from scoreboard.services.matches_state import load_view
from scoreboard.services.publish import publish

log = logging.getLogger(__name__)

TARGETS = ("run", "match", "score")
REASON_MAX = 500
TERMINAL = ("finished", "timeout", "dnf", "dsq")


def _aware(at: datetime) -> datetime:
    # SQLite hands back naive datetimes for the UTC values stored
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _text(value: Any, field: str, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip() or len(value) > REASON_MAX:
        raise Invalid(f"{field}: a text of 1 to {REASON_MAX} characters")
    return value.strip()


# ------------------------------------------------------------------ when results were stored


def _run_result_at(session: Session, run: Run) -> datetime | None:
    if run.status not in TERMINAL:
        return None
    changed = session.scalar(select(func.max(AuditRecord.at)).where(
        AuditRecord.entity == "run", AuditRecord.entity_id == str(run.id),
        AuditRecord.action != "arm"))
    finished = (session.scalar(select(GateEvent.received_at).where(
        GateEvent.id == run.finish_event_id)) if run.finish_event_id else None)
    times = [_aware(t) for t in (changed, finished) if t is not None]
    return max(times) if times else _aware(run.armed_at)


def result_times(session: Session, category: Category) -> list[datetime]:
    """When each result of the category was stored (runs, match records, score sheets)."""
    out = [t for run in session.scalars(select(Run).where(Run.category_id == category.id))
           if (t := _run_result_at(session, run)) is not None]
    out += [_aware(t) for t in session.scalars(select(MatchRecord.at).where(
        MatchRecord.category_id == category.id))]
    out += [_aware(t) for t in session.scalars(select(ScoreSheetVersion.created_at).where(
        ScoreSheetVersion.category_id == category.id))]
    return out


def _target_result_at(session: Session, category: Category, team: Team, target: str,
                      target_id: str) -> datetime:
    """When the contested result was stored; refuses a result that is not the team's."""
    if target == "run":
        run = session.get(Run, int(target_id)) if target_id.isdigit() else None
        if run is None or run.team_id != team.id:
            raise NotFound(f"target_id: run {target_id!r} is not a run of team {team.code}")
        at = _run_result_at(session, run)
        if at is None:
            raise Conflict(f"target_id: run {target_id} has no result yet")
        return at
    if target == "match":
        view = load_view(session, category.slug)
        _part, match = matches.find_match(view, target_id)
        if team.code not in (match.home, match.away):
            raise NotFound(f"target_id: match {target_id!r} is not a match of team {team.code}")
        at = session.scalar(select(func.max(MatchRecord.at)).where(
            MatchRecord.category_id == category.id, MatchRecord.match_id == target_id))
        if at is None:
            raise Conflict(f"target_id: match {target_id} has no result yet")
        return _aware(at)
    at = session.scalar(select(func.max(ScoreSheetVersion.created_at)).where(
        ScoreSheetVersion.category_id == category.id, ScoreSheetVersion.team_id == team.id))
    if at is None:
        raise Conflict(f"target: team {team.code} has no score yet")
    return _aware(at)


# ------------------------------------------------------------------ filing and deciding


def file_protest(session: Session, team: Team, body: Any, actor: str,
                 photo: images.Upload | None = None,
                 folder: Path | None = None) -> dict[str, Any]:
    """A team's protest against one of its results, inside the window (its optional photo
    kept in `folder`'s `protests/`)."""
    if not isinstance(body, dict):
        raise Invalid("body: an object with target, target_id and reason")
    target = body.get("target")
    if target not in TARGETS:
        raise Invalid(f"target: one of {', '.join(TARGETS)}")
    target_id = body.get("target_id", team.code if target == "score" else None)
    if not isinstance(target_id, str | int) or isinstance(target_id, bool) or not str(target_id):
        raise Invalid("target_id: the run id or match id contested")
    target_id = str(target_id)[:32]
    reason = _text(body.get("reason"), "reason")
    category = team.category
    result_at = _target_result_at(session, category, team, target, target_id)
    window = category_config(category).protest_window_min
    try:
        rules.check_filing(result_at, window, utcnow())
    except RuleViolation as exc:
        raise Conflict(f"{exc} ({window} menit / minutes)") from None
    row = Protest(category=category, team=team, target=target, target_id=target_id,
                  reason=reason, status=rules.ProtestStatus.OPEN.value, created_by=actor)
    if photo is not None and folder is not None:
        row.photo_file = images.keep(photo, folder, "protests", team.code)
    session.add(row)
    session.flush()
    audit(session, actor, "protest", "protest", row.id,
          new={"target": target, "target_id": target_id}, reason=reason)
    session.commit()
    log.info("protest %s filed by %s against %s %s", row.id, team.code, target, target_id)
    _announce(session, category)
    return protest_dict(row)


def decide(session: Session, protest_id: int, body: Any, actor: str) -> dict[str, Any]:
    """The head judge accepts (with an optional correction) or rejects a protest."""
    if not isinstance(body, dict):
        raise Invalid("body: an object with accept and reason")
    row = session.get(Protest, protest_id)
    if row is None:
        raise NotFound(f"protest: {protest_id} not found")
    accept = body.get("accept")
    if not isinstance(accept, bool):
        raise Invalid("accept: true or false")
    reason = _text(body.get("reason"), "reason")
    correction = body.get("correction")
    if correction is not None and (not accept or not isinstance(correction, dict)):
        raise Invalid("correction: an object, only with accept = true")
    current = rules.Protest(row.created_at, rules.ProtestStatus(row.status), row.decided_at)
    try:
        status = rules.check_decision(current, accept, reason)
    except RuleViolation as exc:
        raise Conflict(str(exc)) from None
    if correction:
        _correct(session, row, correction, reason, actor)
    row.status, row.decided_by, row.decided_at = status.value, actor, utcnow()
    row.decision_reason, row.correction = reason, correction
    audit(session, actor, f"protest:{status.value}", "protest", row.id,
          new={"correction": correction}, reason=reason)
    session.commit()
    log.info("protest %s %s by %s: %s", row.id, status.value, actor, reason)
    _announce(session, row.category)
    return protest_dict(row)


def _correct(session: Session, row: Protest, correction: dict[str, Any], reason: str,
             actor: str) -> None:
    """Apply an accepted protest's correction through the usual correction use cases."""
    why = f"sanggah #{row.id}: {reason}"
    if row.target == "match":
        matches.record_result(session, row.category.slug, row.target_id,
                              {**correction, "reason": why}, actor,
                              f"protest-{row.id}")
    elif row.target == "run" and correction.get("status") == "dsq":
        runs.disqualify_run(session, int(row.target_id), actor, why)
    else:
        raise Invalid("correction: a match result for a match, or {\"status\": \"dsq\"} "
                      "for a run (judged scores are corrected on the tablet)")


def finalise(session: Session, slug: str, body: Any, actor: str) -> dict[str, Any]:
    """The head judge makes a category's result official now."""
    category = session.scalar(select(Category).where(Category.slug == slug))
    if category is None:
        raise NotFound(f"category: {slug!r} not found")
    reason = _text((body or {}).get("reason") if isinstance(body, dict) else None,
                   "reason", required=False)
    if _open_count(session, category):
        raise Conflict("protest: decide the open protests of this category first")
    session.add(Finalisation(category=category, reason=reason, created_by=actor))
    audit(session, actor, "finalise", "category", slug, reason=reason or None)
    result_final.make_final(session, category, actor)  # the names its certificates carry
    session.commit()
    _announce(session, category)
    return official_state(session, category)


def _open_count(session: Session, category: Category) -> int:
    return session.scalar(select(func.count(Protest.id)).where(
        Protest.category_id == category.id, Protest.status == "open")) or 0


def official_state(session: Session, category: Category) -> dict[str, Any]:
    """`{"category", "state": "provisional"|"official", "official_at", "open_protests"}`."""
    protests = [rules.Protest(_aware(p.created_at), rules.ProtestStatus(p.status),
                              _aware(p.decided_at) if p.decided_at else None)
                for p in session.scalars(select(Protest).where(
                    Protest.category_id == category.id))]
    last_final = session.scalar(select(func.max(Finalisation.created_at)).where(
        Finalisation.category_id == category.id))
    state = rules.category_state(result_times(session, category),
                                 category_config(category).protest_window_min, protests,
                                 utcnow(), _aware(last_final) if last_final else None)
    return {"category": category.slug, "state": state.state.value,
            "official_at": state.official_at.isoformat() if state.official_at else None,
            "open_protests": state.open_protests}


def protest_dict(row: Protest) -> dict[str, Any]:
    return {"id": row.id, "category": row.category.slug, "team": row.team.code,
            "team_name": row.team.name, "target": row.target, "target_id": row.target_id,
            "reason": row.reason, "status": row.status,
            "filed_at": _aware(row.created_at).isoformat(), "decided_by": row.decided_by,
            "decided_at": _aware(row.decided_at).isoformat() if row.decided_at else None,
            "decision_reason": row.decision_reason, "correction": row.correction,
            "photo": row.photo_file is not None}


def list_protests(session: Session, status: str | None = None) -> list[dict[str, Any]]:
    query = select(Protest).order_by(Protest.id)
    if status is not None:
        if status not in ("open", "accepted", "rejected"):
            raise Invalid("status: one of open, accepted, rejected")
        query = query.where(Protest.status == status)
    return [protest_dict(p) for p in session.scalars(query)]


def _announce(session: Session, category: Category) -> None:
    publish("official", official_state(session, category))


def contestable(session: Session, team: Team) -> list[dict[str, Any]]:
    """The team's results whose protest window is still open: what its page offers."""
    category, now = team.category, utcnow()
    window = category_config(category).protest_window_min
    out: list[dict[str, Any]] = []
    for run in session.scalars(select(Run).where(Run.team_id == team.id).order_by(Run.id)):
        at = _run_result_at(session, run)
        if at is not None and now < rules.window_closes(at, window):
            out.append({"target": "run", "target_id": str(run.id), "attempt": run.attempt,
                        "status": run.status, "elapsed_us": run.elapsed_us,
                        "closes": rules.window_closes(at, window).isoformat()})
    if category.format == "match":
        for record in session.scalars(select(MatchRecord).where(
                MatchRecord.category_id == category.id).order_by(MatchRecord.id)):
            result = record.result or {}
            mine = team.code in (result.get("home"), result.get("away"))
            closes = rules.window_closes(_aware(record.at), window)
            if mine and now < closes:
                out = [o for o in out if o.get("target_id") != record.match_id]
                out.append({"target": "match", "target_id": record.match_id,
                            "home": result.get("home"), "away": result.get("away"),
                            "home_score": result.get("home_score"),
                            "away_score": result.get("away_score"),
                            "closes": closes.isoformat()})
    if category.format == "judged":
        at = session.scalar(select(func.max(ScoreSheetVersion.created_at)).where(
            ScoreSheetVersion.team_id == team.id))
        if at is not None and now < rules.window_closes(_aware(at), window):
            out.append({"target": "score", "target_id": team.code,
                        "closes": rules.window_closes(_aware(at), window).isoformat()})
    return out
