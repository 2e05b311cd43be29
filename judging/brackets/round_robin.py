"""Round robin by the circle method: everyone meets everyone once per leg.

Match ids are ``R<round>-<index>``, with a group prefix when given
(``A-R1-2``). With an odd number of entrants one team rests each round. In the
second leg home and away are swapped.
"""

from __future__ import annotations

from collections.abc import Sequence

from judging.brackets.graph import Bracket, BracketKind, MatchSpec, Slot, Stage
from judging.errors import RuleViolation


def circle_rounds(count: int) -> list[list[tuple[int, int]]]:
    """Pairs of 1-based seed numbers for each round of one leg (circle method).

    Seed 1 stays put while the others rotate; home and away alternate for the
    fixed seed so nobody is home in every round.
    """
    if count < 2:
        raise RuleViolation(f"a round robin needs at least 2 entrants, got {count}")
    ring: list[int | None] = list(range(1, count + 1))
    if count % 2:
        ring.append(None)  # the resting slot
    size = len(ring)
    rounds: list[list[tuple[int, int]]] = []
    for number in range(size - 1):
        pairs: list[tuple[int, int]] = []
        for i in range(size // 2):
            a, b = ring[i], ring[size - 1 - i]
            if a is None or b is None:
                continue
            pairs.append((b, a) if i == 0 and number % 2 else (a, b))
        rounds.append(pairs)
        ring = [ring[0], ring[-1], *ring[1:-1]]
    return rounds


def build(entrants: Sequence[str], *, legs: int = 1, prefix: str = "") -> Bracket:
    """All matches of a round robin among ``entrants`` over ``legs`` (1 or 2) legs."""
    if len(set(entrants)) != len(entrants):
        raise RuleViolation("entrants listed more than once")
    if legs not in (1, 2):
        raise RuleViolation(f"legs: must be 1 or 2, got {legs}")
    one_leg = circle_rounds(len(entrants))
    matches: list[MatchSpec] = []
    for leg in range(legs):
        for offset, pairs in enumerate(one_leg):
            number = leg * len(one_leg) + offset + 1
            for index, (home, away) in enumerate(pairs, start=1):
                if leg == 1:
                    home, away = away, home
                matches.append(MatchSpec(f"{prefix}R{number}-{index}", Slot.seed(home),
                                         Slot.seed(away), Stage.GROUP, number))
    return Bracket(BracketKind.ROUND_ROBIN, tuple(entrants), tuple(matches))
