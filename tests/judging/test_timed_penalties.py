"""Touches, retries and progress of one run, and its view for the ranking."""

import pytest

from judging.errors import RuleViolation
from judging.timed import (
    Attempt,
    Edge,
    GateRef,
    RankingRules,
    RunStatus,
    TrackRules,
    abort,
    apply_edge,
    arm,
    attempt_of,
    disqualify,
    expire,
    progress,
    rank_timed,
    record_retry,
    record_touch,
)

A0, A1, A2, A3, B0 = (GateRef("a", 0), GateRef("a", 1), GateRef("a", 2), GateRef("a", 3),
                      GateRef("b", 0))
TRACK = TrackRules(A0, A1, (A2, B0, A3), min_run_us=1_000)


def ev(gate, t_us, boot="x"):
    return Edge(gate.source, boot, 1, gate.gate, "B", t_us)


def run(*edges, limit=100_000):
    state = arm(TRACK)
    for edge in edges:
        state = apply_edge(state, TRACK, edge, limit)
    return state


def test_touches_and_retries_accumulate_while_running():
    s = run(ev(A0, 0))
    s = record_retry(record_touch(record_touch(s), 2))
    assert (s.touches, s.retries, s.status) == (3, 1, RunStatus.running)


def test_retry_keeps_checkpoints_and_clock():
    s = record_retry(run(ev(A0, 0), ev(A2, 4_000)))
    s = apply_edge(s, TRACK, ev(A1, 9_000), 100_000)
    assert (s.status, s.elapsed_us, s.checkpoints_us, s.retries) == (
        RunStatus.finished, 9_000, (4_000, None, None), 1,
    )


def test_touch_after_finish_and_in_review():
    finished = run(ev(A0, 0), ev(A1, 5_000))
    assert record_touch(finished).touches == 1
    review = run(ev(A0, 0), ev(A1, 5_000, boot="other"))
    assert review.status is RunStatus.review
    assert record_touch(review, 4).touches == 4


@pytest.mark.parametrize(
    "state",
    [arm(TRACK), expire(run(ev(A0, 0))), abort(arm(TRACK), "x"), disqualify(arm(TRACK), "x")],
    ids=["armed", "timeout", "dnf", "dsq"],
)
def test_touch_forbidden(state):
    with pytest.raises(RuleViolation, match=f"^status: cannot count a touch on a run that is {state.status}$"):
        record_touch(state)


@pytest.mark.parametrize("count", [0, -1, True, 1.0])
def test_touch_count_validated(count):
    with pytest.raises(RuleViolation, match="^count: must be an integer >= 1$"):
        record_touch(run(ev(A0, 0)), count)


@pytest.mark.parametrize("state", [arm(TRACK), run(ev(A0, 0), ev(A1, 5_000))], ids=["armed", "finished"])
def test_retry_only_while_running(state):
    with pytest.raises(RuleViolation, match=f"^status: cannot retry a run that is {state.status}$"):
        record_retry(state)


def test_progress_is_furthest_checkpoint():
    assert progress(arm(TRACK)) == (0, None)
    assert progress(run(ev(A0, 0), ev(A2, 3_000))) == (1, 3_000)
    # The sensor at B0 missed the robot: reaching A3 still counts as 3 of 3.
    assert progress(run(ev(A0, 0), ev(A2, 3_000), ev(A3, 7_000))) == (3, 7_000)
    # B0 is another device with no common clock: reached, time unknown.
    assert progress(run(ev(A0, 0), ev(A2, 3_000), ev(B0, 5, boot="y"))) == (2, None)


def test_attempt_of_a_run():
    s = record_retry(record_touch(run(ev(A0, 0), ev(A2, 3_000), ev(A3, 7_000))))
    s = abort(s, "robot left the line")
    assert attempt_of("LF-01", 2, s) == Attempt(
        "LF-01", 2, RunStatus.dnf, None, touches=1, retries=1, reached=3, reached_us=7_000
    )


def test_runs_to_ranking_end_to_end():
    rules = RankingRules(touch_penalty_us=500, retry_penalty_us=2_000, unfinished_by_progress=True)
    fast = record_touch(run(ev(A0, 0), ev(A1, 9_000)))                      # 9.5 ms
    slow = run(ev(A0, 100), ev(A1, 9_600))                                  # 9.5 ms
    lost = expire(record_retry(run(ev(A0, 0), ev(A2, 3_000))))              # cp 1 at 5 ms
    attempts = [attempt_of("P", 1, fast), attempt_of("Q", 1, slow), attempt_of("R", 1, lost)]
    entries = rank_timed(["P", "Q", "R"], attempts, rules)
    assert [(e.rank, e.team, e.best_us, e.reached, e.reached_us) for e in entries] == [
        (1, "P", 9_500, 0, None),
        (1, "Q", 9_500, 0, None),
        (3, "R", None, 1, 5_000),
    ]
