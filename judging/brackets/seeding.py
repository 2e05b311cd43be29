"""Seeding: who is seed 1, 2, 3 ... and where each seed sits in a bracket.

Strategies live in a registry (`SEEDING`) keyed by the name used in the event
file. Every strategy returns the entrants in seed order (seed 1 first); the
bracket builders place seeds by `bracket_positions` so that the top seeds meet
as late as possible and receive the byes.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum

from judging.errors import RuleViolation


class SeedingMethod(StrEnum):
    """Names of the seeding strategies (the event file's ``seeding`` values)."""

    RANK = "rank"
    RANDOM = "random"
    AS_LISTED = "as_listed"


def _check_unique(entrants: Sequence[str]) -> None:
    dupes = sorted(e for e, n in Counter(entrants).items() if n > 1)
    if dupes:
        raise RuleViolation(f"entrants listed more than once: {', '.join(dupes)}")


def by_rank(entrants: Sequence[str], *, ranks: Mapping[str, int] | None = None,
            seed: str = "") -> tuple[str, ...]:
    """Seed by a previous ranking (lower rank number first); unranked last, by code."""
    _check_unique(entrants)
    ranks = ranks or {}
    return tuple(sorted(entrants, key=lambda e: (e not in ranks, ranks.get(e, 0), e)))


def _draw_key(seed: str, entrant: str) -> str:
    # A hash, not random.shuffle: the draw must not depend on the input order
    # and must be reproducible from the recorded seed alone.
    return hashlib.sha256(f"{seed}\x00{entrant}".encode()).hexdigest()


def by_random(entrants: Sequence[str], *, ranks: Mapping[str, int] | None = None,
              seed: str = "") -> tuple[str, ...]:
    """A reproducible random draw: the same ``seed`` always gives the same order."""
    _check_unique(entrants)
    return tuple(sorted(entrants, key=lambda e: (_draw_key(seed, e), e)))


def as_listed(entrants: Sequence[str], *, ranks: Mapping[str, int] | None = None,
              seed: str = "") -> tuple[str, ...]:
    """The order the organiser gave."""
    _check_unique(entrants)
    return tuple(entrants)


SeedingStrategy = Callable[..., tuple[str, ...]]

SEEDING: dict[SeedingMethod, SeedingStrategy] = {
    SeedingMethod.RANK: by_rank,
    SeedingMethod.RANDOM: by_random,
    SeedingMethod.AS_LISTED: as_listed,
}


def seed_entrants(method: SeedingMethod, entrants: Sequence[str], *,
                  ranks: Mapping[str, int] | None = None, seed: str = "") -> tuple[str, ...]:
    """Apply the named strategy from the registry."""
    return SEEDING[SeedingMethod(method)](entrants, ranks=ranks, seed=seed)


def bracket_size(count: int) -> int:
    """The smallest power of two holding ``count`` entrants (at least 2)."""
    if count < 2:
        raise RuleViolation(f"a bracket needs at least 2 entrants, got {count}")
    size = 2
    while size < count:
        size *= 2
    return size


def bracket_positions(size: int) -> tuple[int, ...]:
    """Seed numbers in bracket order: seed 1 meets ``size``, 2 meets ``size - 1`` ...

    ``(1, 8, 4, 5, 2, 7, 3, 6)`` for 8: seeds 1 and 2 can only meet in the final,
    and in a partly filled bracket the missing seeds (the byes) face the top seeds.
    """
    order = [1, 2]
    while len(order) < size:
        total = 2 * len(order) + 1
        order = [s for seed in order for s in (seed, total - seed)]
    return tuple(order)


def snake(entrants: Sequence[str], groups: int) -> tuple[tuple[str, ...], ...]:
    """Deal seeded entrants into groups A, B, ... then back: 1 2 3 4 | 8 7 6 5 | 9 ..."""
    if groups < 1:
        raise RuleViolation(f"groups: must be >= 1, got {groups}")
    dealt: list[list[str]] = [[] for _ in range(groups)]
    for index, entrant in enumerate(entrants):
        lap, pos = divmod(index, groups)
        dealt[pos if lap % 2 == 0 else groups - 1 - pos].append(entrant)
    return tuple(tuple(g) for g in dealt)


def separate_first_round(order: Sequence[str], keys: Mapping[str, str]) -> tuple[str, ...]:
    """Reorder seeds so first-round opponents have different ``keys`` where possible.

    ``keys`` maps an entrant to its institution (or its group, for a knockout
    after groups). Only the lower seed of a clashing pair moves, and it swaps
    with the nearest lower seed whose move creates no new clash, so the top of
    the seeding is kept. Entrants without a key never clash.
    """
    seeds = list(order)
    size = bracket_size(len(seeds))
    positions = bracket_positions(size)
    opponent: dict[int, int] = {}
    for i in range(0, size, 2):
        opponent[positions[i]] = positions[i + 1]
        opponent[positions[i + 1]] = positions[i]

    def key(seed_no: int) -> str | None:
        return keys.get(seeds[seed_no - 1]) if seed_no <= len(seeds) else None

    def clash(seed_no: int) -> bool:
        mine, theirs = key(seed_no), key(opponent[seed_no])
        return mine is not None and mine == theirs

    count = len(seeds)
    for low in range(count, 0, -1):
        if not clash(low) or opponent[low] > low:
            continue
        for other in _by_distance(low, count):
            seeds[low - 1], seeds[other - 1] = seeds[other - 1], seeds[low - 1]
            if not clash(low) and not clash(other):
                break
            seeds[low - 1], seeds[other - 1] = seeds[other - 1], seeds[low - 1]
    return tuple(seeds)


def _by_distance(seed_no: int, count: int) -> list[int]:
    """Other seeds, nearest first, preferring lower seeds on a tie."""
    others = [s for s in range(1, count + 1) if s != seed_no]
    return sorted(others, key=lambda s: (abs(s - seed_no), -s))
