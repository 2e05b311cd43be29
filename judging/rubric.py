"""Rubric judging: criteria with weight and max, a panel of judges, one score per team.

Each judge's sheet becomes a weighted total out of 100:
``100 * sum(weight * score / max) / sum(weight)``. Across the panel the totals
are averaged, or trimmed (highest and lowest dropped) once at least
``trim_min_judges`` judges scored. Optional per-judge normalisation shifts
each judge's totals so a harsh and a lenient judge count alike. A team scored
by fewer judges than required is ``incomplete``: it is shown with a
provisional score and no rank, never quietly averaged over fewer judges.
Arithmetic is exact (fractions) so ties are real ties.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Any

from judging.errors import RuleViolation


class Aggregation(StrEnum):
    """How the judges' totals become one score."""

    MEAN = "mean"
    TRIMMED_MEAN = "trimmed_mean"


class Normalisation(StrEnum):
    """Per-judge correction of the totals before aggregation."""

    NONE = "none"
    MEAN = "mean"  # shift each judge so their average equals the panel's average


class EntryStatus(StrEnum):
    """How far a team's scoring has got."""

    COMPLETE = "complete"
    INCOMPLETE = "incomplete"
    NOT_SCORED = "not_scored"


@dataclass(frozen=True)
class Criterion:
    """One rubric line: ``weight`` its share, ``max`` the top score a judge may give."""

    key: str
    name: str
    weight: int
    max: int

    def __post_init__(self) -> None:
        if self.weight <= 0 or self.max <= 0:
            raise RuleViolation(f"criterion {self.key}: weight and max must be > 0")


@dataclass(frozen=True)
class RubricRules:
    """A judged category's rules."""

    criteria: tuple[Criterion, ...]
    judges_required: int = 1
    aggregation: Aggregation = Aggregation.MEAN
    trim_min_judges: int = 5
    normalisation: Normalisation = Normalisation.NONE
    tie_break: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        keys = [c.key for c in self.criteria]
        if not keys or len(set(keys)) != len(keys):
            raise RuleViolation("criteria: need at least one, with unique keys")
        if self.judges_required < 1:
            raise RuleViolation("judges_required: must be >= 1")
        if self.trim_min_judges < 3:
            raise RuleViolation("trim_min_judges: must be >= 3 (two scores are dropped)")
        unknown = [k for k in self.tie_break if k not in keys]
        if unknown:
            raise RuleViolation(f"tie_break: unknown criterion {', '.join(unknown)}")


@dataclass(frozen=True)
class ScoreSheet:
    """One judge's scores for one team, criterion key -> score."""

    judge: str
    team: str
    scores: Mapping[str, int | float]


@dataclass(frozen=True)
class RubricEntry:
    """A team's place. ``score`` is exact; ``rank`` is ``None`` unless complete."""

    rank: int | None
    team: str
    status: EntryStatus
    score: Fraction | None
    judges: tuple[str, ...]
    dropped: tuple[str, ...] = ()
    incomplete_sheets: tuple[str, ...] = ()
    criteria_means: tuple[tuple[str, Fraction], ...] = ()
    shared: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly: scores as floats rounded to 3 decimals."""
        return {
            "rank": self.rank, "team": self.team, "status": str(self.status),
            "score": None if self.score is None else float(round(self.score, 3)),
            "provisional": self.status is not EntryStatus.COMPLETE,
            "judges": list(self.judges), "dropped": list(self.dropped),
            "incomplete_sheets": list(self.incomplete_sheets),
            "criteria": {k: float(round(v, 3)) for k, v in self.criteria_means},
            "shared": self.shared,
        }


def _is_complete(rules: RubricRules, sheet: ScoreSheet) -> bool:
    known = {c.key: c for c in rules.criteria}
    for key, value in sheet.scores.items():
        criterion = known.get(key)
        if criterion is None:
            raise RuleViolation(f"{sheet.judge}/{sheet.team}: unknown criterion {key!r}")
        if not 0 <= value <= criterion.max:
            raise RuleViolation(
                f"{sheet.judge}/{sheet.team}: {key} must be 0..{criterion.max}, got {value}")
    return set(sheet.scores) == set(known)


def sheet_total(rules: RubricRules, sheet: ScoreSheet) -> Fraction:
    """The judge's weighted total out of 100; a `RuleViolation` for a partial sheet."""
    if not _is_complete(rules, sheet):
        missing = sorted({c.key for c in rules.criteria} - set(sheet.scores))
        raise RuleViolation(f"{sheet.judge}/{sheet.team}: missing {', '.join(missing)}")
    weights = sum(c.weight for c in rules.criteria)
    total = sum(Fraction(c.weight) * Fraction(sheet.scores[c.key]) / c.max
                for c in rules.criteria)
    return 100 * total / weights


def _offsets(rules: RubricRules, totals: Mapping[tuple[str, str], Fraction]) -> dict[str, Fraction]:
    judges = sorted({judge for judge, _ in totals})
    if rules.normalisation is Normalisation.NONE or not totals:
        return dict.fromkeys(judges, Fraction(0))
    overall = sum(totals.values()) / len(totals)
    offsets = {}
    for judge in judges:
        own = [v for (j, _), v in totals.items() if j == judge]
        offsets[judge] = overall - sum(own) / len(own)
    return offsets


def _aggregate(rules: RubricRules, by_judge: Mapping[str, Fraction]) -> tuple[Fraction, tuple]:
    ordered = sorted(by_judge, key=lambda j: (by_judge[j], j))
    dropped: tuple[str, ...] = ()
    if rules.aggregation is Aggregation.TRIMMED_MEAN and len(ordered) >= rules.trim_min_judges:
        dropped = (ordered[0], ordered[-1])
        ordered = ordered[1:-1]
    return sum(by_judge[j] for j in ordered) / len(ordered), dropped


def _collect(rules: RubricRules, teams: Sequence[str], sheets: Iterable[ScoreSheet]):
    totals: dict[tuple[str, str], Fraction] = {}
    partial: dict[str, list[str]] = {t: [] for t in teams}
    by_key: dict[tuple[str, str], ScoreSheet] = {}
    for sheet in sheets:
        if sheet.team not in partial:
            raise RuleViolation(f"{sheet.judge}: team {sheet.team} is not in this category")
        if (sheet.judge, sheet.team) in by_key:
            raise RuleViolation(f"{sheet.judge}/{sheet.team}: more than one sheet")
        by_key[(sheet.judge, sheet.team)] = sheet
        if _is_complete(rules, sheet):
            totals[(sheet.judge, sheet.team)] = sheet_total(rules, sheet)
        else:
            partial[sheet.team].append(sheet.judge)
    return totals, partial, by_key


def _entry(rules: RubricRules, team: str, totals, partial, by_key, offsets) -> RubricEntry:
    by_judge = {j: v + offsets[j] for (j, t), v in totals.items() if t == team}
    incomplete = tuple(sorted(partial[team]))
    if not by_judge:
        status = EntryStatus.INCOMPLETE if incomplete else EntryStatus.NOT_SCORED
        return RubricEntry(None, team, status, None, (), incomplete_sheets=incomplete)
    score, dropped = _aggregate(rules, by_judge)
    counted = [j for j in sorted(by_judge) if j not in dropped]
    means = tuple((c.key, sum(Fraction(by_key[(j, team)].scores[c.key]) for j in counted)
                   / len(counted)) for c in rules.criteria)
    complete = len(by_judge) >= rules.judges_required
    status = EntryStatus.COMPLETE if complete else EntryStatus.INCOMPLETE
    return RubricEntry(None, team, status, score, tuple(sorted(by_judge)), dropped,
                       incomplete, means)


def rank_rubric(rules: RubricRules, teams: Sequence[str],
                sheets: Iterable[ScoreSheet]) -> tuple[RubricEntry, ...]:
    """Every team's aggregated score and rank, best first.

    Complete entries are ranked by score, then by the mean of each
    ``tie_break`` criterion; equal on all of them they share a rank.
    Incomplete and unscored teams follow, unranked, by team code.
    """
    if len(set(teams)) != len(teams):
        raise RuleViolation("teams: a team is listed more than once")
    totals, partial, by_key = _collect(rules, teams, sheets)
    offsets = _offsets(rules, totals)
    entries = [_entry(rules, t, totals, partial, by_key, offsets) for t in teams]

    def key(entry: RubricEntry) -> tuple:
        means = dict(entry.criteria_means)
        return (-entry.score, *(-means[k] for k in rules.tie_break))

    complete = sorted((e for e in entries if e.status is EntryStatus.COMPLETE),
                      key=lambda e: (key(e), e.team))
    ranked: list[RubricEntry] = []
    for index, entry in enumerate(complete):
        rank = index + 1
        if index and key(complete[index - 1]) == key(entry):
            rank = ranked[-1].rank
        shared = any(key(o) == key(entry) for o in complete if o is not entry)
        ranked.append(RubricEntry(rank, entry.team, entry.status, entry.score, entry.judges,
                                  entry.dropped, entry.incomplete_sheets,
                                  entry.criteria_means, shared))
    rest = sorted((e for e in entries if e.status is not EntryStatus.COMPLETE),
                  key=lambda e: e.team)
    return (*ranked, *rest)
