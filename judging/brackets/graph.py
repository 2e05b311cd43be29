"""A bracket as a graph of match slots, and its state derived from results.

A bracket stores no results. Each match names where its two entrants come from
(``seed 4``, ``winner of W1-2``, ``loser of W2-1``); `resolve` walks the matches
in order and computes, from the seeding and whatever results are stored, who
plays each match, who won it and what is still open. Because nothing downstream
is stored, a corrected result re-flows on its own; a stored result that no
longer fits its match is reported as a `BracketWarning`, never dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable
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

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict."""
        return {"match_id": self.match_id, "kind": str(self.kind), "message": self.message,
                "result": self.result.to_dict()}


# One resolved match, kept as a plain tuple until asked for: the projector asks
# for every match, the caller of a busy bracket often only for the ready ones.
_Row = tuple  # (spec, status, home, away, winner, loser, result)


def _state_of(row: _Row) -> MatchState:
    spec, status, home, away, winner, loser, result = row
    return MatchState(spec.match_id, spec.stage, spec.round, status, home, away, winner,
                      loser, result)


@dataclass(frozen=True)
class BracketState:
    """Every match's derived state, the champion if decided, and the warnings.

    ``rows`` are the raw resolved matches; read them through ``matches``,
    ``ready``, ``played`` or ``state[match_id]``.
    """

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

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict for the API and the projector."""
        return {"champion": self.champion,
                "matches": [m.to_dict() for m in self.matches],
                "warnings": [w.to_dict() for w in self.warnings]}

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


@dataclass(frozen=True)
class _Plan:
    """A bracket compiled for resolving.

    Resolving fills one list, ``values``: first the seeded entrants (or
    `NOBODY`), then for match ``i`` its winner at ``base + 2i`` and its loser
    at ``base + 2i + 1``. Each step is (spec, home index, away index, index of
    the final it resets or -1), so finding an entrant is one list lookup.
    """

    seeds: tuple[_Entrant, ...]
    steps: tuple[tuple[MatchSpec, int, int, int], ...]
    ids: frozenset[str]
    finals: tuple[int, ...]


def _compile(bracket: Bracket) -> _Plan:
    """Compile the graph into list indices; also checks that it is well formed."""
    numbers = [int(s.ref) for m in bracket.matches for s in (m.home, m.away)
               if s.kind is SlotKind.SEED]
    if any(n < 1 for n in numbers):
        raise RuleViolation("seed numbers start at 1")
    top = max(numbers, default=0)
    seeds = tuple(bracket.entrants[n - 1] if n <= len(bracket.entrants) else NOBODY
                  for n in range(1, top + 1))
    index: dict[str, int] = {}
    steps = []

    def ref(slot: Slot, match_id: str) -> int:
        if slot.kind is SlotKind.SEED:
            return int(slot.ref) - 1
        if slot.ref not in index:
            raise RuleViolation(f"{match_id}: {slot.label()} is not an earlier match")
        return len(seeds) + 2 * index[slot.ref] + (slot.kind is SlotKind.LOSER)

    for spec in bracket.matches:
        if spec.match_id in index:
            raise RuleViolation(f"match id {spec.match_id} used twice")
        reset = -1
        if spec.reset_of is not None:
            if spec.reset_of not in index:
                raise RuleViolation(f"{spec.match_id}: resets unknown match {spec.reset_of}")
            reset = index[spec.reset_of]
        steps.append((spec, ref(spec.home, spec.match_id), ref(spec.away, spec.match_id), reset))
        index[spec.match_id] = len(steps) - 1
    missing = [f for f in bracket.final_ids if f not in index]
    if missing:
        raise RuleViolation(f"final_ids: unknown match {', '.join(missing)}")
    return _Plan(seeds, tuple(steps), frozenset(index),
                 tuple(index[f] for f in bracket.final_ids))


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
    """Why a stored result does not fit the match, or ``None`` if it does."""
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
    """A match with an empty or unknown side: its row, winner and loser, and a warning."""
    shown_home = home if home.__class__ is str else None
    shown_away = away if away.__class__ is str else None
    if home is NOBODY and away is NOBODY:
        return ((spec, MatchStatus.EMPTY, None, None, None, None, None), NOBODY, NOBODY,
                _unused(spec, result, WarningKind.NOT_PLAYED, "nobody plays this match"))
    if home is None or away is None:
        return ((spec, MatchStatus.PENDING, shown_home, shown_away, None, None, None),
                None, None,
                _unused(spec, result, WarningKind.ENTRANTS_UNKNOWN, "an entrant is not decided"))
    # One side is nobody: a bye. (Two named entrants are resolved inline by `resolve`.)
    real = shown_home or shown_away
    return ((spec, MatchStatus.BYE, shown_home, shown_away, real, None, None),
            real, NOBODY,
            _unused(spec, result, WarningKind.NOT_PLAYED, f"{real} advances on a bye"))


def resolve(
    bracket: Bracket, results: Iterable[MatchResult], *, draws: bool | None = None
) -> BracketState:
    """Derive every match's entrants, winner and status from the seeding and results.

    ``draws`` allows drawn results; by default a round robin allows them and
    an elimination bracket needs a winner. Results for unknown match ids, for byes, for matches whose entrants
    are not decided yet or are now different teams are not used and are
    returned as warnings, so a correction upstream never silently loses a result.
    """
    if draws is None:
        draws = bracket.kind is BracketKind.ROUND_ROBIN
    by_id = _results_by_id(results)
    plan: _Plan = bracket._plan  # type: ignore[attr-defined]
    values: list[_Entrant] = list(plan.seeds)
    base = len(values)
    rows: list[_Row] = []
    warnings: list[BracketWarning] = []
    ready, done = MatchStatus.READY, MatchStatus.DONE
    for spec, home_at, away_at, reset in plan.steps:
        home, away = values[home_at], values[away_at]
        result = by_id.get(spec.match_id)
        if reset >= 0:
            final_winner, final_home = values[base + 2 * reset], values[plan.steps[reset][1]]
            if final_winner is None:
                home = away = None  # the reset waits for the final it may repeat
            elif final_winner == final_home or final_winner is NOBODY:
                rows.append((spec, MatchStatus.SKIPPED, None, None, None, None, None))
                values += (NOBODY, NOBODY)
                if result is not None:
                    warnings.append(_unused(spec, result, WarningKind.NOT_PLAYED,
                                            "the bracket reset is not needed"))
                continue
        if home.__class__ is str and away.__class__ is str:
            # The common cases inline (this loop is the engine's hot path): a valid
            # result for the two entrants, or a match to call.
            if result is not None:
                r_home, r_away, winner = result.home, result.away, result.winner
                if ((r_home == home and r_away == away) or (r_home == away and r_away == home)) \
                        and (winner is not None or draws):
                    loser = None if winner is None else (r_away if winner == r_home else r_home)
                    rows.append((spec, done, home, away, winner, loser, result))
                    values += (winner, loser)
                    continue
                warnings.append(_check_result(spec, home, away, result, draws))
            rows.append((spec, ready, home, away, None, None, None))
            values += (None, None)
            continue
        row, winner, loser, warning = _resolve_one(spec, home, away, result, draws)
        values += (winner, loser)
        rows.append(row)
        if warning is not None:
            warnings.append(warning)
    for match_id in sorted(by_id.keys() - plan.ids):
        warnings.append(BracketWarning(match_id, WarningKind.UNKNOWN_MATCH,
                                       f"{match_id}: no such match in this bracket",
                                       by_id[match_id]))
    return BracketState(tuple(rows), _champion(rows, plan.finals), tuple(warnings))


def _champion(rows: list[_Row], finals: tuple[int, ...]) -> str | None:
    """The winner of the last final that is not skipped (a reset that was not needed)."""
    for index in reversed(finals):
        row = rows[index]
        if row[1] is MatchStatus.SKIPPED:
            continue
        return row[4]
    return None
