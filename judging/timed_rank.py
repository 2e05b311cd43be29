"""Ranking of timed categories from their attempts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from judging.errors import RuleViolation
from judging.timed_run import RunStatus


@dataclass(frozen=True, slots=True)
class Attempt:
    """One run of a team in a timed category, as the ranking sees it."""

    team: str
    attempt: int
    status: RunStatus
    elapsed_us: int | None

    def __post_init__(self) -> None:
        # Accept the wire string ("finished") as well as the enum member.
        object.__setattr__(self, "status", RunStatus(self.status))
        if self.status is RunStatus.finished and not _is_time(self.elapsed_us):
            raise RuleViolation(
                f"elapsed_us: finished attempt {self.attempt} of {self.team} has no time"
            )


@dataclass(frozen=True, slots=True)
class RankEntry:
    """One line of a ranking; `rank` None for teams without a finished attempt."""

    rank: int | None
    team: str
    best_us: int | None
    status: str
    times_us: tuple[int, ...]


def _is_time(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _by_team(teams: Sequence[str], attempts: Sequence[Attempt]) -> dict[str, list[Attempt]]:
    """Attempts grouped by team; attempts of teams not in `teams` are left out."""
    grouped: dict[str, list[Attempt]] = {team: [] for team in teams}
    seen: set[tuple[str, int]] = set()
    for attempt in attempts:
        key = (attempt.team, attempt.attempt)
        if key in seen:
            raise RuleViolation(f"attempt: {attempt.team} has attempt {attempt.attempt} twice")
        seen.add(key)
        if attempt.team in grouped:
            grouped[attempt.team].append(attempt)
    return grouped


def team_status(attempts: Sequence[Attempt]) -> str:
    """"finished" if any attempt finished, else the latest attempt's status."""
    if any(a.status is RunStatus.finished for a in attempts):
        return str(RunStatus.finished)
    if not attempts:
        return "not_started"
    return str(max(attempts, key=lambda a: a.attempt).status)


def rank_timed(teams: Sequence[str], attempts: Sequence[Attempt]) -> list[RankEntry]:
    """Rank teams by their finished times: best first, ties by next-best, then next.

    Teams whose finished times are all equal share a rank (1, 1, 3). Teams
    without a finished attempt come last with rank None, ordered by code.
    Raises RuleViolation if a (team, attempt) pair appears twice.
    """
    grouped = _by_team(teams, attempts)
    finished: list[tuple[tuple[int, ...], str]] = []
    unfinished: list[str] = []
    for team, runs in grouped.items():
        times = tuple(sorted(a.elapsed_us for a in runs if a.status is RunStatus.finished))
        if times:
            finished.append((times, team))
        else:
            unfinished.append(team)
    # One more finished run beats none at all: a missing time sorts after any time.
    finished.sort(key=lambda item: (item[0] + (float("inf"),), item[1]))
    entries: list[RankEntry] = []
    previous: tuple[int, ...] | None = None
    rank = 0
    for position, (times, team) in enumerate(finished, start=1):
        if times != previous:
            rank = position
            previous = times
        entries.append(RankEntry(rank, team, times[0], team_status(grouped[team]), times))
    for team in sorted(unfinished):
        entries.append(RankEntry(None, team, None, team_status(grouped[team]), ()))
    return entries
