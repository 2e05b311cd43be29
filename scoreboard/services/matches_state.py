"""A match category's state, derived from its stored draw and results on every read.

Nothing here writes: `load_view` reads the category, its draw and its result records,
rebuilds the brackets with `judging.brackets` and resolves them. A correction upstream
therefore re-flows through everything downstream, and a stored result that no longer
fits is reported in ``warnings``, never dropped (docs/engine.md §8).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from judging.brackets import (
    Bracket,
    BracketKind,
    BracketState,
    MatchSpec,
    MatchStatus,
    Slot,
    double,
    resolve,
    round_robin,
    single,
)
from judging.brackets import Stage as BracketStage
from judging.brackets.groups import knockout_from_groups, qualifiers
from judging.brackets.placements import placements
from judging.categories import BracketType, MatchConfig
from judging.errors import RuleViolation
from judging.match import MatchResult
from judging.standings import StandingRow, standings
from scoreboard.errors import Invalid, NotFound
from scoreboard.models import Category, MatchDraw, MatchRecord, Team
from scoreboard.services import rounds
from scoreboard.services.category_config import category_config

OPEN = (MatchStatus.READY, MatchStatus.PENDING)
KNOCKOUT = "knockout"


def match_config(category: Category) -> MatchConfig:
    """The category's match rules from the event file (`judging.categories.parse_category`)."""
    if category.format != "match":
        raise Invalid(f"category: {category.slug!r} is not a match category")
    config = category_config(category).match
    assert config is not None  # format "match" always has its match rules
    return config


def find_category(session: Session, slug: str) -> Category:
    category = session.scalar(select(Category).where(Category.slug == slug))
    if category is None:
        raise NotFound(f"category: {slug!r} not found")
    return category


@dataclass
class Part:
    """One resolved bracket: the whole draw, a group (``A``), the knockout or the Swiss."""

    name: str | None
    bracket: Bracket
    state: BracketState


@dataclass
class View:
    """Everything known about a match category right now."""

    category: Category
    config: MatchConfig
    draw: MatchDraw | None
    teams: dict[str, str]  # code -> name, every team of the category
    records: dict[str, list[MatchRecord]]  # match id -> its records, oldest first
    parts: list[Part] = field(default_factory=list)
    standings: dict[str, tuple[StandingRow, ...]] = field(default_factory=dict)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    champion: str | None = None

    @property
    def published(self) -> bool:
        return self.draw is not None and self.draw.published

    def locate(self, match_id: str) -> tuple[Part, Any] | None:
        """The part and the derived state of a match, or ``None``."""
        for part in self.parts:
            for match in part.state.matches:
                if match.match_id == match_id:
                    return part, match
        return None

    def version(self, match_id: str) -> int:
        """How many result entries the match has had (0: never entered)."""
        return len(self.records.get(match_id, ()))

    def open_matches(self) -> bool:
        return any(m.status in OPEN for p in self.parts for m in p.state.matches)


def current_results(records: dict[str, list[MatchRecord]]) -> list[MatchResult]:
    """The result that counts for every match: its latest entry, unless that voided it."""
    latest = (rows[-1].result for rows in records.values() if rows)
    return [MatchResult.from_dict(r) for r in latest if r is not None]


def load_view(session: Session, slug: str) -> View:
    """Read and derive the whole state of a match category (404 / 422 as the API needs)."""
    category = find_category(session, slug)
    config = match_config(category)
    draw = session.scalar(select(MatchDraw).where(MatchDraw.category_id == category.id))
    teams = dict(session.execute(select(Team.code, Team.name).where(
        Team.category_id == category.id).order_by(Team.code)).all())
    records: dict[str, list[MatchRecord]] = {}
    for row in session.scalars(select(MatchRecord).where(MatchRecord.category_id == category.id)
                               .order_by(MatchRecord.match_id, MatchRecord.version)):
        records.setdefault(row.match_id, []).append(row)
    view = View(category, config, draw, teams, records)
    if draw is not None:
        try:
            _derive(view, current_results(records))
        except RuleViolation as exc:  # e.g. the event file changed the bracket after the draw
            view.parts, view.champion = [], None
            view.warnings.append({"match_id": None, "kind": "draw_invalid", "result": None,
                                  "message": f"the stored draw no longer builds: {exc}; "
                                             "draw again"})
    return view


def _derive(view: View, results: list[MatchResult]) -> None:
    config, draw = view.config, view.draw
    seeded = tuple(draw.seeded)
    kind = config.bracket
    if kind is BracketType.GROUPS_KNOCKOUT:
        _derive_groups(view, results)
        return
    if kind is BracketType.SINGLE_ELIMINATION:
        bracket = single.build(seeded, third_place=config.third_place)
    elif kind is BracketType.DOUBLE_ELIMINATION:
        bracket = double.build(seeded, grand_final=config.grand_final)
    elif kind is BracketType.ROUND_ROBIN:
        bracket = round_robin.build(seeded, legs=config.legs)
    else:
        bracket = swiss_bracket(seeded, draw.rounds)
    state = resolve(bracket, results)
    view.parts.append(Part(None, bracket, state))
    view.warnings.extend(w.to_dict() for w in state.warnings)
    if bracket.kind is BracketKind.ROUND_ROBIN:
        view.standings[""] = _table(seeded, state, config)
        if not view.open_matches() and view.standings[""] and not _tied_top(view.standings[""]):
            view.champion = view.standings[""][0].team
    else:
        view.champion = state.champion


def _tied_top(rows: Sequence[StandingRow]) -> bool:
    return len(rows) > 1 and rows[1].rank == rows[0].rank


def _table(teams: Sequence[str], state: BracketState, config: MatchConfig) -> tuple[StandingRow, ...]:
    played = [m.result for m in state.matches if m.status is MatchStatus.DONE and m.result]
    byes = [m.winner for m in state.matches if m.status is MatchStatus.BYE and m.winner]
    return standings(teams, played, config.standings, byes=byes)


def swiss_bracket(seeded: Sequence[str], rounds: Sequence[Sequence[Sequence[str | None]]]) -> Bracket:
    """The stored Swiss boards as a bracket: a board against nobody is a bye."""
    number = {team: i for i, team in enumerate(seeded, start=1)}
    nobody = len(seeded) + 1
    matches = []
    for r, boards in enumerate(rounds, start=1):
        for b, (home, away) in enumerate(boards, start=1):
            away_slot = Slot.seed(number[away] if away else nobody)
            matches.append(MatchSpec(f"S{r}-{b}", Slot.seed(number[home]), away_slot,
                                     BracketStage.GROUP, r))
    return Bracket(BracketKind.ROUND_ROBIN, tuple(seeded), tuple(matches))


def _derive_groups(view: View, results: list[MatchResult]) -> None:
    config = view.config
    tables = {}
    for group in view.draw.groups:
        name, teams = group["name"], tuple(group["teams"])
        bracket = round_robin.build(teams, legs=config.legs, prefix=f"{name}-")
        state = resolve(bracket, [r for r in results if r.match_id.startswith(f"{name}-")])
        view.parts.append(Part(name, bracket, state))
        view.warnings.extend(w.to_dict() for w in state.warnings)
        tables[name] = view.standings[name] = _table(teams, state, config)
    group_ids = {f"{g['name']}-" for g in view.draw.groups}
    rest = [r for r in results if not any(r.match_id.startswith(p) for p in group_ids)]
    knockout = None
    if not view.open_matches():
        try:
            chosen = qualifiers(tables, config.advance_per_group)
            knockout = knockout_from_groups(chosen, third_place=config.third_place)
        except RuleViolation as exc:
            view.warnings.append({"match_id": None, "kind": "qualifiers_undecided",
                                  "message": str(exc), "result": None})
    if knockout is None:
        view.warnings.extend(
            {"match_id": r.match_id, "kind": "entrants_unknown", "result": r.to_dict(),
             "message": f"{r.match_id}: the knockout is not drawn yet (groups unfinished)"}
            for r in rest)
        return
    state = resolve(knockout, rest)
    view.parts.append(Part(KNOCKOUT, knockout, state))
    view.warnings.extend(w.to_dict() for w in state.warnings)
    view.champion = state.champion


# ------------------------------------------------------------------ JSON shapes


def match_dict(view: View, part: Part, match: Any) -> dict[str, Any]:
    """The match object of the API and of `/live` `match`."""
    data = match.to_dict()
    names = view.teams
    last = max((m.round for m in part.state.matches if m.stage is BracketStage.WINNERS),
               default=0)
    double = part.bracket.kind is BracketKind.DOUBLE_ELIMINATION
    data.update(category=view.category.slug, group=part.name,
                round_key=rounds.round_key(data, last, double),
                home_name=names.get(match.home), away_name=names.get(match.away),
                version=view.version(match.match_id),
                warnings=[w for w in view.warnings if w["match_id"] == match.match_id])
    return data


def history(view: View, match_id: str) -> list[dict[str, Any]]:
    """Every result entry of a match, oldest first, with who, when and why."""
    rows = view.records.get(match_id, [])
    return [{"version": r.version, "result": r.result, "voided": r.result is None,
             "entry": r.entry, "reason": r.reason, "by": r.actor, "at": r.at.isoformat(),
             "superseded": i < len(rows) - 1} for i, r in enumerate(rows)]


def bracket_dict(view: View, *, include_draft: bool = False) -> dict[str, Any]:
    """The whole state (API `GET .../bracket`, `/live` `bracket`); a draft only for admins."""
    config, draw = view.config, view.draw
    status = "none" if draw is None else ("published" if draw.published else "draft")
    data: dict[str, Any] = {
        "category": view.category.slug, "name": view.category.name,
        "match": str(config.kind), "bracket": str(config.bracket), "best_of": config.best_of,
        "status": status, "published": status == "published", "teams": view.teams,
        "seeded": [], "groups": [], "matches": [], "standings": {}, "warnings": [],
        "champion": None, "placements": []}
    if draw is None or not (draw.published or include_draft):
        return data
    data.update(
        seeded=list(draw.seeded), groups=list(draw.groups), champion=view.champion,
        matches=[match_dict(view, p, m) for p in view.parts for m in p.state.matches],
        standings={k: [r.to_dict() | {"team": r.team} for r in rows]
                   for k, rows in view.standings.items()},
        warnings=view.warnings, placements=ranking_entries(view))
    return data


def ranking_entries(view: View) -> list[dict[str, Any]]:
    """Every team of the category once, best first (docs/contract.md §4 `entries`; `best_us` null)."""
    names = view.teams
    placed: list[dict[str, Any]] = []
    if view.published:
        elimination = [p for p in view.parts if p.bracket.kind is not BracketKind.ROUND_ROBIN]
        if elimination:
            part = elimination[0]
            placed = [{"rank": p.rank, "team": p.team, "status": str(p.status),
                       "last_match": p.last_match}
                      for p in placements(part.bracket, part.state)]
            placed += _out_in_groups(view, {e["team"] for e in placed}, len(placed))
        elif view.parts:
            placed = _table_entries(view)
    seen = {e["team"] for e in placed}
    placed += [{"rank": None, "team": code, "status": "not_drawn"}
               for code in sorted(names) if code not in seen]
    record = _records(view)
    return [{"played": 0, "wins": 0, **record.get(e["team"], {}), **e,
             "team_name": names.get(e["team"], e["team"]), "best_us": None}
            for e in placed]


def _records(view: View) -> dict[str, dict[str, Any]]:
    """Per team: matches played and won in every part, and the stage reached in a
    knockout (the round of its latest match entered or played; `champion` for the winner).

    The stage is what a ranking shows for a team of an elimination bracket, where points
    mean nothing (CONTRACT §4 "points or the stage reached")."""
    out: dict[str, dict[str, Any]] = {}
    grouped = view.config.bracket is BracketType.GROUPS_KNOCKOUT
    for part in view.parts:
        knockout = part.bracket.kind is not BracketKind.ROUND_ROBIN
        shapes = [m.to_dict() for m in part.state.matches]
        last = rounds.last_winners_round(shapes)
        double = part.bracket.kind is BracketKind.DOUBLE_ELIMINATION
        for match, shape in zip(part.state.matches, shapes, strict=True):
            # a team waiting for its next opponent (pending) has reached that round already
            if match.status not in (MatchStatus.DONE, MatchStatus.READY, MatchStatus.PENDING):
                continue
            for team in (match.home, match.away):
                if not team:
                    continue
                row = out.setdefault(team, {"played": 0, "wins": 0})
                if match.status is MatchStatus.DONE:
                    row["played"] += 1
                    row["wins"] += team == match.winner
                if knockout:
                    row["stage"] = rounds.round_key(shape, last, double)
                elif grouped and "stage" not in row:
                    row["stage"] = "groups"
    if view.champion in out and any(p.bracket.kind is not BracketKind.ROUND_ROBIN
                                    for p in view.parts):
        out[view.champion]["stage"] = "champion"
    return out


def _table_entries(view: View) -> list[dict[str, Any]]:
    finished = not view.open_matches()
    out = []
    for rows in view.standings.values():
        for r in rows:
            status = "in_play"
            if finished:
                status = "champion" if r.team == view.champion else "placed"
            out.append({"rank": r.rank, "team": r.team, "status": status,
                        "points": r.record.points, "played": r.record.played,
                        "wins": r.record.won})
    return out


def _out_in_groups(view: View, taken: set[str], above: int) -> list[dict[str, Any]]:
    """Teams out in the group stage, after the knockout's: by their place in their group."""
    rows = [(r.rank, r.record.points, r.team) for table in view.standings.values()
            for r in table if r.team not in taken]
    rows.sort(key=lambda x: (x[0], -x[1], x[2]))
    out, rank = [], above
    for i, (place, points, team) in enumerate(rows):
        if i == 0 or (place, points) != rows[i - 1][:2]:
            rank = above + i + 1
        out.append({"rank": rank, "team": team, "status": "out_in_groups"})
    return out
