"""Ranking of timed categories: exact examples and properties."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from judging.errors import RuleViolation
from judging.timed import Attempt, RankEntry, RunStatus, rank_timed

F = RunStatus.finished


def fin(team, n, us):
    return Attempt(team, n, F, us)


def test_no_teams():
    assert rank_timed([], []) == []


def test_wro_style_best_of_three():
    attempts = [
        fin("LF-001", 1, 12_000_000), fin("LF-001", 2, 10_500_000),
        Attempt("LF-001", 3, RunStatus.dnf, None),
        fin("LF-002", 1, 10_500_000), fin("LF-002", 2, 11_000_000),
        fin("LF-003", 1, 9_900_000),
        Attempt("LF-004", 1, RunStatus.timeout, 181_000_000),
    ]
    assert rank_timed(["LF-004", "LF-003", "LF-002", "LF-001", "LF-005"], attempts) == [
        RankEntry(1, "LF-003", 9_900_000, "finished", (9_900_000,)),
        RankEntry(2, "LF-002", 10_500_000, "finished", (10_500_000, 11_000_000)),
        RankEntry(3, "LF-001", 10_500_000, "finished", (10_500_000, 12_000_000)),
        RankEntry(None, "LF-004", None, "timeout", ()),
        RankEntry(None, "LF-005", None, "not_started", ()),
    ]


def test_full_ties_share_a_rank_and_skip():
    attempts = [fin("B", 1, 5), fin("A", 1, 5), fin("C", 1, 7), fin("D", 1, 5), fin("D", 2, 9)]
    ranks = [(e.rank, e.team) for e in rank_timed(["A", "B", "C", "D"], attempts)]
    assert ranks == [(1, "D"), (2, "A"), (2, "B"), (4, "C")]


def test_tie_on_best_broken_by_second_then_third():
    attempts = [
        fin("A", 1, 10), fin("A", 2, 20), fin("A", 3, 31),
        fin("B", 1, 20), fin("B", 2, 10), fin("B", 3, 30),
        fin("C", 1, 10), fin("C", 2, 19),
    ]
    assert [(e.rank, e.team) for e in rank_timed("ABC", attempts)] == [
        (1, "C"), (2, "B"), (3, "A"),
    ]


def test_more_finished_runs_beat_fewer_on_equal_prefix():
    attempts = [fin("A", 1, 10), fin("B", 1, 10), fin("B", 2, 99)]
    assert [(e.rank, e.team) for e in rank_timed("AB", attempts)] == [(1, "B"), (2, "A")]


def test_status_of_unfinished_team_is_latest_attempt():
    attempts = [
        Attempt("A", 2, RunStatus.dnf, None), Attempt("A", 1, RunStatus.timeout, None),
        Attempt("B", 1, "running", None),
        Attempt("C", 3, RunStatus.dsq, 9_000_000), Attempt("C", 1, RunStatus.review, None),
    ]
    assert [(e.team, e.status) for e in rank_timed("ABC", attempts)] == [
        ("A", "dnf"), ("B", "running"), ("C", "dsq"),
    ]


def test_only_finished_times_count():
    attempts = [
        Attempt("A", 1, RunStatus.dsq, 1), Attempt("A", 2, RunStatus.timeout, 2),
        fin("A", 3, 50), Attempt("A", 4, RunStatus.armed, None),
    ]
    assert rank_timed(["A"], attempts) == [RankEntry(1, "A", 50, "finished", (50,))]


def test_unknown_teams_are_left_out_and_duplicate_teams_listed_once():
    entries = rank_timed(["A", "A"], [fin("A", 1, 5), fin("Z", 1, 1)])
    assert entries == [RankEntry(1, "A", 5, "finished", (5,))]


def test_duplicate_attempt_is_rejected():
    with pytest.raises(RuleViolation, match="^attempt: A has attempt 1 twice$"):
        rank_timed(["A"], [fin("A", 1, 5), Attempt("A", 1, RunStatus.dnf, None)])


@pytest.mark.parametrize("bad", [None, -1, True])
def test_finished_attempt_without_time_is_rejected(bad):
    with pytest.raises(RuleViolation, match="^elapsed_us: finished attempt 1 of A has no time$"):
        Attempt("A", 1, F, bad)


def test_status_string_is_coerced():
    assert Attempt("A", 1, "dnf", None).status is RunStatus.dnf
    with pytest.raises(RuleViolation, match="^status: 'won' is not a run status$"):
        Attempt("A", 1, "won", None)


# --- properties ---------------------------------------------------------------------------

TEAMS = [f"T{i:02d}" for i in range(12)]
STATUSES = list(RunStatus)


@st.composite
def fields(draw):
    teams = draw(st.lists(st.sampled_from(TEAMS), unique=True, max_size=12))
    attempts = []
    for team in teams + draw(st.lists(st.sampled_from(TEAMS), max_size=3)):
        for n in range(1, draw(st.integers(0, 4)) + 1):
            if any(a.team == team and a.attempt == n for a in attempts):
                continue
            status = draw(st.sampled_from(STATUSES))
            # A narrow range makes equal times (ties) common.
            us = draw(st.integers(1, 6)) if status is F else draw(st.none() | st.integers(0, 9))
            attempts.append(Attempt(team, n, status, us))
    return teams, attempts


def key(entry):
    return entry.times_us + (float("inf"),)


@settings(max_examples=300, deadline=None)
@given(fields(), st.randoms())
def test_order_invariant_to_input_order(field, rnd):
    teams, attempts = field
    shuffled_teams, shuffled_attempts = list(teams), list(attempts)
    rnd.shuffle(shuffled_teams)
    rnd.shuffle(shuffled_attempts)
    assert rank_timed(shuffled_teams, shuffled_attempts) == rank_timed(teams, attempts)


@settings(max_examples=300, deadline=None)
@given(fields())
def test_ranking_invariants(field):
    teams, attempts = field
    entries = rank_timed(teams, attempts)
    assert sorted(e.team for e in entries) == sorted(teams)
    finished = [e for e in entries if e.rank is not None]
    unfinished = [e for e in entries if e.rank is None]
    assert entries == finished + unfinished
    assert [key(e) for e in finished] == sorted(key(e) for e in finished)
    assert [e.team for e in unfinished] == sorted(e.team for e in unfinished)
    for e in entries:
        own = sorted(a.elapsed_us for a in attempts if a.team == e.team and a.status is F)
        assert e.times_us == tuple(own)
        assert e.best_us == (own[0] if own else None)
        assert (e.status == "finished") == bool(own)
    for position, e in enumerate(finished, start=1):
        equal_before = [o for o in finished[: position - 1] if o.times_us == e.times_us]
        assert e.rank == (equal_before[0].rank if equal_before else position)
    for a in finished:
        for b in finished:
            assert (a.rank == b.rank) == (a.times_us == b.times_us)

