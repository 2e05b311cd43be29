"""Match categories: draw, re-seed, publish, and record referees' results.

Each use case validates, calls `judging`, stores raw facts (the seeding, immutable result
records), commits, and only then publishes `match`, `bracket` and `ranking` on `/live`.
The bracket itself is derived on every read (`matches_state.load_view`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from judging.brackets import MatchStatus
from judging.brackets import Stage as BracketStage
from judging.brackets.draw import draw as make_draw
from judging.brackets.groups import draw_groups, group_names
from judging.brackets.swiss import default_rounds, pair_round
from judging.categories import BracketType
from judging.errors import RuleViolation
from scoreboard.errors import Conflict, Invalid, NotFound
from scoreboard.live import live
from scoreboard.models import Category, MatchDraw, MatchRecord, Team
from scoreboard.models.base import utcnow
from scoreboard.services import inspection, matches_entry, schedule
from scoreboard.services.audit import audit
from scoreboard.services.matches_state import (
    View,
    bracket_dict,
    history,
    load_view,
    match_dict,
    ranking_entries,
    swiss_bracket,
)
from scoreboard.services.publish import publish, read_then_publish

log = logging.getLogger(__name__)
RESULT_ROLES = ("timekeeper", "head_judge")


class StaleVersion(Conflict):
    """`expected_version` is not the match's current version: carries the current match."""

    def __init__(self, message: str, current: dict[str, Any]):
        super().__init__(message)
        self.current = current


# ------------------------------------------------------------------ the draw


def _team_rows(session: Session, view: View) -> list[Team]:
    """The teams that enter the draw: registered ones, checked in if the event requires it,
    and inspected if the category has a checklist."""
    query = select(Team).where(Team.category_id == view.category.id).order_by(Team.code)
    if view.category.event.require_checkin:
        query = query.where(Team.checked_in_at.is_not(None))
    passed = inspection.passed_team_ids(session, view.category)
    # a team that has not passed technical inspection is left out, like one not checked in
    return [t for t in session.scalars(query) if passed is None or t.id in passed]


def _enough(view: View, count: int) -> None:
    if count < 2:
        which = "checked-in teams" if view.category.event.require_checkin else "teams"
        raise Invalid(f"teams: {view.category.slug!r} needs at least 2 {which} for a draw, "
                      f"has {count}")


def _refuse_after_results(view: View) -> None:
    if any(view.records.values()):
        raise Conflict(f"draw: {view.category.slug!r} already has match results; "
                       "the draw can no longer change")


def _swiss_round_one(view: View, seeded: Sequence[str]) -> list[list[list[str | None]]]:
    boards = pair_round(seeded, [], 1, rules=view.config.standings)
    return [[[b.home, b.away] for b in boards]]


def generate_draw(session: Session, slug: str, actor: str) -> View:
    """Draw the category from its registered teams, as its config says; a draft until published."""
    with live().match_lock:
        view = load_view(session, slug)
        _refuse_after_results(view)
        teams = _team_rows(session, view)
        _enough(view, len(teams))
        schools = {t.code: t.institution for t in teams if t.institution}
        try:
            drawn = make_draw(view.config, [t.code for t in teams], institutions=schools)
            groups = [{"name": g.name, "teams": list(g.teams)} for g in drawn.groups]
            rounds = (_swiss_round_one(view, drawn.seeded)
                      if view.config.bracket is BracketType.SWISS else [])
        except RuleViolation as exc:
            raise Invalid(f"draw: {exc}") from None
        _store_draw(session, view, list(drawn.seeded), groups, rounds, actor, "draw")
    return _announce_draw(session, slug)


def reseed(session: Session, slug: str, order: Any, actor: str, groups: Any = None) -> View:
    """Replace the seeding by an explicit order of the category's teams (before any result).

    ``groups_knockout`` may instead be given its groups as drawn on stage:
    ``{"A": [codes], "B": [...]}``; otherwise the order is dealt into groups by snake.
    """
    with live().match_lock:
        view = load_view(session, slug)
        if view.draw is None:
            raise Conflict(f"draw: {slug!r} has no draw yet; generate it first")
        _refuse_after_results(view)
        eligible = [t.code for t in _team_rows(session, view)]
        dealt = None
        if groups is not None:
            dealt = _check_groups(groups, view)
            order = [code for _name, teams in dealt for code in teams]
        seeded = _check_order(order, view, eligible)
        _enough(view, len(seeded))
        try:
            stored = []
            if view.config.bracket is BracketType.GROUPS_KNOCKOUT:
                # the organiser's order is kept: snake only, no automatic swaps
                stored = [{"name": name, "teams": list(teams)} for name, teams in dealt or (
                    (g.name, g.teams) for g in draw_groups(seeded, view.config.groups or 1))]
            rounds = (_swiss_round_one(view, seeded)
                      if view.config.bracket is BracketType.SWISS else [])
        except RuleViolation as exc:
            raise Invalid(f"seeded: {exc}") from None
        _store_draw(session, view, seeded, stored, rounds, actor, "reseed")
    return _announce_draw(session, slug)


def _check_groups(groups: Any, view: View) -> list[tuple[str, list[str]]]:
    """Explicit groups: the configured number, named A, B, ..., each of at least 2 teams."""
    if view.config.bracket is not BracketType.GROUPS_KNOCKOUT:
        raise Invalid(f"groups: only for groups_knockout, not {view.config.bracket}")
    names = group_names(view.config.groups or 1)
    if not isinstance(groups, dict) or sorted(groups) != sorted(names):
        raise Invalid(f"groups: an object with the groups {', '.join(names)}, "
                      "each a list of team codes")
    for name in names:
        teams = groups[name]
        if not isinstance(teams, list) or len(teams) < 2 \
                or not all(isinstance(c, str) for c in teams):
            raise Invalid(f"groups.{name}: a list of at least 2 team codes")
    return [(name, list(groups[name])) for name in names]


def _check_order(order: Any, view: View, eligible: list[str]) -> list[str]:
    """Every eligible team exactly once (a team not checked in cannot be seeded)."""
    if not isinstance(order, list) or not all(isinstance(c, str) for c in order):
        raise Invalid("seeded: a list of team codes, seed 1 first")
    seen: set[str] = set()
    for code in order:
        if code in seen:
            raise Invalid(f"seeded: {code!r} listed twice")
        if code not in view.teams:
            raise Invalid(f"seeded: {code!r} is not a team of {view.category.slug!r}")
        if code not in eligible:
            raise Invalid(f"seeded: {code!r} has not checked in")
        seen.add(code)
    missing = sorted(set(eligible) - seen)
    if missing:
        raise Invalid(f"seeded: missing {', '.join(missing)}")
    return list(order)


def _store_draw(session: Session, view: View, seeded: list[str], groups: list, rounds: list,
                actor: str, action: str) -> None:
    draw = view.draw
    old = None if draw is None else {"seeded": draw.seeded, "published": draw.published}
    if draw is None:
        draw = MatchDraw(category_id=view.category.id, created_by=actor)
        session.add(draw)
    # a changed draw is a draft again until an admin publishes it
    draw.seeded, draw.groups, draw.rounds = seeded, groups, rounds
    draw.published, draw.published_at, draw.updated_at = False, None, utcnow()
    audit(session, actor, action, "draw", view.category.slug, old=old,
          new={"seeded": seeded, "groups": groups})
    session.commit()
    log.info("draw %s of %s by %s: %s", action, view.category.slug, actor, seeded)


def publish_draw(session: Session, slug: str, actor: str) -> View:
    """Make the draw public; results can be entered from now on. Publishing twice is harmless."""
    with live().match_lock:
        view = load_view(session, slug)
        if view.draw is None:
            raise Conflict(f"draw: {slug!r} has no draw to publish; generate it first")
        if not view.draw.published:
            view.draw.published, view.draw.published_at = True, utcnow()
            audit(session, actor, "publish", "draw", slug, new={"published": True})
            session.commit()
    view = _announce_draw(session, slug)
    schedule.extend_known(session, actor)  # after the screens have the draw
    return view


def _announce_draw(session: Session, slug: str) -> View:
    with read_then_publish(session):
        view = load_view(session, slug)
        publish("bracket", bracket_dict(view))
        publish("ranking", {"category": slug, "entries": ranking_entries(view)})
    return view


# ------------------------------------------------------------------ results


def find_match(view: View, match_id: str) -> tuple[Any, Any]:
    found = view.locate(match_id) if view.published else None
    if found is None:
        raise NotFound(f"match: {match_id!r} not found in {view.category.slug!r}")
    return found


def match_with_history(session: Session, slug: str, match_id: str) -> dict[str, Any]:
    view = load_view(session, slug)
    part, match = find_match(view, match_id)
    return match_dict(view, part, match) | {"history": history(view, match_id)}


def record_result(session: Session, slug: str, match_id: str, body: dict[str, Any],
                  actor: str, idempotency_key: str | None) -> tuple[dict[str, Any], bool]:
    """Store a referee's result (or a correction, or a void); returns (match, created)."""
    key = idempotency_key if idempotency_key is not None else body.get("idempotency_key")
    if key is not None and (not isinstance(key, str) or not 1 <= len(key) <= 100):
        raise Invalid("idempotency_key: a text of 1 to 100 characters")
    with live().match_lock:
        view = load_view(session, slug)
        if view.draw is None or not view.draw.published:
            raise Conflict(f"draw: {slug!r} has no published draw yet")
        part, match = find_match(view, match_id)
        if key is not None:
            replay = _replay(session, view, match_id, key)
            if replay is not None:
                return replay, False
        _check_version(view, part, match, body.get("expected_version"))
        matches_entry.check_fields(view.config, body)
        previous = view.records.get(match_id, [])
        reason = _reason(body, required=bool(previous))
        if body.get("void") is not None:
            result = _void(body, previous, match_id)
        else:
            result = _new_result(view, match, body).to_dict()
        record = MatchRecord(category_id=view.category.id, match_id=match_id,
                             version=len(previous) + 1, result=result,
                             entry={k: v for k, v in body.items()
                                    if k not in ("idempotency_key", "reason")},
                             supersedes_id=previous[-1].id if previous else None,
                             reason=reason, idempotency_key=key, actor=actor)
        session.add(record)
        try:
            session.flush()
        except IntegrityError:  # another worker stored this match (or this key) meanwhile
            session.rollback()
            replay = _replay(session, load_view(session, slug), match_id, key) if key else None
            if replay is not None:
                return replay, False
            raise Conflict(f"match: {match_id!r} was changed at the same time; "
                           "reload and send again") from None
        if view.config.bracket is BracketType.SWISS:
            _pair_next_swiss_round(session, slug)
        session.commit()
        log.info("match %s/%s v%d by %s: %s", slug, match_id, record.version, actor, result)
    data = _announce_result(session, slug, match_id)
    schedule.extend_known(session, actor)  # after the screens have the result
    return data, True


def _replay(session: Session, view: View, match_id: str, key: str) -> dict[str, Any] | None:
    row = session.scalar(select(MatchRecord).where(MatchRecord.idempotency_key == key))
    if row is None:
        return None
    if row.category_id != view.category.id or row.match_id != match_id:
        raise Conflict("Idempotency-Key: already used for another match")
    part, match = find_match(view, match_id)
    return match_dict(view, part, match)


def _check_version(view: View, part: Any, match: Any, expected: Any) -> None:
    if expected is None:
        return
    if isinstance(expected, bool) or not isinstance(expected, int) or expected < 0:
        raise Invalid("expected_version: an integer >= 0 (0: no result yet)")
    current = view.version(match.match_id)
    if expected != current:
        raise StaleVersion(f"expected_version: {match.match_id} is at version {current}, "
                           f"not {expected}; reload it", match_dict(view, part, match))


def _reason(body: dict[str, Any], required: bool) -> str | None:
    reason = body.get("reason")
    if reason is None and not required:
        return None
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 300:
        why = "a correction needs a reason: " if required else ""
        raise Invalid(f"reason: {why}a text of 1 to 300 characters")
    return reason.strip()


def _void(body: dict[str, Any], previous: list[MatchRecord], match_id: str) -> None:
    """Check a void: the stored result is withdrawn (e.g. stale after a correction)."""
    if body["void"] is not True or len(body.keys() - matches_entry.ENVELOPE) or "walkover" in body:
        raise Invalid("void: true, with only a reason (and expected_version)")
    if not previous or previous[-1].result is None:
        raise Conflict(f"match: {match_id!r} has no result to void")
    return None


def _new_result(view: View, match: Any, body: dict[str, Any]):
    status = match.status
    if status is MatchStatus.PENDING:
        raise Conflict(f"match: {match.match_id} is not ready: its entrants are not known yet")
    if status not in (MatchStatus.READY, MatchStatus.DONE):
        raise Conflict(f"match: {match.match_id} is not played ({status})")
    knockout = match.stage is not BracketStage.GROUP
    return matches_entry.build_result(view.config, match.match_id, match.home, match.away,
                                      body, knockout=knockout)


def _pair_next_swiss_round(session: Session, slug: str) -> None:
    """Swiss: once every board of the last round is decided, pair the next one (kept fixed)."""
    view = load_view(session, slug)
    draw, config = view.draw, view.config
    if view.open_matches():
        return
    total = config.swiss_rounds or default_rounds(len(draw.seeded))
    if len(draw.rounds) >= total:
        return
    state = view.parts[0].state
    played = [m.result for m in state.matches if m.status is MatchStatus.DONE and m.result]
    byes = [m.winner for m in state.matches if m.status is MatchStatus.BYE and m.winner]
    try:
        boards = pair_round(draw.seeded, played, len(draw.rounds) + 1, byes=byes,
                            rules=config.standings)
    except RuleViolation:  # never lose the result for it; the next result tries again
        log.exception("swiss %s: round %d could not be paired", slug, len(draw.rounds) + 1)
        return
    draw.rounds = [*draw.rounds, [[b.home, b.away] for b in boards]]
    swiss_bracket(draw.seeded, draw.rounds)  # checks the stored boards still build


def _announce_result(session: Session, slug: str, match_id: str) -> dict[str, Any]:
    with read_then_publish(session):
        view = load_view(session, slug)
        part, match = find_match(view, match_id)
        data = match_dict(view, part, match)
        publish("match", data)
        publish("bracket", bracket_dict(view))
        publish("ranking", {"category": slug, "entries": ranking_entries(view)})
    return data


def match_entries(session: Session, category: Category) -> list[dict[str, Any]]:
    """The `match` ranker: places from the bracket or the tables (every team listed)."""
    try:
        return ranking_entries(load_view(session, category.slug))
    except Invalid:  # options the engine refuses: list the teams, unranked, not a 4xx
        teams = session.execute(select(Team.code, Team.name).where(
            Team.category_id == category.id).order_by(Team.code)).all()
        return [{"rank": None, "team": code, "team_name": name, "best_us": None,
                 "status": "not_drawn"} for code, name in teams]


def list_matches(session: Session, category: str | None, status: str | None
                 ) -> list[dict[str, Any]]:
    """Matches of every published draw (or one category's), in bracket order."""
    query = select(Category.slug).where(Category.format == "match").order_by(Category.id)
    if category:
        query = query.where(Category.slug == category)
    out = []
    for slug in session.scalars(query):
        try:
            view = load_view(session, slug)
        except Invalid:
            continue
        if view.published:
            out += [match_dict(view, p, m) for p in view.parts for m in p.state.matches
                    if status is None or str(m.status) == status]
    return out

