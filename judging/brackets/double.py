"""Double elimination: a team is out after its second loss.

Winners' bracket ``W<round>-<index>`` as in single elimination; losers'
bracket ``L<round>-<index>``; grand final ``GF`` and, with a reset, ``GF2``
(played only if the losers' bracket champion wins ``GF``, so the unbeaten team
also gets its second loss before going out).

Losers' bracket of a bracket of size 2^k: round 1 pairs the first-round losers;
each even round ``2r`` meets the survivors with the losers of winners' round
``r + 1`` (dropped in reverse order every other time, so two teams do not meet
again at once); each odd round halves the field. Byes re-flow as "nobody".
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from judging.brackets.graph import Bracket, BracketKind, MatchSpec, Slot, Stage
from judging.brackets.single import seeded_pairs, winners_rounds
from judging.errors import RuleViolation


class GrandFinal(StrEnum):
    """How the two bracket champions settle the title."""

    NONE = "none"  # no grand final: the winners' bracket champion is champion
    SIMPLE = "simple"  # one match
    RESET = "reset"  # a second match if the losers' champion wins the first


def _losers_rounds(winners: list[list[MatchSpec]]) -> list[list[MatchSpec]]:
    rounds: list[list[MatchSpec]] = []

    def add(pairs: list[tuple[Slot, Slot]]) -> list[MatchSpec]:
        number = len(rounds) + 1
        matches = [MatchSpec(f"L{number}-{i + 1}", home, away, Stage.LOSERS, number)
                   for i, (home, away) in enumerate(pairs)]
        rounds.append(matches)
        return matches

    first = winners[0]
    current = add([(Slot.loser(first[i].match_id), Slot.loser(first[i + 1].match_id))
                   for i in range(0, len(first), 2)])
    for r in range(1, len(winners)):
        drops = [Slot.loser(m.match_id) for m in winners[r]]
        if r % 2 == 1:
            drops.reverse()
        current = add([(Slot.winner(m.match_id), drop) for m, drop in zip(current, drops,
                                                                          strict=True)])
        if r < len(winners) - 1:
            current = add([(Slot.winner(current[i].match_id),
                            Slot.winner(current[i + 1].match_id))
                           for i in range(0, len(current), 2)])
    return rounds


def build(entrants: Sequence[str], *, grand_final: GrandFinal = GrandFinal.RESET) -> Bracket:
    """A double-elimination bracket; ``entrants`` in seed order.

    Played matches for N entrants: 2N - 2 with a simple grand final, or with a
    reset that is not needed; 2N - 1 when the reset is played; 2N - 3 without a
    grand final.
    """
    if len(set(entrants)) != len(entrants):
        raise RuleViolation("entrants listed more than once")
    grand_final = GrandFinal(grand_final)
    winners = winners_rounds(seeded_pairs(len(entrants)))
    wb_final = winners[-1][0].match_id
    matches = [m for r in winners for m in r]
    if len(winners) == 1:
        losers_champion = Slot.loser(wb_final)
    else:
        losers = _losers_rounds(winners)
        matches.extend(m for r in losers for m in r)
        losers_champion = Slot.winner(losers[-1][0].match_id)
    if grand_final is GrandFinal.NONE:
        return Bracket(BracketKind.DOUBLE_ELIMINATION, tuple(entrants), tuple(matches),
                       (wb_final,))
    final_round = len(winners) + 1
    matches.append(MatchSpec("GF", Slot.winner(wb_final), losers_champion,
                             Stage.GRAND_FINAL, final_round))
    finals = ("GF",)
    if grand_final is GrandFinal.RESET:
        matches.append(MatchSpec("GF2", Slot.winner(wb_final), losers_champion,
                                 Stage.GRAND_FINAL, final_round + 1, reset_of="GF"))
        finals = ("GF", "GF2")
    return Bracket(BracketKind.DOUBLE_ELIMINATION, tuple(entrants), tuple(matches), finals)
