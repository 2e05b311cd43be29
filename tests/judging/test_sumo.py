"""Sumo bouts worked through the rule book's cases."""

import pytest

from judging.errors import RuleViolation
from judging.match import Decision, MatchResult, Side
from judging.sumo import BoutState, Phase, RoundEnd, SumoRound, SumoRules, bout_state, sumo_result

RULES = SumoRules()
H, A, T, R = RoundEnd.HOME_YUKO, RoundEnd.AWAY_YUKO, RoundEnd.TIME_UP, RoundEnd.REMATCH


def rounds(*ends):
    return [SumoRound(e) for e in ends]


def test_two_straight_yuko_win_in_two_rounds():
    assert bout_state(RULES, rounds(H, H)) == BoutState(2, 0, 2, Phase.DECIDED, Side.HOME,
                                                        Decision.SCORE)
    assert sumo_result("W1-1", "SMA-01", "SMA-02", RULES, rounds(H, H)) == MatchResult(
        "W1-1", "SMA-01", "SMA-02", "SMA-01", 2, 0, Decision.SCORE)


def test_split_rounds_go_to_a_third():
    assert bout_state(RULES, rounds(H, A)) == BoutState(1, 1, 2, Phase.ROUND)
    assert bout_state(RULES, rounds(H, A, A)).winner is Side.AWAY


def test_rematch_does_not_count_as_a_round():
    state = bout_state(RULES, rounds(R, H, R, T, T))
    assert state == BoutState(1, 0, 3, Phase.DECIDED, Side.HOME, Decision.SCORE)


def test_one_yuko_when_time_is_up_wins():
    assert bout_state(RULES, rounds(T, A, T)).winner is Side.AWAY


def test_level_after_three_rounds_goes_to_extension_then_judges():
    assert bout_state(RULES, rounds(T, T, T)).phase is Phase.EXTENSION
    assert bout_state(RULES, rounds(H, A, T)).phase is Phase.EXTENSION
    extension_won = bout_state(RULES, rounds(H, A, T, A))
    assert extension_won == BoutState(1, 2, 3, Phase.DECIDED, Side.AWAY, Decision.EXTENSION)
    first_yuko = bout_state(RULES, rounds(T, T, T, H))
    assert first_yuko == BoutState(1, 0, 3, Phase.DECIDED, Side.HOME, Decision.EXTENSION)
    assert bout_state(RULES, rounds(T, T, T, T)).phase is Phase.JUDGES
    judged = sumo_result("GF", "A", "B", RULES, rounds(T, T, T, T), judges_decision=Side.AWAY)
    assert judged == MatchResult("GF", "A", "B", "B", 0, 0, Decision.JUDGES)


def test_without_extension_the_judges_decide_at_once():
    rules = SumoRules(extension_time_s=0)
    assert bout_state(rules, rounds(T, T, T)).phase is Phase.JUDGES
    with pytest.raises(RuleViolation, match="no extension"):
        bout_state(rules, rounds(T, T, T, H))


def test_two_warnings_give_the_opponent_a_yuko():
    record = [SumoRound(T, home_warnings=1), SumoRound(H, home_warnings=1)]
    assert bout_state(RULES, record) == BoutState(1, 1, 2, Phase.ROUND)
    record.append(SumoRound(T, away_warnings=2))
    result = sumo_result("L1-1", "A", "B", RULES, record)
    assert result == MatchResult("L1-1", "A", "B", "A", 2, 1, Decision.SCORE,
                                 home_fouls=2, away_fouls=2)


def test_rounds_after_the_decision_and_early_verdicts_are_refused():
    with pytest.raises(RuleViolation, match="round 3 recorded after"):
        bout_state(RULES, rounds(H, H, A))
    with pytest.raises(RuleViolation, match="not decided yet; next is round"):
        sumo_result("W1-1", "A", "B", RULES, rounds(H))
    with pytest.raises(RuleViolation, match="judges decide only after"):
        bout_state(RULES, rounds(T), judges_decision=Side.HOME)
    with pytest.raises(RuleViolation, match="decided by Yuko"):
        bout_state(RULES, rounds(H, H), judges_decision=Side.AWAY)
    with pytest.raises(RuleViolation):
        SumoRules(yuko_to_win=0)
