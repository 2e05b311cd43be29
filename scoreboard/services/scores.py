"""Judges' rubric sheets: submit (idempotent, versioned), read, correct, lock, history.

The rules are in judging.score_entry and judging.rubric; this module loads, asks them,
stores one immutable row per version, audits, commits, then publishes the ranking.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from judging import rubric
from judging import score_entry as rules_
from judging.errors import RuleViolation
from scoreboard.errors import Conflict, Forbidden, Invalid, NotFound
from scoreboard.live import live
from scoreboard.models import (
    Category,
    CategoryJudging,
    JudgeAssignment,
    ScoreSheetVersion,
    Team,
    User,
)
from scoreboard.services import result_final
from scoreboard.services.audit import audit
from scoreboard.services.category_config import category_config
from scoreboard.services.publish import publish, read_then_publish

log = logging.getLogger(__name__)
KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
SUPERVISORS = ("head_judge", "admin")


class SheetConflict(Conflict):
    """A second writer's edit: 409 with the sheet as it is now (never a silent overwrite)."""

    def __init__(self, message: str, current: dict[str, Any] | None):
        super().__init__(message)
        self.current = current


# ---------------------------------------------------------------- loading


def rubric_rules(category: Category) -> rubric.RubricRules:
    """The category's rubric, as the event file gave it."""
    rules = category_config(category).judged
    if rules is None:
        raise Invalid(f"category: {category.slug!r} is not a judged category")
    return rules


def judged_category(session: Session, slug: Any) -> Category:
    category = session.scalar(select(Category).where(Category.slug == slug)) \
        if isinstance(slug, str) else None
    if category is None:
        raise NotFound(f"category: {slug!r} not found (tidak ditemukan)")
    if category.format != "judged":
        raise Invalid(f"category: {slug!r} is not a judged category")
    return category


def state_of(session: Session, category: Category) -> tuple[rules_.JudgingState, int]:
    """The category's judging state and its version (0 before anyone changed it)."""
    row = session.scalar(select(CategoryJudging).where(
        CategoryJudging.category_id == category.id))
    if row is None:
        return rules_.JudgingState.OPEN, 0
    return rules_.JudgingState(row.state), row.version


def assigned_categories(session: Session, user: User) -> list[Category]:
    """The judged categories a person may score (head judges and admins: all of them)."""
    query = select(Category).where(Category.format == "judged").order_by(Category.id)
    if user.role not in SUPERVISORS:
        query = query.join(JudgeAssignment, JudgeAssignment.category_id == Category.id) \
            .where(JudgeAssignment.user_id == user.id)
    return list(session.scalars(query).all())


def _may_score(session: Session, user: User, category: Category) -> bool:
    if user.role in SUPERVISORS:
        return True
    return session.scalar(select(JudgeAssignment.id).where(
        JudgeAssignment.user_id == user.id,
        JudgeAssignment.category_id == category.id)) is not None


def _current(session: Session, category: Category, team: Team,
             judge: User) -> ScoreSheetVersion | None:
    return session.scalar(select(ScoreSheetVersion).where(
        ScoreSheetVersion.category_id == category.id, ScoreSheetVersion.team_id == team.id,
        ScoreSheetVersion.judge_id == judge.id).order_by(ScoreSheetVersion.version.desc())
        .limit(1))


def sheet_dict(sheet: ScoreSheetVersion, rules: rubric.RubricRules | None = None) -> dict:
    """A stored sheet version as JSON (total out of 100, 3 decimals, null while partial)."""
    rules = rules or rubric_rules(sheet.category)
    known = {c.key for c in rules.criteria}
    scores = {k: v for k, v in sheet.scores.items() if k in known}
    try:
        total = rules_.total(rules, scores)
    except RuleViolation:
        total = None
    return {"category": sheet.category.slug, "team": sheet.team.code,
            "team_name": sheet.team.name, "judge": sheet.judge.name,
            "version": sheet.version, "scores": dict(sheet.scores),
            "comment": sheet.comment, "total": None if total is None else float(round(total, 3)),
            "complete": total is not None, "entered_by": sheet.entered_by,
            "reason": sheet.reason, "at": sheet.created_at.isoformat(),
            "idempotency_key": sheet.idempotency_key}


def confirmation(sheet: ScoreSheetVersion, replayed: bool) -> dict[str, Any]:
    """The server's own confirmation: the client's key and the version stored for it."""
    return {"idempotency_key": sheet.idempotency_key, "version": sheet.version,
            "replayed": replayed, "sheet": sheet_dict(sheet)}


# ---------------------------------------------------------------- submitting


def _text(data: dict[str, Any], field: str, required: bool, limit: int) -> str | None:
    value = data.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise Invalid(f"{field}: a text of 1 to {limit} characters")
    return value.strip()


def _replay(session: Session, key: str, actor: str, slug: str, team: Any, scores: Any,
            comment: Any) -> ScoreSheetVersion | None:
    """The sheet already stored for this key, if the same caller sent the same thing."""
    sheet = session.scalar(select(ScoreSheetVersion).where(
        ScoreSheetVersion.idempotency_key == key))
    if sheet is None:
        return None
    same = (sheet.entered_by == actor and sheet.category.slug == slug
            and sheet.team.code == team and sheet.scores == scores
            and sheet.comment == (comment or "").strip())
    if not same:
        raise Conflict("idempotency_key: already used for another submission; "
                       "use a new key for a new submission")
    return sheet


def _judge_for(session: Session, data: dict[str, Any], user: User | None,
               role: str) -> tuple[User, str | None]:
    """Whose sheet this is: the caller's own, or (head judge) a correction of a judge's."""
    name = data.get("judge")
    if name is None or (user is not None and name == user.name):
        if user is None:
            raise Forbidden("judge: scores are entered by a signed-in judge; a token must "
                            "name the judge whose sheet it corrects")
        return user, _text(data, "reason", False, 300)
    if role not in SUPERVISORS:
        raise Forbidden("judge: only a head judge may correct another judge's sheet")
    if not isinstance(name, str):
        raise Invalid("judge: a judge's user name")
    judge = session.scalar(select(User).where(User.name == name))
    if judge is None or judge.role not in ("judge", "head_judge"):
        raise Invalid(f"judge: {name!r} is not a judge")
    return judge, _text(data, "reason", True, 300)


def submit_sheet(session: Session, slug: Any, data: dict[str, Any], user: User | None,
                 actor: str, role: str) -> tuple[dict[str, Any], bool]:
    """Store one version of a sheet; returns (confirmation, created).

    A resend with the same `idempotency_key` returns the stored confirmation and stores
    nothing. `base_version` is the version the writer saw (0 for a new sheet): anything
    else is a conflict carrying the current sheet.
    """
    key = data.get("idempotency_key")
    if not isinstance(key, str) or not KEY.fullmatch(key):  # `$` alone allows a final \n
        raise Invalid("idempotency_key: 8 to 64 letters, digits, '-' or '_'")
    team_code, scores, comment = data.get("team"), data.get("scores"), data.get("comment")
    with live().score_lock:
        replayed = _replay(session, key, actor, slug, team_code, scores, comment)
        if replayed is not None:
            return confirmation(replayed, True), False
        category = judged_category(session, slug)
        rules = rubric_rules(category)
        judge, reason = _judge_for(session, data, user, role)
        if user is not None and not _may_score(session, user, category):
            raise Forbidden(f"category: {category.slug!r} is not assigned to you "
                            "(kategori bukan tugas Anda)")
        if not isinstance(team_code, str):
            raise Invalid("team: a team code")
        team = session.scalar(select(Team).where(Team.code == team_code,
                                                 Team.category_id == category.id))
        if team is None:
            raise Invalid(f"team: {team_code!r} is not a team of {category.slug!r}")
        base = data.get("base_version")
        if isinstance(base, bool) or not isinstance(base, int) or base < 0:
            raise Invalid("base_version: the version you edited, 0 for a new sheet")
        try:
            rules_.check_can_change(state_of(session, category)[0])
        except RuleViolation as exc:
            raise Conflict(str(exc)) from None
        try:
            clean = rules_.check_scores(rules, scores)
            text = rules_.check_comment(comment)
        except RuleViolation as exc:
            raise Invalid(str(exc)) from None
        sheet = _store(session, category, team, judge, base, clean, text, key, actor, reason)
        return confirmation(sheet, False), True


def _store(session: Session, category: Category, team: Team, judge: User, base: int,
           scores: dict[str, int], comment: str, key: str, actor: str,
           reason: str | None) -> ScoreSheetVersion:
    current = _current(session, category, team, judge)
    try:
        version = rules_.next_version(current.version if current else 0, base)
    except rules_.ConflictingVersion as exc:
        raise SheetConflict(str(exc), sheet_dict(current) if current else None) from None
    sheet = ScoreSheetVersion(category=category, team=team, judge=judge, version=version,
                              scores=scores, comment=comment, idempotency_key=key,
                              entered_by=actor, reason=reason)
    session.add(sheet)
    try:
        session.flush()
    except IntegrityError:
        # another worker stored this version (or this key) between our read and write
        session.rollback()
        raise SheetConflict("base_version: the sheet was changed at the same moment "
                            "(sudah diubah orang lain); reload and try again", None) from None
    audit(session, actor, "score" if version == 1 else "correct", "score_sheet",
          f"{category.slug}/{team.code}/{judge.name}",
          old=None if current is None else {"version": current.version, "scores": current.scores,
                                            "comment": current.comment},
          new={"version": version, "scores": scores, "comment": comment}, reason=reason)
    session.commit()
    log.info("score sheet %s/%s/%s v%s by %s", category.slug, team.code, judge.name,
             version, actor)
    with read_then_publish(session):
        publish("ranking", {"category": category.slug,
                            "entries": judged_entries(session, category)})
    return sheet


# ---------------------------------------------------------------- reading


def _latest(session: Session, category: Category,
            judge: User | None = None) -> list[ScoreSheetVersion]:
    """The newest version of every sheet of the category (of one judge, if given)."""
    newest = select(ScoreSheetVersion.team_id, ScoreSheetVersion.judge_id,
                    func.max(ScoreSheetVersion.version).label("v")) \
        .where(ScoreSheetVersion.category_id == category.id) \
        .group_by(ScoreSheetVersion.team_id, ScoreSheetVersion.judge_id).subquery()
    query = select(ScoreSheetVersion).join(newest, (
        (ScoreSheetVersion.team_id == newest.c.team_id)
        & (ScoreSheetVersion.judge_id == newest.c.judge_id)
        & (ScoreSheetVersion.version == newest.c.v))) \
        .where(ScoreSheetVersion.category_id == category.id)
    if judge is not None:
        query = query.where(ScoreSheetVersion.judge_id == judge.id)
    return list(session.scalars(query.order_by(ScoreSheetVersion.id)).all())


def category_sheets(session: Session, slug: Any, user: User | None, role: str) -> dict:
    """The rubric, the teams, the state and the sheets the caller may see: a judge their
    own, a head judge or admin every judge's."""
    category = judged_category(session, slug)
    if user is not None and not _may_score(session, user, category):
        raise Forbidden(f"category: {category.slug!r} is not assigned to you "
                        "(kategori bukan tugas Anda)")
    if user is None and role not in SUPERVISORS:
        raise Forbidden("scores: a signed-in judge reads their own sheets")
    rules = rubric_rules(category)
    own = user if role not in SUPERVISORS else None
    teams = session.scalars(select(Team).where(Team.category_id == category.id)
                            .order_by(Team.code)).all()
    state, version = state_of(session, category)
    return {"category": category.slug, "name": category.name, "state": state.value,
            "state_version": version,
            "criteria": [{"key": c.key, "name": c.name, "weight": c.weight, "max": c.max}
                         for c in rules.criteria],
            "teams": [{"code": t.code, "name": t.name} for t in teams],
            "sheets": [sheet_dict(s, rules) for s in _latest(session, category, own)]}


def history(session: Session, slug: Any, team_code: Any) -> dict[str, Any]:
    """Every version of every sheet of one team, oldest first, each with the one before."""
    category = judged_category(session, slug)
    team = session.scalar(select(Team).where(Team.code == team_code,
                                             Team.category_id == category.id)) \
        if isinstance(team_code, str) else None
    if team is None:
        raise NotFound(f"team: {team_code!r} is not a team of {category.slug!r}")
    rules = rubric_rules(category)
    rows = session.scalars(select(ScoreSheetVersion).where(
        ScoreSheetVersion.category_id == category.id, ScoreSheetVersion.team_id == team.id)
        .order_by(ScoreSheetVersion.id)).all()
    previous: dict[int, dict] = {}
    out = []
    for row in rows:
        entry = sheet_dict(row, rules)
        entry["old"] = previous.get(row.judge_id)
        previous[row.judge_id] = {"version": row.version, "scores": dict(row.scores),
                                  "comment": row.comment, "total": entry["total"]}
        out.append(entry)
    return {"category": category.slug, "team": team.code, "team_name": team.name,
            "versions": out}


# ---------------------------------------------------------------- the head judge


def set_state(session: Session, slug: Any, wanted: Any, version: Any, actor: str,
              reason: Any = None) -> dict[str, Any]:
    """Lock, publish or reopen a judged category; `version` is the state version seen."""
    category = judged_category(session, slug)
    try:
        target = rules_.JudgingState(wanted)
    except ValueError:
        raise Invalid("state: one of open, locked, published") from None
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise Invalid("version: the state version you saw (0 at first)")
    if reason is not None and (not isinstance(reason, str) or len(reason) > 300):
        raise Invalid("reason: a text of at most 300 characters")
    with live().score_lock:
        current, seen = state_of(session, category)
        if seen != version:
            raise SheetConflict(f"version: the category's state is {current.value} at "
                                f"version {seen}, not {version} (sudah diubah orang lain)",
                                {"state": current.value, "version": seen})
        try:
            rules_.check_transition(current, target)
        except RuleViolation as exc:
            raise Conflict(str(exc)) from None
        row = session.scalar(select(CategoryJudging).where(
            CategoryJudging.category_id == category.id))
        if row is None:
            row = CategoryJudging(category=category, state=target.value, changed_by=actor)
            session.add(row)
        else:
            row.state, row.changed_by = target.value, actor
        audit(session, actor, target.value, "category_judging", category.slug,
              old={"state": current.value}, new={"state": target.value}, reason=reason)
        if target is rules_.JudgingState.PUBLISHED:  # the names on its certificates stay
            result_final.make_final(session, category, actor)
        session.commit()
        log.info("category %s %s by %s", category.slug, target.value, actor)
    out = {"category": category.slug, "state": row.state, "version": row.version}
    publish("judging_state", out)
    return out


# ---------------------------------------------------------------- ranking


def judged_entries(session: Session, category: Category) -> list[dict[str, Any]]:
    """The judged category's ranking: every team, incomplete panels shown as a status."""
    rules = rubric_rules(category)
    known = {c.key: c for c in rules.criteria}
    teams = session.scalars(select(Team).where(Team.category_id == category.id)
                            .order_by(Team.code)).all()
    names = {t.code: t.name for t in teams}
    sheets = [rubric.ScoreSheet(s.judge.name, s.team.code, {
        k: v for k, v in s.scores.items() if k in known and 0 <= v <= known[k].max})
        for s in _latest(session, category) if s.team.code in names]
    state, _version = state_of(session, category)
    out = []
    for entry in rubric.rank_rubric(rules, list(names), sheets):
        data = entry.to_dict()
        # "sementara" until the head judge publishes: a locked category may still reopen
        provisional = data["provisional"] or state is not rules_.JudgingState.PUBLISHED
        data.update(team_name=names[entry.team], best_us=None, judging=state.value,
                    provisional=provisional)
        out.append(data)
    return out
