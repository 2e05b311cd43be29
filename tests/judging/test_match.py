"""The stored match result and the generic score match."""

import pytest

from judging.errors import RuleViolation
from judging.match import Decision, MatchResult, score_match, walkover


def test_higher_score_wins_and_draws_only_where_allowed():
    assert score_match("R1-1", "A", "B", 3, 5, draw_allowed=False) == MatchResult(
        "R1-1", "A", "B", "B", 3, 5, Decision.SCORE)
    assert score_match("R1-1", "A", "B", 2, 2, draw_allowed=True).winner is None
    with pytest.raises(RuleViolation, match="draw is not allowed"):
        score_match("W1-1", "A", "B", 2, 2, draw_allowed=False)
    with pytest.raises(RuleViolation, match="scores must be >= 0"):
        score_match("W1-1", "A", "B", -1, 2, draw_allowed=False)


def test_result_round_trips_through_json_friendly_dict():
    result = MatchResult("W1-1", "A", "B", "A", 1, 1, Decision.SHOOTOUT,
                         home_shootout=4, away_shootout=3)
    data = result.to_dict()
    assert data == {"match_id": "W1-1", "home": "A", "away": "B", "winner": "A",
                    "home_score": 1, "away_score": 1, "decided_by": "shootout",
                    "home_fouls": 0, "away_fouls": 0, "home_shootout": 4, "away_shootout": 3}
    assert MatchResult.from_dict(data) == result
    assert result.loser == "B" and result.opponent_of("B") == "A"
    with pytest.raises(RuleViolation, match="unknown keys colour"):
        MatchResult.from_dict({**data, "colour": "red"})
    with pytest.raises(RuleViolation, match="unknown decision"):
        MatchResult.from_dict({**data, "decided_by": "coin"})


def test_impossible_results_are_refused():
    with pytest.raises(RuleViolation, match="cannot play itself"):
        MatchResult("W1-1", "A", "A", "A")
    with pytest.raises(RuleViolation, match="neither A nor B"):
        MatchResult("W1-1", "A", "B", "C")
    assert walkover("W1-1", "A", "B", "B") == MatchResult("W1-1", "A", "B", "B",
                                                          decided_by=Decision.WALKOVER)


def test_winner_must_agree_with_the_score_and_decision():
    with pytest.raises(RuleViolation, match="2-1 decided by score cannot have winner B"):
        MatchResult("W1-1", "A", "B", "B", 2, 1)
    with pytest.raises(RuleViolation, match="1-1 decided by score cannot have winner A"):
        MatchResult("W1-1", "A", "B", "A", 1, 1)
    with pytest.raises(RuleViolation, match="a draw needs a level score"):
        MatchResult("R1-1", "A", "B", None, 0, 1, Decision.DRAW)
    with pytest.raises(RuleViolation, match="decided by judges needs a winner"):
        MatchResult("W1-1", "A", "B", None, 0, 0, Decision.JUDGES)
    judged = MatchResult("W1-1", "A", "B", "B", 0, 0, Decision.JUDGES)
    assert judged.loser == "A"
