"""Standings of a group (or a Swiss field) from match results, with tie-breaks.

Tie-breaks are a registry of metrics (`METRICS`), each a key, a direction and a
function of a team; a category lists the keys it uses in order of precedence.
Teams equal on one metric are separated by the next, and ``head_to_head`` is
computed only among the teams still tied at that point. Teams tied on every
metric share a rank (1, 2, 2, 4). ``lots`` breaks every remaining tie by a
reproducible draw from a recorded seed.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from judging.errors import RuleViolation
from judging.match import MatchResult


class MetricKey(StrEnum):
    """Names of the standings metrics (the event file's ``tie_break`` values)."""

    POINTS = "points"
    WINS = "wins"
    HEAD_TO_HEAD = "head_to_head"
    GOAL_DIFFERENCE = "goal_difference"
    GOALS_FOR = "goals_for"
    YUKO = "yuko"
    FEWEST_PENALTIES = "fewest_penalties"
    BEST_TIME = "best_time"
    BUCHHOLZ = "buchholz"
    LOTS = "lots"


@dataclass(frozen=True)
class PointsScheme:
    """Table points per result; a bye (Swiss, odd field) scores like a win by default."""

    win: int = 3
    draw: int = 1
    loss: int = 0
    bye: int = 3


DEFAULT_PRECEDENCE = (MetricKey.POINTS, MetricKey.HEAD_TO_HEAD, MetricKey.GOAL_DIFFERENCE,
                      MetricKey.GOALS_FOR)


@dataclass(frozen=True)
class StandingsRules:
    """How a table is ordered.

    ``goal_difference_cap``: the most one match can add to or take from a
    team's goal difference (``None``: no cap). ``lots_seed`` is recorded with
    the event so a drawing of lots can be repeated and audited.
    """

    points: PointsScheme = PointsScheme()
    precedence: tuple[MetricKey, ...] = DEFAULT_PRECEDENCE
    goal_difference_cap: int | None = None
    lots_seed: str = ""


@dataclass(frozen=True)
class Record:
    """A team's totals over the results given."""

    team: str
    played: int = 0
    won: int = 0
    drawn: int = 0
    lost: int = 0
    score_for: int = 0
    score_against: int = 0
    goal_difference: int = 0
    fouls: int = 0
    byes: int = 0
    points: int = 0


@dataclass(frozen=True)
class StandingRow:
    """One line of the table. ``shared`` when another team has the same rank."""

    rank: int
    team: str
    record: Record
    shared: bool = False

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict with the record flattened in."""
        data: dict[str, Any] = dict(vars(self.record))
        data.update(rank=self.rank, shared=self.shared)
        return data


@dataclass(frozen=True)
class _Context:
    records: Mapping[str, Record]
    results: tuple[MatchResult, ...]
    rules: StandingsRules
    best_times_us: Mapping[str, int]
    tied: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Metric:
    """A tie-break metric: ``ascending`` means a lower value ranks higher."""

    key: MetricKey
    ascending: bool
    description: str
    value: Callable[[str, _Context], float | int]


def _head_to_head(team: str, ctx: _Context) -> int:
    points = ctx.rules.points
    total = 0
    for r in ctx.results:
        if team in r.teams and r.opponent_of(team) in ctx.tied:
            if r.winner is None:
                total += points.draw
            else:
                total += points.win if r.winner == team else points.loss
    return total


def _buchholz(team: str, ctx: _Context) -> int:
    return sum(ctx.records[r.opponent_of(team)].points for r in ctx.results if team in r.teams)


def _lots(team: str, ctx: _Context) -> int:
    digest = hashlib.sha256(f"{ctx.rules.lots_seed}\x00{team}".encode()).hexdigest()
    return int(digest[:16], 16)


METRICS: dict[MetricKey, Metric] = {m.key: m for m in (
    Metric(MetricKey.POINTS, False, "table points", lambda t, c: c.records[t].points),
    Metric(MetricKey.WINS, False, "matches won", lambda t, c: c.records[t].won),
    Metric(MetricKey.HEAD_TO_HEAD, False, "points in matches among the tied teams",
           _head_to_head),
    Metric(MetricKey.GOAL_DIFFERENCE, False, "goals for minus against (capped per match)",
           lambda t, c: c.records[t].goal_difference),
    Metric(MetricKey.GOALS_FOR, False, "goals scored", lambda t, c: c.records[t].score_for),
    Metric(MetricKey.YUKO, False, "Yuko taken", lambda t, c: c.records[t].score_for),
    Metric(MetricKey.FEWEST_PENALTIES, True, "penalties received",
           lambda t, c: c.records[t].fouls),
    Metric(MetricKey.BEST_TIME, True, "best time (no time ranks last)",
           lambda t, c: c.best_times_us.get(t, math.inf)),
    Metric(MetricKey.BUCHHOLZ, False, "sum of the opponents' points", _buchholz),
    Metric(MetricKey.LOTS, True, "drawing of lots from the recorded seed", _lots),
)}


def _accumulate(team: str, results: Sequence[MatchResult], rules: StandingsRules,
                byes: int) -> Record:
    played = won = drawn = lost = score_for = against = diff = fouls = 0
    cap = rules.goal_difference_cap
    for r in results:
        if team not in r.teams:
            continue
        played += 1
        mine, theirs = r.score_of(team), r.score_of(r.opponent_of(team))
        score_for += mine
        against += theirs
        diff += mine - theirs if cap is None else max(-cap, min(cap, mine - theirs))
        fouls += r.fouls_of(team)
        if r.winner is None:
            drawn += 1
        elif r.winner == team:
            won += 1
        else:
            lost += 1
    p = rules.points
    points = won * p.win + drawn * p.draw + lost * p.loss + byes * p.bye
    return Record(team, played, won, drawn, lost, score_for, against, diff, fouls, byes, points)


def _validate(teams: Sequence[str], results: Sequence[MatchResult], byes: Iterable[str]) -> None:
    known = set(teams)
    if len(known) != len(teams):
        raise RuleViolation("standings: a team is listed more than once")
    ids: set[str] = set()
    for r in results:
        if r.match_id in ids:
            raise RuleViolation(f"standings: more than one result for {r.match_id}")
        ids.add(r.match_id)
        outside = sorted(r.teams - known)
        if outside:
            raise RuleViolation(f"{r.match_id}: {', '.join(outside)} not in this table")
    outside = sorted(set(byes) - known)
    if outside:
        raise RuleViolation(f"byes: {', '.join(outside)} not in this table")


def _order(teams: list[str], metrics: Sequence[Metric], ctx: _Context) -> list[list[str]]:
    """Teams split into tie groups, best first; a group holds teams tied on every metric."""
    if len(teams) <= 1 or not metrics:
        return [sorted(teams)]
    metric, rest = metrics[0], metrics[1:]
    local = _Context(ctx.records, ctx.results, ctx.rules, ctx.best_times_us, frozenset(teams))
    sign = 1 if metric.ascending else -1
    values = {t: sign * metric.value(t, local) for t in teams}
    ordered = sorted(teams, key=lambda t: (values[t], t))
    groups: list[list[str]] = []
    for team in ordered:
        if groups and values[groups[-1][0]] == values[team]:
            groups[-1].append(team)
        else:
            groups.append([team])
    return [tied for group in groups for tied in _order(group, rest, ctx)]


def standings(
    teams: Sequence[str],
    results: Iterable[MatchResult],
    rules: StandingsRules = StandingsRules(),
    *,
    byes: Iterable[str] = (),
    best_times_us: Mapping[str, int] | None = None,
) -> tuple[StandingRow, ...]:
    """The table of ``teams`` from ``results``, ordered by ``rules.precedence``.

    ``byes`` lists a team once per bye it received (Swiss); ``best_times_us``
    feeds the ``best_time`` metric. The order of the inputs never matters.
    """
    results = tuple(sorted(results, key=lambda r: r.match_id))
    byes = tuple(byes)
    _validate(teams, results, byes)
    records = {t: _accumulate(t, results, rules, byes.count(t)) for t in teams}
    ctx = _Context(records, results, rules, dict(best_times_us or {}))
    metrics = [METRICS[MetricKey(k)] for k in rules.precedence]
    rows: list[StandingRow] = []
    for group in _order(sorted(teams), metrics, ctx):
        rank = len(rows) + 1
        rows.extend(StandingRow(rank, t, records[t], len(group) > 1) for t in group)
    return tuple(rows)
