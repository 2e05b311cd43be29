"""Soccer matches: halves, draws in groups, golden goal, shoot-out, mercy rule."""

import pytest

from judging.categories import parse_category
from judging.errors import RuleViolation
from judging.match import Decision, MatchResult, Side
from judging.soccer import KnockoutTieBreak, SoccerRules, SoccerScore, soccer_result
from judging.standings import standings

RULES = SoccerRules()
GOLDEN = SoccerRules(knockout_tie_break=KnockoutTieBreak.GOLDEN_GOAL)


def test_goals_of_both_halves_decide():
    result = soccer_result("A-R1-1", "X", "Y", RULES, SoccerScore(1, 0, 1, 2, home_fouls=1),
                           knockout=False)
    assert result == MatchResult("A-R1-1", "X", "Y", None, 2, 2, Decision.DRAW, home_fouls=1)
    result = soccer_result("W1-1", "X", "Y", RULES, SoccerScore(3, 0, 0, 1), knockout=True)
    assert result == MatchResult("W1-1", "X", "Y", "X", 3, 1, Decision.SCORE)


def test_level_knockout_needs_its_tie_break():
    with pytest.raises(RuleViolation, match="needs a shootout"):
        soccer_result("W1-1", "X", "Y", RULES, SoccerScore(1, 1), knockout=True)
    shootout = soccer_result("W1-1", "X", "Y", RULES, SoccerScore(1, 1, shootout=(3, 4)),
                             knockout=True)
    assert shootout == MatchResult("W1-1", "X", "Y", "Y", 1, 1, Decision.SHOOTOUT,
                                   home_shootout=3, away_shootout=4)
    golden = soccer_result("W2-1", "X", "Y", GOLDEN, SoccerScore(0, 0, golden_goal=Side.HOME),
                           knockout=True)
    assert golden == MatchResult("W2-1", "X", "Y", "X", 1, 0, Decision.GOLDEN_GOAL)
    after_golden = soccer_result("W2-1", "X", "Y", GOLDEN, SoccerScore(0, 0, shootout=(2, 1)),
                                 knockout=True)
    assert after_golden.winner == "X"
    with pytest.raises(RuleViolation, match="no golden goal"):
        soccer_result("W1-1", "X", "Y", RULES, SoccerScore(0, 0, golden_goal=Side.HOME),
                      knockout=True)
    with pytest.raises(RuleViolation, match="needs a winner"):
        soccer_result("W1-1", "X", "Y", RULES, SoccerScore(0, 0, shootout=(2, 2)), knockout=True)
    with pytest.raises(RuleViolation, match="may end level"):
        soccer_result("A-R1-1", "X", "Y", RULES, SoccerScore(0, 0, shootout=(2, 1)),
                      knockout=False)


def test_mercy_rule_caps_the_goal_difference():
    capped = soccer_result("A-R1-1", "X", "Y", RULES, SoccerScore(10, 0), knockout=False)
    assert (capped.home_score, capped.away_score) == (10, 0)
    with pytest.raises(RuleViolation, match="ends the game at half time"):
        soccer_result("A-R1-1", "X", "Y", RULES, SoccerScore(10, 0, 1, 0), knockout=False)
    with pytest.raises(RuleViolation, match="stops at a 10-goal lead"):
        soccer_result("A-R1-1", "X", "Y", RULES, SoccerScore(6, 0, 5, 0), knockout=False)
    uncapped = SoccerRules(mercy_difference=None)
    assert soccer_result("A-R1-1", "X", "Y", uncapped, SoccerScore(6, 0, 9, 0),
                         knockout=False).home_score == 15


def test_group_table_from_referee_records_with_a_head_to_head_tie():
    config = parse_category({"slug": "soccer-smp", "name": "Soccer SMP", "format": "match",
                             "match": "soccer", "bracket": "round_robin"}).match
    records = [("A-R1-1", "N1", "N2", SoccerScore(1, 0, 1, 1)),
               ("A-R1-2", "N3", "N4", SoccerScore(0, 0, 0, 0)),
               ("A-R2-1", "N1", "N3", SoccerScore(0, 1, 0, 0)),
               ("A-R2-2", "N2", "N4", SoccerScore(2, 0, 1, 0, away_fouls=2)),
               ("A-R3-1", "N1", "N4", SoccerScore(0, 1, 1, 0)),
               ("A-R3-2", "N2", "N3", SoccerScore(0, 0, 2, 0))]
    results = [soccer_result(mid, h, a, config.soccer, s, knockout=False)
               for mid, h, a, s in records]
    rows = standings(["N1", "N2", "N3", "N4"], results, config.standings)
    table = [(r.rank, r.team, r.record.played, r.record.won, r.record.drawn, r.record.lost,
              r.record.score_for, r.record.score_against, r.record.goal_difference,
              r.record.points) for r in rows]
    # N1 and N3 both have 4 points; N3 beat N1, so N3 is second despite the worse difference.
    assert table == [(1, "N2", 3, 2, 0, 1, 6, 2, 4, 6),
                     (2, "N3", 3, 1, 1, 1, 1, 2, -1, 4),
                     (3, "N1", 3, 1, 1, 1, 3, 3, 0, 4),
                     (4, "N4", 3, 0, 2, 1, 1, 4, -3, 2)]
