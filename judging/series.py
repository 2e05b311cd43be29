"""Best-of-N series: the first side to win a majority of N games wins the series.

A drawn game decides nothing and is replayed; games recorded after the series
was decided are an error. The series' `MatchResult` counts games won.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from judging.errors import RuleViolation
from judging.match import Decision, MatchResult, Side


@dataclass(frozen=True)
class SeriesState:
    """Games won per side, and the winner once one side has a majority."""

    best_of: int
    home_wins: int
    away_wins: int
    winner: Side | None

    @property
    def wins_needed(self) -> int:
        """Games a side must win to take the series."""
        return self.best_of // 2 + 1


def series_state(best_of: int, games: Sequence[Side | None]) -> SeriesState:
    """Replay the games' winners (``None`` for a drawn game) of a best-of-``best_of`` series."""
    if best_of < 1 or best_of % 2 == 0:
        raise RuleViolation(f"best_of: must be an odd number >= 1, got {best_of}")
    needed = best_of // 2 + 1
    home = away = 0
    for number, game in enumerate(games, start=1):
        if max(home, away) >= needed:
            raise RuleViolation(f"series: game {number} recorded after the series was decided")
        if game is None:
            continue
        if Side(game) is Side.HOME:
            home += 1
        else:
            away += 1
    winner = None
    if max(home, away) >= needed:
        winner = Side.HOME if home > away else Side.AWAY
    return SeriesState(best_of, home, away, winner)


def series_result(match_id: str, home: str, away: str, best_of: int,
                  games: Sequence[MatchResult]) -> MatchResult:
    """The series' result from its games' results; every game must be between the two sides."""
    sides: list[Side | None] = []
    for game in games:
        if game.teams != frozenset((home, away)):
            raise RuleViolation(f"{match_id}: game {game.match_id} is not {home} against {away}")
        sides.append(None if game.winner is None else
                     Side.HOME if game.winner == home else Side.AWAY)
    state = series_state(best_of, sides)
    if state.winner is None:
        raise RuleViolation(f"{match_id}: the series is not decided yet "
                            f"({state.home_wins}-{state.away_wins})")
    winner = home if state.winner is Side.HOME else away
    return MatchResult(
        match_id, home, away, winner, state.home_wins, state.away_wins, Decision.SERIES,
        home_fouls=sum(g.fouls_of(home) for g in games),
        away_fouls=sum(g.fouls_of(away) for g in games),
    )
