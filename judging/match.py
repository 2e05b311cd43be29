"""The stored result of one match and the generic score-per-side match.

A `MatchResult` is the plain fact the scoreboard stores for a match id: who met,
who won and by how much. Every format (sumo, soccer, a series, the generic
score match) produces one, and brackets and standings consume only this.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from judging.errors import RuleViolation


class Side(StrEnum):
    """One side of a match: home is listed first, away second."""

    HOME = "home"
    AWAY = "away"


class Decision(StrEnum):
    """How a match was decided; the standings and the audit trail need to know."""

    SCORE = "score"
    DRAW = "draw"
    EXTENSION = "extension"
    GOLDEN_GOAL = "golden_goal"
    SHOOTOUT = "shootout"
    JUDGES = "judges"
    WALKOVER = "walkover"
    SERIES = "series"


@dataclass(frozen=True)
class MatchResult:
    """The stored outcome of one match, keyed by the bracket's stable match id.

    ``home_score``/``away_score`` are the format's scoring unit (goals, Yuko, games
    of a series, points); ``home_fouls``/``away_fouls`` count penalties given to
    each side; ``home_shootout``/``away_shootout`` are penalty shoot-out goals,
    which never count as goals. ``winner`` is a team code, or ``None`` for a draw.
    """

    match_id: str
    home: str
    away: str
    winner: str | None
    home_score: int = 0
    away_score: int = 0
    decided_by: Decision = Decision.SCORE
    home_fouls: int = 0
    away_fouls: int = 0
    home_shootout: int | None = None
    away_shootout: int | None = None

    def __post_init__(self) -> None:
        if self.home == self.away:
            raise RuleViolation(f"{self.match_id}: a team cannot play itself ({self.home})")
        if self.winner is not None and self.winner not in (self.home, self.away):
            raise RuleViolation(
                f"{self.match_id}: winner {self.winner} is neither {self.home} nor {self.away}"
            )
        for name in ("home_score", "away_score", "home_fouls", "away_fouls"):
            if getattr(self, name) < 0:
                raise RuleViolation(f"{self.match_id}: {name} must be >= 0")
        self._check_decision()

    def _check_decision(self) -> None:
        """The winner must agree with how the match was decided."""
        try:
            decided = Decision(self.decided_by)
        except ValueError:
            raise RuleViolation(f"{self.match_id}: unknown decision {self.decided_by!r}") from None
        level = self.home_score == self.away_score
        if decided is Decision.DRAW and not level:
            raise RuleViolation(f"{self.match_id}: a draw needs a level score")
        if decided in (Decision.SCORE, Decision.DRAW):
            leader = None if level else (
                self.home if self.home_score > self.away_score else self.away)
            if self.winner != leader:
                raise RuleViolation(
                    f"{self.match_id}: {self.home_score}-{self.away_score} decided by "
                    f"{decided} cannot have winner {self.winner}")
        elif self.winner is None:
            raise RuleViolation(f"{self.match_id}: a match decided by {decided} needs a winner")

    @property
    def loser(self) -> str | None:
        """The team that lost, or ``None`` for a draw."""
        if self.winner is None:
            return None
        return self.away if self.winner == self.home else self.home

    @property
    def teams(self) -> frozenset[str]:
        """Both teams, order-free (a result may be stored with sides swapped)."""
        return frozenset((self.home, self.away))

    def score_of(self, team: str) -> int:
        """The score of ``team`` in this match."""
        return self.home_score if team == self.home else self.away_score

    def fouls_of(self, team: str) -> int:
        """The penalties given to ``team`` in this match."""
        return self.home_fouls if team == self.home else self.away_fouls

    def opponent_of(self, team: str) -> str:
        """The other team."""
        return self.away if team == self.home else self.home

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict (enums as their string values)."""
        data = asdict(self)
        data["decided_by"] = str(self.decided_by)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MatchResult:
        """The inverse of `to_dict`; unknown keys are a `RuleViolation`."""
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise RuleViolation(f"match result: unknown keys {', '.join(unknown)}")
        values = dict(data)
        try:
            values["decided_by"] = Decision(values.get("decided_by", Decision.SCORE))
        except ValueError as exc:
            raise RuleViolation(f"decided_by: unknown decision {data['decided_by']!r}") from exc
        return cls(**values)


def score_match(
    match_id: str,
    home: str,
    away: str,
    home_score: int,
    away_score: int,
    *,
    draw_allowed: bool,
    home_fouls: int = 0,
    away_fouls: int = 0,
) -> MatchResult:
    """A generic match decided by points: the higher score wins.

    A level score is a draw when ``draw_allowed`` (group play), otherwise a
    `RuleViolation`: a knockout match needs a format-specific tie-break.
    """
    if home_score < 0 or away_score < 0:
        raise RuleViolation(f"{match_id}: scores must be >= 0")
    if home_score == away_score:
        if not draw_allowed:
            raise RuleViolation(f"{match_id}: a draw is not allowed in this match")
        winner, decided = None, Decision.DRAW
    else:
        winner = home if home_score > away_score else away
        decided = Decision.SCORE
    return MatchResult(
        match_id, home, away, winner, home_score, away_score, decided,
        home_fouls=home_fouls, away_fouls=away_fouls,
    )


def walkover(match_id: str, home: str, away: str, winner: str) -> MatchResult:
    """A match won without playing (the opponent did not show or withdrew)."""
    return MatchResult(match_id, home, away, winner, decided_by=Decision.WALKOVER)
