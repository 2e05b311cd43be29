"""Final places from an elimination bracket's derived state.

A team's place follows from its last match: teams whose last match comes
later in the bracket finished higher, and of two teams whose last match was in
the same round the one who won it (a third-place match, a bye) is higher.
Teams out in the same round share a place (two semi-final losers without a
third-place match are both 3rd; four quarter-final losers are all 5th).

A place is given only once it is settled: every match of that round, and of
every round listed before it, is decided. Until then the team is shown as out
(with the match it went out in) but without a place; teams still in play have
no place either.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from judging.brackets.graph import Bracket, BracketState, MatchStatus

_DECIDED = frozenset({MatchStatus.DONE, MatchStatus.BYE, MatchStatus.EMPTY, MatchStatus.SKIPPED})
_OPEN = frozenset({MatchStatus.READY, MatchStatus.PENDING})


class PlacementStatus(StrEnum):
    """Where a team stands in the bracket."""

    CHAMPION = "champion"
    PLACED = "placed"
    OUT = "out"  # out, but its place depends on matches still to play
    IN_PLAY = "in_play"


@dataclass(frozen=True)
class Placement:
    """A team's place; ``last_match`` is the match it went out in (or won last)."""

    team: str
    status: PlacementStatus
    rank: int | None = None
    last_match: str | None = None


def placements(bracket: Bracket, state: BracketState) -> tuple[Placement, ...]:
    """Every entrant's place, best first; unsettled places last, by team code."""
    rounds: dict[tuple, int] = {}
    round_of: list[int] = []
    for match in state.matches:
        round_of.append(rounds.setdefault((match.stage, match.round), len(rounds)))
    round_end = {r: max(i for i, x in enumerate(round_of) if x == r) for r in rounds.values()}
    open_at = next((i for i, m in enumerate(state.matches) if m.status not in _DECIDED),
                   len(state.matches))
    alive = {t for m in state.matches if m.status in _OPEN for t in (m.home, m.away) if t}
    last: dict[str, tuple[int, bool, str]] = {}
    for index, match in enumerate(state.matches):
        if match.status in (MatchStatus.DONE, MatchStatus.BYE):
            for team in (match.home, match.away):
                if team:
                    last[team] = (round_of[index], team == match.winner, match.match_id)
    champion = state.champion
    finished = {t: last[t][:2] for t in bracket.entrants
                if t != champion and t not in alive and t in last}
    above_all = len(alive) + (champion is not None)
    entries = []
    for team in bracket.entrants:
        if team == champion:
            entries.append(Placement(team, PlacementStatus.CHAMPION, 1, last[team][2]))
        elif team in alive or team not in finished:
            entries.append(Placement(team, PlacementStatus.IN_PLAY))
        elif round_end[finished[team][0]] < open_at:
            better = sum(key > finished[team] for key in finished.values())
            entries.append(Placement(team, PlacementStatus.PLACED, 1 + above_all + better,
                                     last[team][2]))
        else:
            entries.append(Placement(team, PlacementStatus.OUT, None, last[team][2]))
    return tuple(sorted(entries, key=lambda p: (p.rank is None, p.rank or 0, p.team)))
