"""Best-of-N series."""

import pytest

from judging.errors import RuleViolation
from judging.match import Decision, MatchResult, Side
from judging.series import SeriesState, series_result, series_state


def test_first_to_a_majority_wins_and_draws_are_replayed():
    assert series_state(3, [Side.HOME, None, Side.AWAY]) == SeriesState(3, 1, 1, None)
    assert series_state(3, [Side.HOME, None, Side.AWAY, Side.AWAY]).winner is Side.AWAY
    assert series_state(5, [Side.HOME] * 3).wins_needed == 3
    with pytest.raises(RuleViolation, match="game 3 recorded after"):
        series_state(3, [Side.HOME, Side.HOME, Side.AWAY])
    with pytest.raises(RuleViolation, match="odd number"):
        series_state(4, [])


def test_series_result_counts_games_and_fouls():
    games = [MatchResult("GF-g1", "A", "B", "A", 2, 1, home_fouls=1),
             MatchResult("GF-g2", "B", "A", "B", 1, 0),
             MatchResult("GF-g3", "A", "B", "A", 1, 0, away_fouls=2)]
    assert series_result("GF", "A", "B", 3, games) == MatchResult(
        "GF", "A", "B", "A", 2, 1, Decision.SERIES, home_fouls=1, away_fouls=2)
    with pytest.raises(RuleViolation, match="not decided yet \\(1-1\\)"):
        series_result("GF", "A", "B", 3, games[:2])
    with pytest.raises(RuleViolation, match="is not A against C"):
        series_result("GF", "A", "C", 3, games)
