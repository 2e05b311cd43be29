"""Protest windows and the moment a category's result becomes official."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from judging.errors import RuleViolation
from judging.protest import (
    Protest,
    ProtestStatus,
    ResultState,
    category_state,
    check_decision,
    check_filing,
)

T0 = datetime(2026, 7, 1, 9, 0)
MIN = timedelta(minutes=1)


def test_a_protest_may_be_filed_only_inside_the_window():
    check_filing(T0, 15, T0 + 14 * MIN)
    with pytest.raises(RuleViolation, match="window for this result has closed"):
        check_filing(T0, 15, T0 + 15 * MIN)


def test_provisional_while_the_window_is_open_then_official_when_it_closes():
    results = [T0, T0 + 5 * MIN]
    assert category_state(results, 15, [], T0 + 19 * MIN).state is ResultState.PROVISIONAL
    s = category_state(results, 15, [], T0 + 20 * MIN)
    assert (s.state, s.official_at) == (ResultState.OFFICIAL, T0 + 20 * MIN)


def test_an_open_protest_keeps_the_result_provisional_after_the_window():
    open_one = Protest(T0 + 3 * MIN, ProtestStatus.OPEN)
    s = category_state([T0], 15, [open_one], T0 + 60 * MIN)
    assert (s.state, s.open_protests) == (ResultState.PROVISIONAL, 1)


def test_official_from_the_later_of_the_window_and_the_last_decision():
    decided = Protest(T0 + 3 * MIN, ProtestStatus.REJECTED, decided_at=T0 + 40 * MIN)
    s = category_state([T0], 15, [decided], T0 + 60 * MIN)
    assert (s.state, s.official_at) == (ResultState.OFFICIAL, T0 + 40 * MIN)


def test_the_head_judge_may_finalise_before_the_window_closes():
    s = category_state([T0], 15, [], T0 + 2 * MIN, finalised_at=T0 + 1 * MIN)
    assert (s.state, s.official_at) == (ResultState.OFFICIAL, T0 + 1 * MIN)


def test_no_result_yet_is_not_official():
    assert category_state([], 15, [], T0).state is ResultState.PROVISIONAL


def test_a_protest_is_decided_once_with_a_reason():
    p = Protest(T0, ProtestStatus.OPEN)
    assert check_decision(p, True, "video shows the robot left the ring") is ProtestStatus.ACCEPTED
    assert check_decision(p, False, "no evidence") is ProtestStatus.REJECTED
    with pytest.raises(RuleViolation, match="reason: required"):
        check_decision(p, False, "  ")
    with pytest.raises(RuleViolation, match="already decided"):
        check_decision(Protest(T0, ProtestStatus.REJECTED, T0), True, "again")
