"""The draw of a match category: from its config and teams to the brackets to store.

One call does what the event file asks: seed by the configured strategy, keep
schools apart, then build the bracket (or the groups and their round robins).
A Swiss has no bracket up front: its rounds are paired one by one
(`judging.brackets.swiss.pair_round`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from judging.brackets import double, round_robin, single
from judging.brackets.graph import Bracket
from judging.brackets.groups import Group, draw_groups, group_stage
from judging.brackets.seeding import seed_entrants, separate_first_round
from judging.categories import BracketType, MatchConfig


@dataclass(frozen=True)
class Draw:
    """The seeded order and what was built from it; store ``seeded`` to rebuild it."""

    seeded: tuple[str, ...]
    bracket: Bracket | None = None
    groups: tuple[Group, ...] = ()
    group_brackets: Mapping[str, Bracket] = field(default_factory=dict)


def draw(config: MatchConfig, teams: Sequence[str], *, ranks: Mapping[str, int] | None = None,
         institutions: Mapping[str, str] | None = None) -> Draw:
    """Seed ``teams`` and build the category's bracket (or groups) as configured."""
    seeded = seed_entrants(config.seeding, teams, ranks=ranks, seed=config.seeding_seed)
    schools = institutions if config.separate_institutions and institutions else {}
    kind = config.bracket
    if kind is BracketType.GROUPS_KNOCKOUT:
        groups = draw_groups(seeded, config.groups or 1, schools)
        return Draw(seeded, groups=groups, group_brackets=group_stage(groups, legs=config.legs))
    if kind is BracketType.ROUND_ROBIN:
        return Draw(seeded, round_robin.build(seeded, legs=config.legs))
    if kind is BracketType.SWISS:
        return Draw(seeded)
    if schools:
        seeded = separate_first_round(seeded, schools)
    if kind is BracketType.SINGLE_ELIMINATION:
        return Draw(seeded, single.build(seeded, third_place=config.third_place))
    return Draw(seeded, double.build(seeded, grand_final=config.grand_final))
