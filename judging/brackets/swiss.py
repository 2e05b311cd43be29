"""Swiss system: each round pairs teams with equal (or nearest) scores, never twice.

Teams are ordered by points, then Buchholz, then seed; the highest unpaired
team meets the next one it has not met yet (Monrad style: neighbours meet), with a full backtracking search so
a rematch happens only when no rematch-free pairing exists at all. With an odd
field the lowest-ranked team that has not had a bye sits out and scores a win
(a team gets a second bye only if that is the only way to avoid a rematch).
Match ids are ``S<round>-<board>``; home is the higher-ranked team.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from judging.errors import RuleViolation
from judging.match import MatchResult
from judging.standings import (
    MetricKey,
    PointsScheme,
    StandingRow,
    StandingsRules,
    standings,
)

SWISS_POINTS = PointsScheme(win=1, draw=0, loss=0, bye=1)
SWISS_RULES = StandingsRules(points=SWISS_POINTS,
                             precedence=(MetricKey.POINTS, MetricKey.BUCHHOLZ))
_SEARCH_BUDGET = 200_000


@dataclass(frozen=True)
class Pairing:
    """A board of a Swiss round; ``away`` is ``None`` for the bye."""

    match_id: str
    home: str
    away: str | None


def _pairs(order: list[str], met: set[frozenset[str]], allow_rematch: bool,
           budget: list[int]) -> list[tuple[str, str]] | None:
    if not order:
        return []
    budget[0] -= 1
    if budget[0] < 0:
        return None
    first, rest = order[0], order[1:]
    for index, partner in enumerate(rest):
        if not allow_rematch and frozenset((first, partner)) in met:
            continue
        tail = _pairs(rest[:index] + rest[index + 1:], met, allow_rematch, budget)
        if tail is not None:
            return [(first, partner), *tail]
    return None


def _pair_with_bye(order: list[str], met: set[frozenset[str]], had_bye: set[str],
                   allow_rematch: bool) -> tuple[list[tuple[str, str]], str | None] | None:
    budget = [_SEARCH_BUDGET]
    if len(order) % 2 == 0:
        pairs = _pairs(order, met, allow_rematch, budget)
        return None if pairs is None else (pairs, None)
    # Lowest-ranked first; a second bye only if every first bye would force a rematch.
    fresh = [t for t in reversed(order) if t not in had_bye]
    candidates = fresh + [t for t in reversed(order) if t in had_bye]
    for bye in candidates:
        pairs = _pairs([t for t in order if t != bye], met, allow_rematch, budget)
        if pairs is not None:
            return pairs, bye
    return None


def pair_round(entrants: Sequence[str], results: Iterable[MatchResult], round_no: int,
               *, byes: Sequence[str] = (),
               rules: StandingsRules = SWISS_RULES) -> tuple[Pairing, ...]:
    """The pairings of round ``round_no`` from the results (and byes) of earlier rounds.

    Teams are ordered by the category's standings ``rules``; ``entrants`` are in
    seed order, which breaks any tie left.
    """
    if len(entrants) < 2:
        raise RuleViolation(f"a Swiss needs at least 2 entrants, got {len(entrants)}")
    if round_no < 1:
        raise RuleViolation(f"round: must be >= 1, got {round_no}")
    results = tuple(results)
    seed_of = {team: index for index, team in enumerate(entrants)}
    table = standings(entrants, results, rules, byes=byes)
    order = [row.team for row in sorted(table, key=lambda r: (r.rank, seed_of[r.team]))]
    met = {r.teams for r in results}
    found = _pair_with_bye(order, met, set(byes), allow_rematch=False)
    if found is None:
        # Only when every pairing would repeat a meeting (or the search is hopeless).
        found = _pair_with_bye(order, met, set(byes), allow_rematch=True)
    if found is None:
        raise RuleViolation(f"swiss round {round_no}: no pairing found")
    pairs, bye = found
    boards = [Pairing(f"S{round_no}-{n}", home, away) for n, (home, away) in enumerate(pairs, 1)]
    if bye is not None:
        boards.append(Pairing(f"S{round_no}-{len(boards) + 1}", bye, None))
    return tuple(boards)


def default_rounds(entrants: int) -> int:
    """Rounds when the category does not say: enough for one unbeaten team, ceil(log2 N)."""
    if entrants < 2:
        raise RuleViolation(f"a Swiss needs at least 2 entrants, got {entrants}")
    return (entrants - 1).bit_length()


def swiss_standings(entrants: Sequence[str], results: Iterable[MatchResult],
                    byes: Sequence[str] = (),
                    rules: StandingsRules = SWISS_RULES) -> tuple[StandingRow, ...]:
    """The Swiss table: points (a bye is a win), then Buchholz by default."""
    return standings(entrants, results, rules, byes=byes)
