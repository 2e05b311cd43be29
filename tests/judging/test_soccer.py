"""Soccer matches: halves, draws in groups, golden goal, shoot-out, mercy rule."""

import pytest

from judging.errors import RuleViolation
from judging.match import Decision, MatchResult, Side
from judging.soccer import KnockoutTieBreak, SoccerRules, SoccerScore, soccer_result

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
