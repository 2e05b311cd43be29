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
from functools import cached_property
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

    def __post_init__(self) -> None:
        # Compiled once: resolving is then a single pass over plain indices.
        object.__setattr__(self, "_plan", _compile(self))

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


# One resolved match, kept as a plain tuple until asked for: the projector asks
# for every match, the caller of a busy bracket often only for the ready ones.
_Row = tuple  # (spec, status, home, away, winner, loser, result)


def _state_of(row: _Row) -> MatchState:
    spec, status, home, away, winner, loser, result = row
    return MatchState(spec.match_id, spec.stage, spec.round, status, home, away, winner,
                      loser, result)


@dataclass(frozen=True)
class BracketState:
    """Every match's derived state, the champion if decided, and the warnings."""

    rows: tuple[_Row, ...] = field(repr=False)
    champion: str | None
    warnings: tuple[BracketWarning, ...]

    @cached_property
    def matches(self) -> tuple[MatchState, ...]:
        """Every match's state, in the bracket's order."""
        return tuple(_state_of(row) for row in self.rows)

    @cached_property
    def _index(self) -> dict[str, MatchState]:
        return {m.match_id: m for m in self.matches}

    def __getitem__(self, match_id: str) -> MatchState:
        return self._index[match_id]

    @property
    def played(self) -> tuple[MatchState, ...]:
        """The matches decided by a stored result."""
        return tuple(_state_of(r) for r in self.rows if r[1] is MatchStatus.DONE)

    @property
    def ready(self) -> tuple[MatchState, ...]:
        """The matches that can be called now."""
        return tuple(_state_of(r) for r in self.rows if r[1] is MatchStatus.READY)


class _Nobody:
    """The filler of an empty position (a bye); distinct from "not known yet" (None)."""

    def __repr__(self) -> str:
        return "NOBODY"


NOBODY = _Nobody()
_Entrant = str | _Nobody | None


_Step = tuple[MatchSpec, SlotKind, Any, SlotKind, Any, int]


def _compile(bracket: Bracket) -> tuple[_Step, ...]:
    """Each match as (spec, home kind, home ref, away kind, away ref, index of the final it resets).

    A seed slot is resolved to its team (or `NOBODY`) now; a winner/loser slot
    to the index of an earlier match. Also checks the graph is well formed.
    """
    index: dict[str, int] = {}
    plan: list[_Step] = []

    def ref(slot: Slot, match_id: str) -> tuple[SlotKind, Any]:
        if slot.kind is SlotKind.SEED:
            number = int(slot.ref)
            if number < 1:
                raise RuleViolation(f"{match_id}: seed numbers start at 1")
            return SlotKind.SEED, bracket.entrants[number - 1] if number <= len(bracket.entrants) \
                else NOBODY
        if slot.ref not in index:
            raise RuleViolation(f"{match_id}: {slot.label()} is not an earlier match")
        return slot.kind, index[slot.ref]

    for spec in bracket.matches:
        if spec.match_id in index:
            raise RuleViolation(f"match id {spec.match_id} used twice")
        reset = -1
        if spec.reset_of is not None:
            if spec.reset_of not in index:
                raise RuleViolation(f"{spec.match_id}: resets unknown match {spec.reset_of}")
            reset = index[spec.reset_of]
        plan.append((spec, *ref(spec.home, spec.match_id), *ref(spec.away, spec.match_id),
                     reset))
        index[spec.match_id] = len(plan) - 1
    missing = [f for f in bracket.final_ids if f not in index]
    if missing:
        raise RuleViolation(f"final_ids: unknown match {', '.join(missing)}")
    return tuple(plan)


def _results_by_id(results: Iterable[MatchResult]) -> dict[str, MatchResult]:
    by_id: dict[str, MatchResult] = {}
    for result in results:
        if result.match_id in by_id:
            raise RuleViolation(f"{result.match_id}: more than one result stored")
        by_id[result.match_id] = result
    return by_id


def _check_result(
    spec: MatchSpec, home: str, away: str, result: MatchResult, draws: bool
) -> BracketWarning | None:
    same = (result.home == home and result.away == away) or (
        result.home == away and result.away == home)
    if not same:
        message = (f"{spec.match_id}: stored result {result.home}-{result.away} "
                   f"but the match is now {home}-{away}")
        return BracketWarning(spec.match_id, WarningKind.STALE_ENTRANTS, message, result)
    if result.winner is None and not draws:
        message = f"{spec.match_id}: an elimination match needs a winner"
        return BracketWarning(spec.match_id, WarningKind.NO_WINNER, message, result)
    return None


def _unused(spec: MatchSpec, result: MatchResult | None, kind: WarningKind,
            why: str) -> BracketWarning | None:
    if result is None:
        return None
    return BracketWarning(spec.match_id, kind, f"{spec.match_id}: {why}", result)


def _resolve_one(
    spec: MatchSpec, home: _Entrant, away: _Entrant, result: MatchResult | None, draws: bool
) -> tuple[_Row, _Entrant, _Entrant, BracketWarning | None]:
    """One match's row, its winner and loser for later slots, and a warning."""
    shown_home = home if home.__class__ is str else None
    shown_away = away if away.__class__ is str else None
    if home is NOBODY and away is NOBODY:
        return ((spec, MatchStatus.EMPTY, None, None, None, None, None), NOBODY, NOBODY,
                _unused(spec, result, WarningKind.NOT_PLAYED, "nobody plays this match"))
    if home is None or away is None:
        return ((spec, MatchStatus.PENDING, shown_home, shown_away, None, None, None),
                None, None,
                _unused(spec, result, WarningKind.ENTRANTS_UNKNOWN, "an entrant is not decided"))
    if home is NOBODY or away is NOBODY:
        real = shown_home or shown_away
        return ((spec, MatchStatus.BYE, shown_home, shown_away, real, None, None),
                real, NOBODY,
                _unused(spec, result, WarningKind.NOT_PLAYED, f"{real} advances on a bye"))
    warning = None if result is None else _check_result(spec, home, away, result, draws)
    if result is None or warning is not None:
        return (spec, MatchStatus.READY, home, away, None, None, None), None, None, warning
    winner, loser = result.winner, result.loser
    return (spec, MatchStatus.DONE, home, away, winner, loser, result), winner, loser, None


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
    plan: tuple[_Step, ...] = bracket._plan  # type: ignore[attr-defined]
    winners: list[_Entrant] = []
    losers: list[_Entrant] = []
    rows: list[_Row] = []
    warnings: list[BracketWarning] = []
    seed = SlotKind.SEED
    for spec, hkind, href, akind, aref, reset in plan:
        home = href if hkind is seed else (winners if hkind is SlotKind.WINNER else losers)[href]
        away = aref if akind is seed else (winners if akind is SlotKind.WINNER else losers)[aref]
        result = by_id.get(spec.match_id)
        if reset >= 0:
            home, away, skipped = _reset_entrants(plan[reset], winners[reset], winners, losers,
                                                  home, away)
            if skipped:
                rows.append((spec, MatchStatus.SKIPPED, None, None, None, None, None))
                winners.append(NOBODY)
                losers.append(NOBODY)
                if result is not None:
                    warnings.append(_unused(spec, result, WarningKind.NOT_PLAYED,
                                            "the bracket reset is not needed"))
                continue
        row, winner, loser, warning = _resolve_one(spec, home, away, result, draws)
        winners.append(winner)
        losers.append(loser)
        rows.append(row)
        if warning is not None:
            warnings.append(warning)
    known = {step[0].match_id for step in plan}
    for match_id in sorted(set(by_id) - known):
        warnings.append(BracketWarning(match_id, WarningKind.UNKNOWN_MATCH,
                                       f"{match_id}: no such match in this bracket",
                                       by_id[match_id]))
    champion = _champion(bracket, {r[0].match_id: r for r in rows if r[0].match_id in
                                   bracket.final_ids})
    return BracketState(tuple(rows), champion, tuple(warnings))


def _reset_entrants(final: _Step, final_winner: _Entrant, winners: list, losers: list,
                    home: _Entrant, away: _Entrant) -> tuple[_Entrant, _Entrant, bool]:
    """A reset waits for its final, and is skipped if the final's home side (unbeaten) won it."""
    if final_winner is None:
        return None, None, False
    _, hkind, href, _, _, _ = final
    final_home = href if hkind is SlotKind.SEED else (
        winners if hkind is SlotKind.WINNER else losers)[href]
    return home, away, final_winner == final_home or final_winner is NOBODY


def _champion(bracket: Bracket, finals: Mapping[str, _Row]) -> str | None:
    for match_id in reversed(bracket.final_ids):
        row = finals[match_id]
        if row[1] is MatchStatus.SKIPPED:
            continue
        return row[4]
    return None
