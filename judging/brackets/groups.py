"""Group stage then knockout.

Groups are drawn by snake seeding (A B C D D C B A ...), then teams of the same
institution are moved apart where a swap within the same pot allows it. Each
group plays a round robin (match ids prefixed by the group: ``A-R1-2``). The
qualifiers go into a single-elimination knockout with cross-seeding: with two
per group and a power-of-two number of groups the first round is A1-B2, C1-D2,
... in one half and B1-A2, D1-C2, ... in the other, so teams of one group can
only meet again in the final; otherwise group winners are seeded first,
runners-up next, and first-round opponents from the same group are swapped apart.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from judging.brackets import round_robin, single
from judging.brackets.graph import Bracket, Slot
from judging.brackets.seeding import separate_first_round, snake
from judging.errors import RuleViolation
from judging.standings import StandingRow


@dataclass(frozen=True)
class Group:
    """A group: its letter and its teams in seed order."""

    name: str
    teams: tuple[str, ...]


def group_names(count: int) -> tuple[str, ...]:
    """``A``, ``B``, ... (then ``AA``, ``AB`` ... past 26 groups)."""
    letters = string.ascii_uppercase
    names = []
    for index in range(count):
        name = letters[index % 26]
        if index >= 26:
            name = letters[index // 26 - 1] + name
        names.append(name)
    return tuple(names)


def _clashes(team: str, others: Sequence[str], institutions: Mapping[str, str]) -> bool:
    mine = institutions.get(team)
    return mine is not None and any(institutions.get(o) == mine for o in others if o != team)


def draw_groups(seeded: Sequence[str], group_count: int,
                institutions: Mapping[str, str] | None = None) -> tuple[Group, ...]:
    """Deal ``seeded`` entrants into groups by snake, keeping institutions apart if possible."""
    if len(set(seeded)) != len(seeded):
        raise RuleViolation("entrants listed more than once")
    if group_count < 1 or len(seeded) < 2 * group_count:
        raise RuleViolation(f"groups: {len(seeded)} entrants cannot fill {group_count} groups "
                            "of at least 2")
    dealt = [list(g) for g in snake(seeded, group_count)]
    institutions = institutions or {}
    for pot in range(max(len(g) for g in dealt)):
        for group in dealt:
            # only the lower pot moves: a team is checked against the pots above it
            if pot >= len(group) or not _clashes(group[pot], group[:pot], institutions):
                continue
            _swap_within_pot(dealt, group, pot, institutions)
    return tuple(Group(name, tuple(teams)) for name, teams in zip(group_names(group_count),
                                                                  dealt, strict=True))


def _swap_within_pot(dealt: list[list[str]], group: list[str], pot: int,
                     institutions: Mapping[str, str]) -> None:
    for other in dealt:
        if other is group or pot >= len(other):
            continue
        group[pot], other[pot] = other[pot], group[pot]
        if not _clashes(group[pot], group[:pot], institutions) and not _clashes(
                other[pot], other[:pot], institutions):
            return
        group[pot], other[pot] = other[pot], group[pot]


def group_stage(groups: Sequence[Group], *, legs: int = 1) -> dict[str, Bracket]:
    """One round-robin bracket per group, its match ids prefixed by the group's name."""
    return {g.name: round_robin.build(g.teams, legs=legs, prefix=f"{g.name}-") for g in groups}


def qualifiers(tables: Mapping[str, Sequence[StandingRow]],
               per_group: int) -> dict[str, tuple[str, ...]]:
    """The first ``per_group`` teams of each group's final table, for `knockout_from_groups`.

    A tie across the qualifying line (a shared rank that the category's
    tie-breaks left standing) cannot be decided here: it is a `RuleViolation`
    naming the teams, so the organisers add ``lots`` or decide it on the field.
    """
    chosen: dict[str, tuple[str, ...]] = {}
    for group, rows in tables.items():
        if len(rows) < per_group:
            raise RuleViolation(f"group {group}: {len(rows)} teams cannot send {per_group}")
        if len(rows) > per_group and rows[per_group].rank <= rows[per_group - 1].rank:
            tied = [r.team for r in rows if r.rank == rows[per_group - 1].rank]
            raise RuleViolation(f"group {group}: {', '.join(tied)} are tied across the "
                                "qualifying place")
        chosen[group] = tuple(r.team for r in rows[:per_group])
    return chosen


def knockout_from_groups(qualifiers: Mapping[str, Sequence[str]], *,
                         third_place: bool = False) -> Bracket:
    """The knockout after the groups; ``qualifiers`` maps a group to its advancing teams in order.

    Entrant seeds are every group's winner (in group order), then every runner-up, etc.
    """
    names = list(qualifiers)
    per_group = {len(teams) for teams in qualifiers.values()}
    if len(per_group) != 1 or min(per_group) < 1:
        raise RuleViolation("advance_per_group: every group must send the same number (>= 1)")
    depth = per_group.pop()
    entrants = [qualifiers[g][place] for place in range(depth) for g in names]
    if len(entrants) < 2:
        raise RuleViolation("the knockout needs at least 2 qualifiers")
    count = len(names)
    if depth == 2 and count & (count - 1) == 0:
        seed = {team: n for n, team in enumerate(entrants, start=1)}
        if count == 1:
            return single.build(entrants, third_place=third_place)  # A1 against A2
        top, bottom = [], []
        for a, b in zip(names[0::2], names[1::2], strict=True):
            top.append((Slot.seed(seed[qualifiers[a][0]]), Slot.seed(seed[qualifiers[b][1]])))
            bottom.append((Slot.seed(seed[qualifiers[b][0]]), Slot.seed(seed[qualifiers[a][1]])))
        return single.build_from_pairs(entrants, top + bottom, third_place=third_place)
    group_of = {team: g for g in names for team in qualifiers[g]}
    return single.build(separate_first_round(entrants, group_of), third_place=third_place)
