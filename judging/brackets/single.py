"""Single elimination: lose once and you are out.

Match ids are ``W<round>-<index>`` (both 1-based, index in bracket order from
the top) and ``3P`` for the optional third-place match between the semi-final
losers. Byes go to the top seeds: a first-round match against a missing seed is
a bye, so any number of entrants from 2 up works.
"""

from __future__ import annotations

from collections.abc import Sequence

from judging.brackets.graph import Bracket, BracketKind, MatchSpec, Slot, Stage
from judging.brackets.seeding import bracket_positions, bracket_size
from judging.errors import RuleViolation


def winners_rounds(first_round: Sequence[tuple[Slot, Slot]], prefix: str = "W",
                   stage: Stage = Stage.WINNERS) -> list[list[MatchSpec]]:
    """The rounds of a knockout tree grown from its first-round pairs."""
    rounds: list[list[MatchSpec]] = []
    pairs = list(first_round)
    number = 1
    while pairs:
        matches = [MatchSpec(f"{prefix}{number}-{i + 1}", home, away, stage, number)
                   for i, (home, away) in enumerate(pairs)]
        rounds.append(matches)
        if len(matches) == 1:
            break
        pairs = [(Slot.winner(matches[i].match_id), Slot.winner(matches[i + 1].match_id))
                 for i in range(0, len(matches), 2)]
        number += 1
    return rounds


def seeded_pairs(count: int) -> list[tuple[Slot, Slot]]:
    """First-round pairs of a seeded bracket for ``count`` entrants."""
    positions = bracket_positions(bracket_size(count))
    return [(Slot.seed(positions[i]), Slot.seed(positions[i + 1]))
            for i in range(0, len(positions), 2)]


def build_from_pairs(entrants: Sequence[str], first_round: Sequence[tuple[Slot, Slot]],
                     *, third_place: bool = False) -> Bracket:
    """A single-elimination bracket from explicit first-round pairs (cross-seeding)."""
    if len(first_round) & (len(first_round) - 1):
        raise RuleViolation("the first round must have a power-of-two number of matches")
    rounds = winners_rounds(first_round)
    matches = [m for r in rounds for m in r]
    finals = (rounds[-1][0].match_id,)
    if third_place and len(rounds) >= 2:
        semis = rounds[-2]
        matches.insert(len(matches) - 1, MatchSpec(
            "3P", Slot.loser(semis[0].match_id), Slot.loser(semis[1].match_id),
            Stage.THIRD_PLACE, len(rounds)))
    return Bracket(BracketKind.SINGLE_ELIMINATION, tuple(entrants), tuple(matches), finals)


def build(entrants: Sequence[str], *, third_place: bool = False) -> Bracket:
    """A single-elimination bracket; ``entrants`` in seed order (seed 1 first).

    A bracket of N entrants has N - 1 played matches (plus ``3P`` when asked
    for and there are semi-finals with four real entrants).
    """
    if len(set(entrants)) != len(entrants):
        raise RuleViolation("entrants listed more than once")
    return build_from_pairs(entrants, seeded_pairs(len(entrants)), third_place=third_place)
