"""Technical inspection (pemeriksaan teknis): a category's checklist and its verdicts.

A checklist is data from the event file::

    inspection = [
      { key = "massa",  name = "Massa",  kind = "max", limit = 3000, unit = "g" },
      { key = "ukuran", name = "Ukuran", kind = "box", limit = [20, 20, 20], unit = "cm" },
      { key = "tegangan", name = "Tegangan", kind = "max", limit = 12, unit = "V" },
      { key = "tanpa_mcu", name = "Tanpa mikrokontroler", kind = "yes" },
    ]

Kinds: ``max`` (measured <= limit), ``min`` (measured >= limit), ``box`` (three measured
sides fit the three limits in some orientation: sorted side by sorted side), ``yes`` /
``no`` (the inspector ticks whether the statement holds; ``yes`` must hold, ``no`` must
not). An item with no value recorded fails as "not measured". A team's status is its
latest inspection's verdict: a failed team can be re-inspected after repair, and every
inspection is kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from judging.errors import RuleViolation


class ItemKind(StrEnum):
    MAX = "max"
    MIN = "min"
    BOX = "box"
    YES = "yes"
    NO = "no"


class Status(StrEnum):
    """A team's inspection status in a category."""

    NOT_INSPECTED = "not_inspected"
    PASSED = "passed"
    FAILED = "failed"


@dataclass(frozen=True)
class Item:
    """One line of the checklist."""

    key: str
    name: str
    kind: ItemKind
    limit: float | tuple[float, float, float] | None = None
    unit: str = ""


@dataclass(frozen=True)
class ItemResult:
    key: str
    passed: bool
    value: Any
    reason: str = ""


@dataclass(frozen=True)
class Verdict:
    passed: bool
    items: tuple[ItemResult, ...]

    @property
    def failed_keys(self) -> tuple[str, ...]:
        return tuple(r.key for r in self.items if not r.passed)


_ITEM_KEYS = {"key", "name", "kind", "limit", "unit"}


def parse_checklist(raw: object, where: str = "inspection") -> tuple[Item, ...]:
    """Turn the event file's ``inspection`` list into items, or name what is wrong."""
    if not isinstance(raw, list) or not raw:
        raise RuleViolation(f"{where}: a non-empty list of checklist items")
    items, seen = [], set()
    for n, entry in enumerate(raw, start=1):
        at = f"{where}[{n}]"
        if not isinstance(entry, Mapping):
            raise RuleViolation(f"{at}: a table with key, name and kind")
        unknown = set(entry) - _ITEM_KEYS
        if unknown:
            raise RuleViolation(f"{at}.{sorted(unknown)[0]}: unknown key")
        key, name = entry.get("key"), entry.get("name")
        if not isinstance(key, str) or not key.strip():
            raise RuleViolation(f"{at}.key: required text")
        if key in seen:
            raise RuleViolation(f"{at}.key: {key!r} appears twice")
        seen.add(key)
        if not isinstance(name, str) or not name.strip():
            raise RuleViolation(f"{at}.name: required text")
        try:
            kind = ItemKind(entry.get("kind"))
        except ValueError:
            raise RuleViolation(f"{at}.kind: one of max, min, box, yes, no") from None
        unit = entry.get("unit", "")
        if not isinstance(unit, str):
            raise RuleViolation(f"{at}.unit: text")
        items.append(Item(key, name, kind, _limit(kind, entry.get("limit"), at), unit))
    return tuple(items)


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _limit(kind: ItemKind, limit: object, at: str) -> float | tuple[float, float, float] | None:
    if kind in (ItemKind.YES, ItemKind.NO):
        if limit is not None:
            raise RuleViolation(f"{at}.limit: a yes/no item has no limit")
        return None
    if kind is ItemKind.BOX:
        if not (isinstance(limit, list) and len(limit) == 3
                and all(_number(v) and v > 0 for v in limit)):
            raise RuleViolation(f"{at}.limit: three numbers > 0 (the largest size)")
        return (float(limit[0]), float(limit[1]), float(limit[2]))
    if not _number(limit):
        raise RuleViolation(f"{at}.limit: a number")
    return float(limit)


def check_item(item: Item, value: Any) -> ItemResult:
    """The verdict on one item for the value the inspector recorded."""
    if value is None:
        return ItemResult(item.key, False, None, "not measured")
    if item.kind in (ItemKind.YES, ItemKind.NO):
        if not isinstance(value, bool):
            raise RuleViolation(f"{item.key}: yes or no")
        ok = value is (item.kind is ItemKind.YES)
        return ItemResult(item.key, ok, value, "" if ok else "does not hold")
    if item.kind is ItemKind.BOX:
        if not (isinstance(value, list | tuple) and len(value) == 3
                and all(_number(v) and v >= 0 for v in value)):
            raise RuleViolation(f"{item.key}: three numbers >= 0")
        ok = all(m <= lim for m, lim in zip(sorted(value), sorted(item.limit), strict=True))
        return ItemResult(item.key, ok, tuple(value), "" if ok else "too large")
    if not _number(value):
        raise RuleViolation(f"{item.key}: a number")
    ok = value <= item.limit if item.kind is ItemKind.MAX else value >= item.limit
    reason = "" if ok else ("above the limit" if item.kind is ItemKind.MAX else "below the minimum")
    return ItemResult(item.key, ok, value, reason)


def verdict(checklist: Sequence[Item], values: Mapping[str, Any]) -> Verdict:
    """Check every item; unknown keys in ``values`` are the caller's mistake."""
    known = {i.key for i in checklist}
    for key in values:
        if key not in known:
            raise RuleViolation(f"values.{key}: not an item of this checklist")
    results = tuple(check_item(item, values.get(item.key)) for item in checklist)
    return Verdict(all(r.passed for r in results), results)


@dataclass(frozen=True)
class Inspection:
    """One recorded inspection of a team (kept forever; the latest one counts)."""

    at: datetime
    passed: bool


def status(history: Iterable[Inspection]) -> Status:
    """A team's status: its latest inspection's verdict."""
    latest = max(history, key=lambda i: i.at, default=None)
    if latest is None:
        return Status.NOT_INSPECTED
    return Status.PASSED if latest.passed else Status.FAILED


def may_compete(required: bool, current: Status) -> str | None:
    """None when the team may compete; otherwise the reason it may not."""
    if not required or current is Status.PASSED:
        return None
    if current is Status.FAILED:
        return "failed technical inspection"
    return "not yet inspected"
