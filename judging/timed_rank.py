"""Ranking of timed categories from their attempts.

`rank_timed(teams, attempts)` alone is the rule of docs/internals.md §2 (best
finished time, ties by next-best). `RankingRules` extends it with the other
rules an event may choose (`ranking`, `best_n`): the sum or average of the best n
runs. Penalties are already in each attempt's time (`TimedConfig.penalised_us`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum

from judging.errors import RuleViolation
from judging.timed_run import RunStatus

_INF = float("inf")


@dataclass(frozen=True, slots=True)
class Attempt:
    """One run of a team in a timed category, as the ranking sees it.

    `elapsed_us` already holds the run's penalties.
    """

    team: str
    attempt: int
    status: RunStatus
    elapsed_us: int | None

    def __post_init__(self) -> None:
        # Accept the wire string ("finished") as well as the enum member.
        try:
            object.__setattr__(self, "status", RunStatus(self.status))
        except ValueError:
            raise RuleViolation(f"status: {self.status!r} is not a run status") from None
        if self.status is RunStatus.finished and not _is_time(self.elapsed_us):
            raise RuleViolation(
                f"elapsed_us: finished attempt {self.attempt} of {self.team} has no time"
            )


class RankingMethod(StrEnum):
    """How a team's finished times become its result (event file `ranking`)."""

    best = "best"
    sum_best_n = "sum_best_n"
    average_best_n = "average_best_n"


@dataclass(frozen=True, slots=True)
class RankingRules:
    """The ranking rules a timed category chose; the defaults are internals §2.

    `n`: how many best finished runs `sum_best_n` and `average_best_n` count.
    """

    method: RankingMethod = RankingMethod.best
    n: int = 1

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "method", RankingMethod(self.method))
        except ValueError:
            names = ", ".join(m.value for m in RankingMethod)
            raise RuleViolation(f"ranking: must be one of {names}") from None
        if isinstance(self.n, bool) or not isinstance(self.n, int) or self.n < 1:
            raise RuleViolation("n: must be an integer >= 1")


DEFAULT_RULES = RankingRules()


@dataclass(frozen=True, slots=True)
class RankEntry:
    """One line of a ranking; `rank` None for teams the ranking cannot place.

    `times_us`: the team's finished times with penalties, ascending.
    Extensions: `score_us`, what sum_best_n or average_best_n ranks by (the
    sum or truncated mean of the best n; None under best).
    """

    rank: int | None
    team: str
    best_us: int | None
    status: str
    times_us: tuple[int, ...]
    score_us: int | None = None


def _is_time(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def scored_times(attempts: Sequence[Attempt]) -> tuple[int, ...]:
    """The finished times (penalties included), ascending."""
    return tuple(sorted(a.elapsed_us for a in attempts if a.status is RunStatus.finished))


def finished_key(times: tuple[int, ...], rules: RankingRules) -> tuple:
    """Sort key of a team with finished times under `rules` (smaller is better).

    best: the times in order, so ties go to the next-best; one more finished
    run beats none at all. sum/average of the best n: more counted runs first
    (finishing a run never hurts), then their sum (the same order as their
    mean), then the times as for best.
    """
    lexical = times + (_INF,)
    if rules.method is RankingMethod.best:
        return lexical
    counted = times[: rules.n]
    return (-len(counted), sum(counted), lexical)


def score_us(times: tuple[int, ...], rules: RankingRules) -> int | None:
    """The number a team is ranked by, as shown: the sum or mean (truncated).

    None under `best`, where `best_us` already is that number (and entries
    stay equal to those of the original five-field ranking).
    """
    if rules.method is RankingMethod.best:
        return None
    counted = times[: rules.n]
    if rules.method is RankingMethod.sum_best_n:
        return sum(counted)
    return sum(counted) // len(counted)


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


def rank_timed(
    teams: Sequence[str],
    attempts: Sequence[Attempt],
    rules: RankingRules | None = None,
    disqualified: Collection[str] = (),
) -> list[RankEntry]:
    """Rank the teams of a timed category, best first.

    With the default rules: best finished time first, ties by next-best,
    then next; teams equal on everything share a rank (1, 1, 3); teams
    without a finished attempt come last with rank None, ordered by code.
    `rules` may choose another method (sum or average of the best n).
    Teams in `disqualified` are out of the category: rank None, status "dsq".
    Attempts of teams not in `teams` are ignored; raises RuleViolation if a
    (team, attempt) pair appears twice.
    """
    rules = DEFAULT_RULES if rules is None else rules
    grouped = _by_team(teams, attempts)
    placed: list[tuple[tuple, str, RankEntry]] = []
    unplaced: list[RankEntry] = []
    for team, runs in grouped.items():
        if team in disqualified:
            unplaced.append(RankEntry(None, team, None, str(RunStatus.dsq), ()))
            continue
        entry, key = _entry(team, runs, rules)
        if key is None:
            unplaced.append(entry)
        else:
            placed.append((key, team, entry))
    placed.sort(key=lambda item: (item[0], item[1]))
    entries = _with_ranks(placed)
    entries.extend(sorted(unplaced, key=lambda e: e.team))
    return entries


def _entry(team: str, runs: list[Attempt], rules: RankingRules) -> tuple[RankEntry, tuple | None]:
    """A team's entry (rank still unset) and its sort key, None when unplaced."""
    status = team_status(runs)
    times = scored_times(runs)
    if times:
        entry = RankEntry(None, team, times[0], status, times, score_us(times, rules))
        return entry, finished_key(times, rules)
    return RankEntry(None, team, None, status, ()), None


def _with_ranks(placed: list[tuple[tuple, str, RankEntry]]) -> list[RankEntry]:
    """Standard competition ranking (1, 1, 3) over equal keys."""
    entries: list[RankEntry] = []
    previous: tuple | None = None
    rank = 0
    for position, (key, _team, entry) in enumerate(placed, start=1):
        if key != previous:
            rank, previous = position, key
        entries.append(_ranked(entry, rank))
    return entries


def _ranked(entry: RankEntry, rank: int) -> RankEntry:
    return RankEntry(
        rank, entry.team, entry.best_us, entry.status, entry.times_us,
        entry.score_us,
    )
