"""Rubric judging: the trimmed-mean worked example, incomplete panels, normalisation."""

from fractions import Fraction

import pytest

from judging.errors import RuleViolation
from judging.rubric import (
    Aggregation,
    Criterion,
    EntryStatus,
    Normalisation,
    RubricRules,
    ScoreSheet,
    rank_rubric,
    sheet_total,
)

CRITERIA = (Criterion("inovasi", "Inovasi", 40, 100), Criterion("teknis", "Teknis", 40, 100),
            Criterion("presentasi", "Presentasi", 20, 100))
RULES = RubricRules(CRITERIA, judges_required=5, aggregation=Aggregation.TRIMMED_MEAN,
                    trim_min_judges=5, tie_break=("teknis",))


def sheet(judge, team, inovasi, teknis, presentasi):
    return ScoreSheet(judge, team, {"inovasi": inovasi, "teknis": teknis,
                                    "presentasi": presentasi})


X_SHEETS = [sheet("J1", "X", 80, 70, 90), sheet("J2", "X", 90, 90, 90),
            sheet("J3", "X", 60, 50, 70), sheet("J4", "X", 75, 80, 85),
            sheet("J5", "X", 70, 75, 80)]
Y_SHEETS = [sheet(f"J{i}", "Y", 77, 77, 77) for i in range(1, 6)]
Z_SHEETS = [sheet(f"J{i}", "Z", 100, 100, 100) for i in range(1, 5)]


def test_weighted_total_out_of_100():
    assert [sheet_total(RULES, s) for s in X_SHEETS] == [78, 90, 58, 79, 74]
    half_marks = RubricRules((Criterion("a", "A", 1, 10), Criterion("b", "B", 2, 4)))
    assert sheet_total(half_marks, ScoreSheet("J", "T", {"a": 5, "b": 1})) == Fraction(100, 3)


def test_trimmed_mean_with_criterion_tie_break_and_an_incomplete_panel():
    entries = rank_rubric(RULES, ["X", "Y", "Z"], [*X_SHEETS, *Y_SHEETS, *Z_SHEETS])
    y, x, z = entries
    # X: drop J2 (90) and J3 (58): (78 + 79 + 74) / 3 = 77, level with Y's 77;
    # teknis among the counted judges: X (70 + 80 + 75) / 3 = 75 < Y 77.
    assert (y.rank, y.team, y.score, y.shared) == (1, "Y", 77, False)
    assert (x.rank, x.team, x.score, x.dropped) == (2, "X", 77, ("J3", "J2"))
    assert dict(x.criteria_means)["teknis"] == 75
    assert (z.rank, z.team, z.status, z.score) == (None, "Z", EntryStatus.INCOMPLETE, 100)
    assert z.to_dict() == {"rank": None, "team": "Z", "status": "incomplete", "score": 100.0,
                           "provisional": True, "judges": ["J1", "J2", "J3", "J4"],
                           "dropped": [], "incomplete_sheets": [],
                           "criteria": {"inovasi": 100.0, "teknis": 100.0, "presentasi": 100.0},
                           "shared": False}


def test_plain_mean_below_the_trim_threshold():
    rules = RubricRules(CRITERIA, judges_required=3, aggregation=Aggregation.TRIMMED_MEAN,
                        trim_min_judges=5)
    entries = rank_rubric(rules, ["X", "W"], [*X_SHEETS[:3],
                                              *(sheet(f"J{i}", "W", 75, 75, 76) for i in (1, 2, 3))])
    assert [(e.rank, e.team, e.score) for e in entries] == [
        (1, "X", Fraction(226, 3)), (2, "W", Fraction(376, 5))]


def test_partial_sheet_is_visible_not_averaged_away():
    partial = ScoreSheet("J5", "Y", {"inovasi": 77, "teknis": 77})
    entries = rank_rubric(RULES, ["Y", "V"], [*Y_SHEETS[:4], partial])
    assert [(e.team, e.status, e.rank, e.incomplete_sheets, e.judges) for e in entries] == [
        ("V", EntryStatus.NOT_SCORED, None, (), ()),
        ("Y", EntryStatus.INCOMPLETE, None, ("J5",), ("J1", "J2", "J3", "J4")),
    ]


def test_mean_normalisation_removes_a_harsh_judge():
    rules = RubricRules(CRITERIA, judges_required=2, normalisation=Normalisation.MEAN)
    harsh = [sheet("J1", "A", 60, 60, 60), sheet("J1", "B", 40, 40, 40)]
    lenient = [sheet("J2", "A", 70, 70, 70), sheet("J2", "B", 90, 90, 90)]
    # J1 averages 50, J2 80, panel 65: A = (75 + 55) / 2 = 65, B = (55 + 75) / 2 = 65.
    entries = rank_rubric(rules, ["A", "B"], harsh + lenient)
    assert [(e.rank, e.team, e.score) for e in entries] == [(1, "A", 65), (1, "B", 65)]
    plain = rank_rubric(RubricRules(CRITERIA, judges_required=2), ["A", "B"], harsh + lenient)
    assert [(e.rank, e.team, e.score) for e in plain] == [(1, "A", 65), (1, "B", 65)]
    skewed = [sheet("J1", "A", 60, 60, 60), sheet("J2", "A", 70, 70, 70),
              sheet("J2", "B", 90, 90, 90), sheet("J1", "B", 50, 50, 50),
              sheet("J1", "C", 10, 10, 10), sheet("J2", "C", 80, 80, 80)]
    normalised = rank_rubric(rules, ["A", "B", "C"], skewed)
    # J1 mean 40, J2 mean 80, panel 60: J1 +20, J2 -20.
    assert [(e.team, e.score) for e in normalised] == [("B", 70), ("A", 65), ("C", 45)]


def test_bad_scores_are_refused():
    with pytest.raises(RuleViolation, match="teknis must be 0..100, got 101"):
        rank_rubric(RULES, ["X"], [sheet("J1", "X", 1, 101, 1)])
    with pytest.raises(RuleViolation, match="unknown criterion 'gaya'"):
        rank_rubric(RULES, ["X"], [ScoreSheet("J1", "X", {"gaya": 1})])
    with pytest.raises(RuleViolation, match="J1/X: more than one sheet"):
        rank_rubric(RULES, ["X"], [X_SHEETS[0], X_SHEETS[0]])
    with pytest.raises(RuleViolation, match="team Q is not in this category"):
        rank_rubric(RULES, ["X"], [sheet("J1", "Q", 1, 1, 1)])
    with pytest.raises(RuleViolation, match="tie_break: unknown criterion gaya"):
        RubricRules(CRITERIA, tie_break=("gaya",))
    with pytest.raises(RuleViolation, match="missing presentasi"):
        sheet_total(RULES, ScoreSheet("J1", "X", {"inovasi": 1, "teknis": 1}))
