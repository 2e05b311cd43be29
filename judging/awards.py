"""Podiums per category and the juara umum medal table by school.

A category's final ranking (ranks already shared by its own tie rules: 1, 2, 2, 4)
decides its places: juara 1-3 are the teams ranked 1-3, so a shared second place gives
two juara 2 and no juara 3 (the next team is ranked 4). ``harapan`` places, when a
category awards them, follow: juara harapan 1 is rank 4, and so on.

The medal table counts each placed team once for its school (a team of three pupils
wins one medal, not three) and orders schools by points (per place, configurable),
then golds, then silvers, then bronzes; schools equal on all of these share a rank.
Harapan places earn points only if the points scheme gives them some.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from judging.errors import RuleViolation

MEDAL_PLACES = 3


@dataclass(frozen=True)
class Ranked:
    """One team in a category's final ranking (``rank`` None: not ranked)."""

    team: str
    institution: str
    rank: int | None


@dataclass(frozen=True)
class Place:
    """A team's award in one category: ``place`` 1-3 are juara, ``harapan`` n counts on."""

    category: str
    team: str
    institution: str
    place: int
    harapan: int = 0

    @property
    def is_medal(self) -> bool:
        return self.harapan == 0


@dataclass(frozen=True)
class PointsScheme:
    """Points a school earns per place; ``harapan`` per juara harapan place (1, 2, ...)."""

    juara: tuple[int, int, int] = (5, 3, 1)
    harapan: tuple[int, ...] = ()

    def points(self, place: Place) -> int:
        if place.is_medal:
            return self.juara[place.place - 1]
        return self.harapan[place.harapan - 1] if place.harapan <= len(self.harapan) else 0


def parse_points(raw: Mapping[str, object] | None, where: str = "awards") -> PointsScheme:
    """Read ``[awards] points = [5, 3, 1]`` and ``harapan_points = [..]`` (both optional)."""
    raw = dict(raw or {})
    unknown = set(raw) - {"points", "harapan_points"}
    if unknown:
        raise RuleViolation(f"{where}.{sorted(unknown)[0]}: unknown key")
    juara = _int_list(raw.get("points", [5, 3, 1]), f"{where}.points")
    if len(juara) != MEDAL_PLACES:
        raise RuleViolation(f"{where}.points: three numbers, for juara 1, 2 and 3")
    harapan = _int_list(raw.get("harapan_points", []), f"{where}.harapan_points")
    return PointsScheme(juara=(juara[0], juara[1], juara[2]), harapan=tuple(harapan))


def _int_list(value: object, where: str) -> list[int]:
    if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value):
        raise RuleViolation(f"{where}: a list of whole numbers >= 0")
    return list(value)


def podium(category: str, ranking: Iterable[Ranked], harapan: int = 0) -> list[Place]:
    """The places of one category, best first; teams sharing a rank share the place."""
    if harapan < 0:
        raise RuleViolation("harapan: a whole number >= 0")
    places = []
    for entry in ranking:
        if entry.rank is None or entry.rank < 1:
            continue
        if entry.rank <= MEDAL_PLACES:
            places.append(Place(category, entry.team, entry.institution, entry.rank))
        elif entry.rank <= MEDAL_PLACES + harapan:
            places.append(Place(category, entry.team, entry.institution, entry.rank,
                                harapan=entry.rank - MEDAL_PLACES))
    places.sort(key=lambda p: (p.place, p.team))
    return places


@dataclass
class MedalRow:
    """One school's line in the juara umum table."""

    institution: str
    gold: int = 0
    silver: int = 0
    bronze: int = 0
    points: int = 0
    rank: int = 0
    places: list[Place] = field(default_factory=list)

    def key(self) -> tuple[int, int, int, int]:
        return (self.points, self.gold, self.silver, self.bronze)

    def as_dict(self) -> dict[str, object]:
        return {"rank": self.rank, "institution": self.institution, "gold": self.gold,
                "silver": self.silver, "bronze": self.bronze, "points": self.points}


def medal_table(places: Iterable[Place], scheme: PointsScheme = PointsScheme()) -> list[MedalRow]:
    """Schools by points, then golds, silvers and bronzes; equal schools share a rank."""
    rows: dict[str, MedalRow] = {}
    for place in places:
        row = rows.setdefault(place.institution, MedalRow(place.institution))
        row.places.append(place)
        row.points += scheme.points(place)
        if place.is_medal:
            if place.place == 1:
                row.gold += 1
            elif place.place == 2:
                row.silver += 1
            else:
                row.bronze += 1
    table = [r for r in rows.values() if r.points or r.gold or r.silver or r.bronze]
    # the name only orders the display of schools that share a rank
    table.sort(key=lambda r: (tuple(-k for k in r.key()), r.institution))
    _share_ranks(table)
    return table


def _share_ranks(table: Sequence[MedalRow]) -> None:
    for i, row in enumerate(table):
        row.rank = table[i - 1].rank if i and table[i - 1].key() == row.key() else i + 1
