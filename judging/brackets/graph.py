"""A bracket as a graph of match slots, and its state derived from results.

A bracket stores no results. Each match names where its two entrants come from
(``seed 4``, ``winner of W1-2``, ``loser of W2-1``); `resolve` walks the matches
in order and computes, from the seeding and whatever results are stored, who
plays each match, who won it and what is still open. Because nothing downstream
is stored, a corrected result re-flows on its own; a stored result that no
longer fits its match is reported as a `BracketWarning`, never dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from judging.errors import RuleViolation
from judging.match import MatchResult


class SlotKind(StrEnum):
    """Where a match entrant comes from."""

    SEED = "seed"
    WINNER = "winner"
    LOSER = "loser"


class Stage(StrEnum):
    """The part of a competition a match belongs to."""

    WINNERS = "winners"
    LOSERS = "losers"
    GRAND_FINAL = "grand_final"
    THIRD_PLACE = "third_place"
    GROUP = "group"
    SWISS = "swiss"


class MatchStatus(StrEnum):
    """The derived state of one match."""

    PENDING = "pending"  # an entrant is not known yet
    READY = "ready"  # both entrants known, no valid result yet
    DONE = "done"  # a valid result is stored
    BYE = "bye"  # one side is nobody: the other advances without playing
    EMPTY = "empty"  # both sides are nobody
    SKIPPED = "skipped"  # a conditional match (bracket reset) that is not needed


class WarningKind(StrEnum):
    """Why a stored result was not used."""

    STALE_ENTRANTS = "stale_entrants"  # the result names teams that no longer meet here
    ENTRANTS_UNKNOWN = "entrants_unknown"  # an earlier match is now undecided
    NOT_PLAYED = "not_played"  # a bye or a skipped match cannot have a result
    NO_WINNER = "no_winner"  # an elimination match cannot end in a draw
    UNKNOWN_MATCH = "unknown_match"  # no match with this id in the bracket


@dataclass(frozen=True)
class Slot:
    """One entrant position: ``seed`` (1-based) or the winner/loser of a match."""

    kind: SlotKind
    ref: str

    @classmethod
    def seed(cls, number: int) -> Slot:
        """The entrant seeded ``number`` (1 is the top seed)."""
        return cls(SlotKind.SEED, str(number))

    @classmethod
    def winner(cls, match_id: str) -> Slot:
        """The winner of ``match_id``."""
        return cls(SlotKind.WINNER, match_id)

    @classmethod
    def loser(cls, match_id: str) -> Slot:
        """The loser of ``match_id``."""
        return cls(SlotKind.LOSER, match_id)

    def label(self) -> str:
        """A short human label, e.g. ``seed 4`` or ``winner W1-2``."""
        return f"{self.kind} {self.ref}"


@dataclass(frozen=True)
class MatchSpec:
    """One match of a bracket: a stable id and where its entrants come from.

    ``reset_of`` marks a bracket-reset match: it is played only if the away
    side of that match (the losers' bracket champion) won it.
    """

    match_id: str
    home: Slot
    away: Slot
    stage: Stage
    round: int
    reset_of: str | None = None


class BracketKind(StrEnum):
    """The bracket formats the engine builds."""

    SINGLE_ELIMINATION = "single_elimination"
    DOUBLE_ELIMINATION = "double_elimination"
    ROUND_ROBIN = "round_robin"
    SWISS = "swiss"


@dataclass(frozen=True)
class Bracket:
    """A bracket: entrants in seed order and its matches, each after those it depends on.

    ``final_ids``: the matches that may decide the champion, last first in
    precedence (the champion is the winner of the last of them that is played).
    """

    kind: BracketKind
    entrants: tuple[str, ...]
    matches: tuple[MatchSpec, ...]
    final_ids: tuple[str, ...] = ()

    def match(self, match_id: str) -> MatchSpec:
        """The match with this id; a `RuleViolation` if there is none."""
        for spec in self.matches:
            if spec.match_id == match_id:
                return spec
        raise RuleViolation(f"no match {match_id!r} in this bracket")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly description (for the API and the projector)."""
        return {
            "kind": str(self.kind),
            "entrants": list(self.entrants),
            "final_ids": list(self.final_ids),
            "matches": [
                {
                    "id": m.match_id, "stage": str(m.stage), "round": m.round,
                    "home": m.home.label(), "away": m.away.label(), "reset_of": m.reset_of,
                }
                for m in self.matches
            ],
        }


@dataclass(frozen=True)
class MatchState:
    """The derived state of one match. ``home``/``away`` are ``None`` when unknown or nobody."""

    match_id: str
    stage: Stage
    round: int
    status: MatchStatus
    home: str | None
    away: str | None
    winner: str | None = None
    loser: str | None = None
    result: MatchResult | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict."""
        return {
            "id": self.match_id, "stage": str(self.stage), "round": self.round,
            "status": str(self.status), "home": self.home, "away": self.away,
            "winner": self.winner, "loser": self.loser,
            "result": self.result.to_dict() if self.result else None,
        }


@dataclass(frozen=True)
class BracketWarning:
    """A stored result the engine did not use, and why."""

    match_id: str
    kind: WarningKind
    message: str
    result: MatchResult


@dataclass(frozen=True)
class BracketState:
    """Every match's derived state, the champion if decided, and the warnings."""

    matches: tuple[MatchState, ...]
    champion: str | None
    warnings: tuple[BracketWarning, ...]
    _index: Mapping[str, MatchState] = field(default_factory=dict, repr=False, compare=False)

    def __getitem__(self, match_id: str) -> MatchState:
        return self._index[match_id]

    @property
    def played(self) -> tuple[MatchState, ...]:
        """The matches decided by a stored result."""
        return tuple(m for m in self.matches if m.status is MatchStatus.DONE)

    @property
    def ready(self) -> tuple[MatchState, ...]:
        """The matches that can be called now."""
        return tuple(m for m in self.matches if m.status is MatchStatus.READY)


class _Nobody:
    """The filler of an empty position (a bye); distinct from "not known yet" (None)."""

    def __repr__(self) -> str:
        return "NOBODY"


NOBODY = _Nobody()
_Entrant = str | _Nobody | None


def _results_by_id(results: Iterable[MatchResult]) -> dict[str, MatchResult]:
    by_id: dict[str, MatchResult] = {}
    for result in results:
        if result.match_id in by_id:
            raise RuleViolation(f"{result.match_id}: more than one result stored")
        by_id[result.match_id] = result
    return by_id


def _slot_value(slot: Slot, entrants: tuple[str, ...], outcome: Mapping[str, tuple]) -> _Entrant:
    if slot.kind is SlotKind.SEED:
        number = int(slot.ref)
        return entrants[number - 1] if number <= len(entrants) else NOBODY
    winner, loser = outcome[slot.ref]
    return winner if slot.kind is SlotKind.WINNER else loser


def _check_result(
    spec: MatchSpec, home: str, away: str, result: MatchResult, draws: bool
) -> BracketWarning | None:
    if result.teams != frozenset((home, away)):
        message = (f"{spec.match_id}: stored result {result.home}-{result.away} "
                   f"but the match is now {home}-{away}")
        return BracketWarning(spec.match_id, WarningKind.STALE_ENTRANTS, message, result)
    if result.winner is None and not draws:
        message = f"{spec.match_id}: an elimination match needs a winner"
        return BracketWarning(spec.match_id, WarningKind.NO_WINNER, message, result)
    return None


def _resolve_one(
    spec: MatchSpec,
    home: _Entrant,
    away: _Entrant,
    result: MatchResult | None,
    draws: bool,
) -> tuple[MatchState, tuple, BracketWarning | None]:
    """One match's state, its (winner, loser) for later slots, and a warning."""
    def state(status: MatchStatus, **kw: Any) -> MatchState:
        shown_home = home if isinstance(home, str) else None
        shown_away = away if isinstance(away, str) else None
        return MatchState(spec.match_id, spec.stage, spec.round, status,
                          shown_home, shown_away, **kw)

    def unused(kind: WarningKind, why: str) -> BracketWarning | None:
        if result is None:
            return None
        return BracketWarning(spec.match_id, kind, f"{spec.match_id}: {why}", result)

    if home is NOBODY and away is NOBODY:
        return state(MatchStatus.EMPTY), (NOBODY, NOBODY), unused(
            WarningKind.NOT_PLAYED, "nobody plays this match")
    if home is NOBODY or away is NOBODY:
        real = away if home is NOBODY else home
        if real is None:
            return state(MatchStatus.PENDING), (None, None), unused(
                WarningKind.ENTRANTS_UNKNOWN, "an entrant is not decided")
        return state(MatchStatus.BYE, winner=real), (real, NOBODY), unused(
            WarningKind.NOT_PLAYED, f"{real} advances on a bye")
    if home is None or away is None:
        return state(MatchStatus.PENDING), (None, None), unused(
            WarningKind.ENTRANTS_UNKNOWN, "an entrant is not decided")
    if result is None:
        return state(MatchStatus.READY), (None, None), None
    warning = _check_result(spec, home, away, result, draws)
    if warning is not None:
        return state(MatchStatus.READY), (None, None), warning
    done = state(MatchStatus.DONE, winner=result.winner, loser=result.loser, result=result)
    return done, (result.winner, result.loser), None


def resolve(
    bracket: Bracket, results: Iterable[MatchResult], *, draws: bool = False
) -> BracketState:
    """Derive every match's entrants, winner and status from the seeding and results.

    ``draws`` allows drawn results (round robin); elimination brackets need a
    winner. Results for unknown match ids, for byes, for matches whose entrants
    are not decided yet or are now different teams are not used and are
    returned as warnings, so a correction upstream never silently loses a result.
    """
    by_id = _results_by_id(results)
    outcome: dict[str, tuple] = {}
    states: list[MatchState] = []
    warnings: list[BracketWarning] = []
    for spec in bracket.matches:
        home = _slot_value(spec.home, bracket.entrants, outcome)
        away = _slot_value(spec.away, bracket.entrants, outcome)
        result = by_id.get(spec.match_id)
        if spec.reset_of is not None and outcome[spec.reset_of][0] is None:
            home = away = None  # the reset waits for the final it may repeat
        elif spec.reset_of is not None and _reset_not_needed(spec.reset_of, bracket, outcome):
            state = MatchState(spec.match_id, spec.stage, spec.round, MatchStatus.SKIPPED,
                               None, None)
            outcome[spec.match_id] = (NOBODY, NOBODY)
            states.append(state)
            if result is not None:
                warnings.append(BracketWarning(
                    spec.match_id, WarningKind.NOT_PLAYED,
                    f"{spec.match_id}: the bracket reset is not needed", result))
            continue
        state, advance, warning = _resolve_one(spec, home, away, result, draws)
        outcome[spec.match_id] = advance
        states.append(state)
        if warning is not None:
            warnings.append(warning)
    known = {spec.match_id for spec in bracket.matches}
    for match_id in sorted(set(by_id) - known):
        warnings.append(BracketWarning(match_id, WarningKind.UNKNOWN_MATCH,
                                       f"{match_id}: no such match in this bracket",
                                       by_id[match_id]))
    index = {s.match_id: s for s in states}
    return BracketState(tuple(states), _champion(bracket, index), tuple(warnings), index)


def _reset_not_needed(final_id: str, bracket: Bracket, outcome: Mapping[str, tuple]) -> bool:
    """A reset is skipped when the final's home side (the unbeaten team) won it."""
    winner, _ = outcome[final_id]
    final = bracket.match(final_id)
    unbeaten = _slot_value(final.home, bracket.entrants, outcome)
    return winner == unbeaten or winner is NOBODY


def _champion(bracket: Bracket, index: Mapping[str, MatchState]) -> str | None:
    for match_id in reversed(bracket.final_ids):
        state = index[match_id]
        if state.status is MatchStatus.SKIPPED:
            continue
        return state.winner
    return None
