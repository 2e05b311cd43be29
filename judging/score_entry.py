"""Rules for entering a rubric sheet: what a judge may submit, and when.

Pure: the server loads the category's rubric and its judging state, asks here whether a
submission is acceptable, and stores it. Every refusal is a `RuleViolation` naming the
field, so the judge's tablet can show it next to the criterion.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from fractions import Fraction
from typing import Any

from judging.errors import RuleViolation
from judging.rubric import RubricRules, ScoreSheet, sheet_total

COMMENT_MAX = 1000


class JudgingState(StrEnum):
    """A judged category's state, set by the head judge."""

    OPEN = "open"          # judges score and correct
    LOCKED = "locked"      # no change accepted
    PUBLISHED = "published"  # locked, and the ranking is final


class ConflictingVersion(RuleViolation):
    """The sheet changed since the writer read it (optimistic locking)."""


def check_scores(rules: RubricRules, scores: Any) -> dict[str, int]:
    """The scores as a plain dict, or a `RuleViolation` naming the first bad field.

    Each value is a whole number from 0 to the criterion's max; unknown criteria are
    refused; a sheet may leave criteria out (it is then incomplete, never averaged).
    """
    if not isinstance(scores, Mapping) or not scores:
        raise RuleViolation("scores: an object {criterion: score} with at least one criterion")
    known = {c.key: c for c in rules.criteria}
    out: dict[str, int] = {}
    for key, value in scores.items():
        criterion = known.get(key) if isinstance(key, str) else None
        if criterion is None:
            raise RuleViolation(f"scores.{key}: unknown criterion (kriteria tidak dikenal); "
                                f"known: {', '.join(known)}")
        if isinstance(value, bool) or not isinstance(value, int) \
                or not 0 <= value <= criterion.max:
            raise RuleViolation(f"scores.{key}: a whole number from 0 to {criterion.max} "
                                f"(got {value!r})")
        out[key] = value
    return out


def check_comment(comment: Any) -> str:
    """A comment is optional text of at most `COMMENT_MAX` characters."""
    if comment is None:
        return ""
    if not isinstance(comment, str) or len(comment) > COMMENT_MAX:
        raise RuleViolation(f"comment: a text of at most {COMMENT_MAX} characters")
    return comment.strip()


def check_can_change(state: JudgingState) -> None:
    """Scores change only while the category is open."""
    if state is not JudgingState.OPEN:
        raise RuleViolation(f"category is {state.value} by the head judge "
                            "(kategori dikunci ketua juri); no change is accepted")


def next_version(current: int, base: int) -> int:
    """The version a new sheet gets, if the writer saw the current one (`base`)."""
    if base != current:
        raise ConflictingVersion(f"base_version: the sheet is at version {current}, "
                                 f"not {base} (sudah diubah orang lain)")
    return current + 1


def total(rules: RubricRules, scores: Mapping[str, int]) -> Fraction | None:
    """The weighted total out of 100 of a complete sheet; None while criteria are missing."""
    if set(scores) != {c.key for c in rules.criteria}:
        return None
    return sheet_total(rules, ScoreSheet("-", "-", scores))


def check_transition(current: JudgingState, wanted: JudgingState) -> None:
    """Publishing needs a lock first; anything else goes (reopening leaves a trace)."""
    if wanted is JudgingState.PUBLISHED and current is JudgingState.OPEN:
        raise RuleViolation("state: lock the category before publishing it "
                            "(kunci dulu sebelum diumumkan)")
    if wanted is current:
        raise RuleViolation(f"state: the category is already {current.value}")
