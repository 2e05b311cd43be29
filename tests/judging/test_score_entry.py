"""Rules for entering a rubric sheet (judging.score_entry)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from judging.errors import RuleViolation
from judging.rubric import Criterion, RubricRules
from judging.score_entry import (
    ConflictingVersion,
    JudgingState,
    check_can_change,
    check_comment,
    check_scores,
    check_transition,
    next_version,
    total,
)

RULES = RubricRules(criteria=(Criterion("inovasi", "Inovasi", 40, 100),
                              Criterion("teknis", "Teknis", 40, 100),
                              Criterion("presentasi", "Presentasi", 20, 10)))


@given(st.dictionaries(st.sampled_from(["inovasi", "teknis", "presentasi", "gaya"]),
                       st.one_of(st.integers(-5, 105), st.booleans(), st.floats(0, 100),
                                 st.text(max_size=3)), min_size=1))
def test_a_sheet_is_accepted_exactly_when_every_value_is_a_whole_number_in_range(scores):
    maxima = {"inovasi": 100, "teknis": 100, "presentasi": 10}
    good = all(k in maxima and type(v) is int and 0 <= v <= maxima[k]
               for k, v in scores.items())
    if good:
        assert check_scores(RULES, scores) == scores
    else:
        with pytest.raises(RuleViolation):
            check_scores(RULES, scores)


def test_refusals_name_the_field():
    with pytest.raises(RuleViolation, match=r"^scores\.presentasi: a whole number from 0 to 10 "):
        check_scores(RULES, {"presentasi": 11})
    with pytest.raises(RuleViolation, match=r"^scores\.gaya: unknown criterion"):
        check_scores(RULES, {"gaya": 1})
    with pytest.raises(RuleViolation, match=r"^scores: "):
        check_scores(RULES, {})
    with pytest.raises(RuleViolation, match=r"^comment: "):
        check_comment("x" * 1001)
    assert check_comment(None) == "" and check_comment("  bagus  ") == "bagus"


def test_total_only_for_a_complete_sheet():
    assert total(RULES, {"inovasi": 80, "teknis": 70}) is None
    assert total(RULES, {"inovasi": 80, "teknis": 70, "presentasi": 9}) == Fraction(78)


def test_versions_and_states():
    assert next_version(0, 0) == 1 and next_version(4, 4) == 5
    with pytest.raises(ConflictingVersion, match="at version 2, not 1"):
        next_version(2, 1)
    check_can_change(JudgingState.OPEN)
    for state in (JudgingState.LOCKED, JudgingState.PUBLISHED):
        with pytest.raises(RuleViolation, match="kategori dikunci"):
            check_can_change(state)
    check_transition(JudgingState.OPEN, JudgingState.LOCKED)
    check_transition(JudgingState.LOCKED, JudgingState.PUBLISHED)
    check_transition(JudgingState.PUBLISHED, JudgingState.OPEN)
    with pytest.raises(RuleViolation, match="lock the category before publishing"):
        check_transition(JudgingState.OPEN, JudgingState.PUBLISHED)
    with pytest.raises(RuleViolation, match="already locked"):
        check_transition(JudgingState.LOCKED, JudgingState.LOCKED)
