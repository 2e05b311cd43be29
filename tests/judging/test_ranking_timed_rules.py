"""Timed ranking rules beyond best-of: sum/average of best n, DSQ."""

import pytest

from judging.errors import RuleViolation
from judging.timed import (
    Attempt,
    RankEntry,
    RankingMethod,
    RankingRules,
    RunStatus,
    rank_timed,
    scored_times,
)

F, DNF, TO, DSQ = RunStatus.finished, RunStatus.dnf, RunStatus.timeout, RunStatus.dsq
S = 1_000_000


def fin(team, n, us):
    return Attempt(team, n, F, us)


def table(entries):
    return [(e.rank, e.team, e.best_us, e.score_us) for e in entries]


# --- best single run ------------------------------------------------------------------


def test_worked_example_line_follower_best_of_three():
    # The category's penalties are already in each time (TimedConfig.penalised_us).
    attempts = [
        fin("LF-01", 1, 41 * S), fin("LF-01", 2, 43 * S),
        fin("LF-02", 1, 40 * S), fin("LF-02", 2, 44 * S),
        fin("LF-03", 1, 40 * S), Attempt("LF-03", 2, DSQ, 20 * S),
        Attempt("LF-04", 1, TO, 181 * S),
    ]
    assert scored_times(attempts[:2]) == (41 * S, 43 * S)
    assert rank_timed(["LF-01", "LF-02", "LF-03", "LF-04"], attempts) == [
        RankEntry(1, "LF-02", 40 * S, "finished", (40 * S, 44 * S)),
        RankEntry(2, "LF-03", 40 * S, "finished", (40 * S,)),
        RankEntry(3, "LF-01", 41 * S, "finished", (41 * S, 43 * S)),
        RankEntry(None, "LF-04", None, "timeout", ()),
    ]


# --- sum and average of the best n ----------------------------------------------------------


ATTEMPTS_N = [
    fin("A", 1, 10 * S), fin("A", 2, 14 * S), fin("A", 3, 30 * S),   # best 2: 24
    fin("B", 1, 11 * S), fin("B", 2, 12 * S),                        # best 2: 23
    fin("C", 1, 9 * S), Attempt("C", 2, DNF, None),                  # only one
    fin("D", 1, 12 * S), fin("D", 2, 11 * S), fin("D", 3, 50 * S),   # 23, same pair as B
    fin("E", 1, 13 * S), fin("E", 2, 10 * S),                        # 23, best 10
]


def test_sum_best_two():
    rules = RankingRules(RankingMethod.sum_best_n, n=2)
    assert table(rank_timed("ABCDE", ATTEMPTS_N, rules)) == [
        (1, "E", 10 * S, 23 * S),   # 23 s, best single 10 s breaks the tie
        (2, "D", 11 * S, 23 * S),   # same best two as B, a third finished run
        (3, "B", 11 * S, 23 * S),
        (4, "A", 10 * S, 24 * S),
        (5, "C", 9 * S, 9 * S),     # fewer counted runs rank below, whatever the time
    ]


def test_average_best_two_truncates_and_orders_like_sum():
    rules = RankingRules("average_best_n", n=2)
    assert table(rank_timed("ABCDE", ATTEMPTS_N, rules)) == [
        (1, "E", 10 * S, 11_500_000),
        (2, "D", 11 * S, 11_500_000),
        (3, "B", 11 * S, 11_500_000),
        (4, "A", 10 * S, 12 * S),
        (5, "C", 9 * S, 9 * S),
    ]
    odd = rank_timed(["X"], [fin("X", 1, 3), fin("X", 2, 4)], rules)
    assert odd[0].score_us == 3  # 3.5 us truncated, never rounded up


def test_sum_of_equal_times_shares_rank():
    rules = RankingRules(RankingMethod.sum_best_n, n=2)
    attempts = [fin("A", 1, 5), fin("A", 2, 6), fin("B", 1, 6), fin("B", 2, 5), fin("C", 1, 4)]
    assert [(e.rank, e.team) for e in rank_timed("ABC", attempts, rules)] == [
        (1, "A"), (1, "B"), (3, "C"),
    ]


def test_n_one_sum_is_best():
    rules = RankingRules(RankingMethod.sum_best_n, n=1)
    plain = rank_timed("ABCDE", ATTEMPTS_N)
    ranked = rank_timed("ABCDE", ATTEMPTS_N, rules)
    assert [(e.rank, e.team) for e in ranked] == [(e.rank, e.team) for e in plain]


# --- team disqualification ----------------------------------------------------------------


def test_disqualified_team_is_unranked_with_status_dsq():
    attempts = [fin("A", 1, 5), fin("B", 1, 7), fin("C", 1, 9)]
    assert rank_timed("ABC", attempts, disqualified={"A"}) == [
        RankEntry(1, "B", 7, "finished", (7,)),
        RankEntry(2, "C", 9, "finished", (9,)),
        RankEntry(None, "A", None, "dsq", ()),
    ]


# --- rules validation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "fastest"}, "ranking: must be one of best, sum_best_n, average_best_n"),
        ({"n": 0}, "n: must be an integer >= 1"),
        ({"n": True}, "n: must be an integer >= 1"),
    ],
)
def test_rules_validation(kwargs, message):
    with pytest.raises(RuleViolation) as info:
        RankingRules(**kwargs)
    assert str(info.value) == message
