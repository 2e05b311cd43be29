"""Protest windows (sanggah) and when a category's result becomes official (resmi).

Every result (a run, a match, a score sheet) opens a window of ``window_min`` minutes
in which the team may file a protest. A category's result is *sementara*
(provisional) while any window is open or any protest is undecided; it becomes
*resmi* (official) when the last window has closed and no protest is open, or at once
when the head judge finalises it. The moment it became official is part of the
answer, since the official documents print it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from judging.errors import RuleViolation


class ResultState(StrEnum):
    PROVISIONAL = "provisional"
    OFFICIAL = "official"


class ProtestStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Protest:
    filed_at: datetime
    status: ProtestStatus
    decided_at: datetime | None = None


def window_closes(result_at: datetime, window_min: int) -> datetime:
    """When the protest window of a result stored at ``result_at`` closes."""
    if window_min < 0:
        raise RuleViolation("protest_window_min: a whole number >= 0")
    return result_at + timedelta(minutes=window_min)


def check_filing(result_at: datetime, window_min: int, now: datetime) -> None:
    """Refuse a protest filed after its result's window closed."""
    if now >= window_closes(result_at, window_min):
        raise RuleViolation("protest: the window for this result has closed")


def check_decision(protest: Protest, accept: bool, reason: str) -> ProtestStatus:
    """A protest is decided once, with a reason; returns its new status."""
    if protest.status is not ProtestStatus.OPEN:
        raise RuleViolation("protest: already decided")
    if not reason.strip():
        raise RuleViolation("reason: required")
    return ProtestStatus.ACCEPTED if accept else ProtestStatus.REJECTED


@dataclass(frozen=True)
class CategoryState:
    state: ResultState
    official_at: datetime | None
    open_protests: int


def category_state(result_times: Iterable[datetime], window_min: int,
                   protests: Iterable[Protest], now: datetime,
                   finalised_at: datetime | None = None) -> CategoryState:
    """Whether a category's result is provisional or official, and since when."""
    protests = list(protests)
    open_count = sum(1 for p in protests if p.status is ProtestStatus.OPEN)
    if finalised_at is not None and finalised_at <= now:
        return CategoryState(ResultState.OFFICIAL, finalised_at, open_count)
    times = list(result_times)
    if not times or open_count:
        return CategoryState(ResultState.PROVISIONAL, None, open_count)
    moments = [window_closes(max(times), window_min)]
    moments += [p.decided_at for p in protests if p.decided_at is not None]
    official_at = max(moments)
    if official_at > now:
        return CategoryState(ResultState.PROVISIONAL, None, 0)
    return CategoryState(ResultState.OFFICIAL, official_at, 0)
