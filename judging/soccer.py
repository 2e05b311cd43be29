"""Robot soccer: two halves, goals, and how a level knockout match is settled.

A group match may end level (a draw). A knockout match that is level after
the two halves goes to golden goal (extra time; the first goal wins) when the
rules say so, and then, or directly, to a penalty shoot-out. The mercy rule:
the game stops as soon as the goal difference reaches ``mercy_difference``, so a
recorded score beyond it is impossible and rejected.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from judging.errors import RuleViolation
from judging.match import Decision, MatchResult, Side


class KnockoutTieBreak(StrEnum):
    """How a level knockout match is settled."""

    SHOOTOUT = "shootout"
    GOLDEN_GOAL = "golden_goal"  # then a shoot-out if extra time ends goalless


@dataclass(frozen=True)
class SoccerRules:
    """A category's soccer rules."""

    half_time_s: int = 300
    extra_time_s: int = 120
    knockout_tie_break: KnockoutTieBreak = KnockoutTieBreak.SHOOTOUT
    mercy_difference: int | None = 10

    def __post_init__(self) -> None:
        if self.half_time_s < 1 or self.extra_time_s < 0:
            raise RuleViolation("soccer: half_time_s must be >= 1 and extra_time_s >= 0")
        if self.mercy_difference is not None and self.mercy_difference < 1:
            raise RuleViolation("soccer: mercy_difference must be >= 1")


@dataclass(frozen=True)
class SoccerScore:
    """What the referee records: goals per half, then the tie-break if one was needed."""

    home_first: int
    away_first: int
    home_second: int = 0
    away_second: int = 0
    golden_goal: Side | None = None
    shootout: tuple[int, int] | None = None  # (home, away) successful kicks
    home_fouls: int = 0
    away_fouls: int = 0


def _check_mercy(rules: SoccerRules, score: SoccerScore) -> None:
    cap = rules.mercy_difference
    if cap is None:
        return
    if abs(score.home_first - score.away_first) > cap:
        raise RuleViolation(f"soccer: the first half cannot end beyond a {cap}-goal lead")
    if abs(score.home_first - score.away_first) == cap and (score.home_second or
                                                            score.away_second):
        raise RuleViolation(f"soccer: a {cap}-goal lead ends the game at half time")
    total = score.home_first + score.home_second - score.away_first - score.away_second
    if abs(total) > cap:
        raise RuleViolation(f"soccer: the game stops at a {cap}-goal lead")


def soccer_result(match_id: str, home: str, away: str, rules: SoccerRules, score: SoccerScore,
                  *, knockout: bool) -> MatchResult:
    """The stored result of a soccer match; a golden goal counts as a goal, a shoot-out does not."""
    values = (score.home_first, score.away_first, score.home_second, score.away_second,
              score.home_fouls, score.away_fouls)
    if min(values) < 0:
        raise RuleViolation(f"{match_id}: goals and fouls must be >= 0")
    _check_mercy(rules, score)
    home_goals = score.home_first + score.home_second
    away_goals = score.away_first + score.away_second
    fouls = {"home_fouls": score.home_fouls, "away_fouls": score.away_fouls}
    if home_goals != away_goals:
        if score.golden_goal or score.shootout:
            raise RuleViolation(f"{match_id}: no tie-break after a decided match")
        winner = home if home_goals > away_goals else away
        return MatchResult(match_id, home, away, winner, home_goals, away_goals, **fouls)
    if not knockout:
        if score.golden_goal or score.shootout:
            raise RuleViolation(f"{match_id}: a group match may end level; no tie-break")
        return MatchResult(match_id, home, away, None, home_goals, away_goals, Decision.DRAW,
                           **fouls)
    if score.golden_goal is not None:
        if rules.knockout_tie_break is not KnockoutTieBreak.GOLDEN_GOAL:
            raise RuleViolation(f"{match_id}: this category has no golden goal")
        if score.shootout:
            raise RuleViolation(f"{match_id}: no shoot-out after a golden goal")
        side = Side(score.golden_goal)
        winner = home if side is Side.HOME else away
        return MatchResult(match_id, home, away, winner,
                           home_goals + (side is Side.HOME), away_goals + (side is Side.AWAY),
                           Decision.GOLDEN_GOAL, **fouls)
    if score.shootout is None:
        raise RuleViolation(f"{match_id}: a level knockout match needs a "
                            f"{rules.knockout_tie_break} to decide it")
    kicks_home, kicks_away = score.shootout
    if kicks_home < 0 or kicks_away < 0 or kicks_home == kicks_away:
        raise RuleViolation(f"{match_id}: a shoot-out needs a winner")
    winner = home if kicks_home > kicks_away else away
    return MatchResult(match_id, home, away, winner, home_goals, away_goals, Decision.SHOOTOUT,
                       home_shootout=kicks_home, away_shootout=kicks_away, **fouls)
