"""Robot sumo: a bout of up to three rounds, first to two Yuko.

A round ends with a Yuko for one side, with time up (no Yuko), or is a
rematch (both robots out together, both stuck, a restart ordered by the
referee): a rematch is replayed and does not count as a round. Every
``warnings_per_yuko`` warnings a side collects give its opponent a Yuko.

The first side to ``yuko_to_win`` wins at once. After ``max_rounds`` counted
rounds the side with more Yuko wins. If still level, an extension (encho-sen)
is fought when the rules allow one: its first Yuko wins. If the extension ends
without a Yuko, or there is none, the judges decide (hantei).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from judging.errors import RuleViolation
from judging.match import Decision, MatchResult, Side


class RoundEnd(StrEnum):
    """How one round of a bout ended."""

    HOME_YUKO = "home_yuko"
    AWAY_YUKO = "away_yuko"
    TIME_UP = "time_up"
    REMATCH = "rematch"


class Phase(StrEnum):
    """What the bout needs next."""

    ROUND = "round"
    EXTENSION = "extension"
    JUDGES = "judges"
    DECIDED = "decided"


@dataclass(frozen=True)
class SumoRules:
    """A category's sumo rules; the defaults follow the common 3-minute, 2-Yuko bout."""

    yuko_to_win: int = 2
    max_rounds: int = 3
    round_time_s: int = 180
    extension_time_s: int = 180  # 0: no extension, straight to the judges
    warnings_per_yuko: int = 2

    def __post_init__(self) -> None:
        if self.yuko_to_win < 1 or self.max_rounds < 1 or self.warnings_per_yuko < 1:
            raise RuleViolation("sumo: yuko_to_win, max_rounds and warnings_per_yuko must be >= 1")
        if self.round_time_s < 1 or self.extension_time_s < 0:
            raise RuleViolation("sumo: round_time_s must be >= 1 and extension_time_s >= 0")


@dataclass(frozen=True)
class SumoRound:
    """One round as the referee records it; warnings given during that round."""

    end: RoundEnd
    home_warnings: int = 0
    away_warnings: int = 0


@dataclass(frozen=True)
class BoutState:
    """The bout so far: Yuko per side, counted rounds, what comes next, the winner."""

    home_yuko: int
    away_yuko: int
    rounds_counted: int
    phase: Phase
    winner: Side | None = None
    decided_by: Decision | None = None


def _yuko_from_warnings(before: int, added: int, per_yuko: int) -> int:
    return (before + added) // per_yuko - before // per_yuko


def bout_state(rules: SumoRules, rounds: Sequence[SumoRound],
               judges_decision: Side | None = None) -> BoutState:
    """Replay the recorded rounds under ``rules``; a round after the decision is an error."""
    home = away = counted = home_warn = away_warn = 0
    extension_fought = False
    for index, rnd in enumerate(rounds, start=1):
        if extension_fought or _decided(rules, home, away, counted):
            raise RuleViolation(f"sumo: round {index} recorded after the bout was decided")
        if rnd.home_warnings < 0 or rnd.away_warnings < 0:
            raise RuleViolation(f"sumo: round {index}: warnings must be >= 0")
        in_extension = counted >= rules.max_rounds
        if in_extension and rules.extension_time_s == 0:
            raise RuleViolation(f"sumo: round {index}: this category has no extension")
        away += _yuko_from_warnings(home_warn, rnd.home_warnings, rules.warnings_per_yuko)
        home += _yuko_from_warnings(away_warn, rnd.away_warnings, rules.warnings_per_yuko)
        home_warn += rnd.home_warnings
        away_warn += rnd.away_warnings
        home += rnd.end is RoundEnd.HOME_YUKO
        away += rnd.end is RoundEnd.AWAY_YUKO
        if rnd.end is RoundEnd.REMATCH:
            continue
        if in_extension:
            extension_fought = True
        else:
            counted += 1
    return _finish(rules, home, away, counted, extension_fought, judges_decision)


def _decided(rules: SumoRules, home: int, away: int, counted: int) -> bool:
    if max(home, away) >= rules.yuko_to_win:
        return True
    return counted >= rules.max_rounds and home != away


def _finish(rules: SumoRules, home: int, away: int, counted: int, extension_fought: bool,
            judges: Side | None) -> BoutState:
    if _decided(rules, home, away, counted) or (extension_fought and home != away):
        winner = Side.HOME if home > away else Side.AWAY
        decided = Decision.EXTENSION if extension_fought else Decision.SCORE
        if judges is not None:
            raise RuleViolation("sumo: a judges' decision for a bout decided by Yuko")
        return BoutState(home, away, counted, Phase.DECIDED, winner, decided)
    if counted < rules.max_rounds:
        phase = Phase.ROUND
    elif rules.extension_time_s > 0 and not extension_fought:
        phase = Phase.EXTENSION
    else:
        phase = Phase.JUDGES
    if judges is None:
        return BoutState(home, away, counted, phase)
    if phase is not Phase.JUDGES:
        raise RuleViolation(f"sumo: the judges decide only after the bout; next is {phase}")
    return BoutState(home, away, counted, Phase.DECIDED, Side(judges), Decision.JUDGES)


def sumo_result(match_id: str, home: str, away: str, rules: SumoRules,
                rounds: Sequence[SumoRound], judges_decision: Side | None = None) -> MatchResult:
    """The stored result of a finished bout: the score is Yuko, fouls are warnings."""
    state = bout_state(rules, rounds, judges_decision)
    if state.phase is not Phase.DECIDED:
        raise RuleViolation(f"{match_id}: the bout is not decided yet; next is {state.phase}")
    winner = home if state.winner is Side.HOME else away
    return MatchResult(
        match_id, home, away, winner, state.home_yuko, state.away_yuko,
        state.decided_by or Decision.SCORE,
        home_fouls=sum(r.home_warnings for r in rounds),
        away_fouls=sum(r.away_warnings for r in rounds),
    )
