"""A run's edges that reached the server before its start (two devices, one outbox late).

The track: start on `c1` gate 0, checkpoint on `c2` gate 1, finish on `c2` gate 0, a
one-second hold-off. Epoch times are chosen so every expected value is exact.
"""

import dataclasses

from judging.timed import (
    Edge,
    GateRef,
    RunStatus,
    TrackRules,
    apply_edge,
    arm,
    catch_up,
)

TRACK = TrackRules(start=GateRef("c1", 0), finish=GateRef("c2", 0),
                   checkpoints=(GateRef("c2", 1),), min_run_us=1_000_000)
EPOCH = 1_764_452_840_000_000


def edge(source: str, seq: int, gate: int, epoch_us: int | None, err_us: int = 0,
         t_us: int = 5_000_000, fault: str | None = None) -> Edge:
    return Edge(source, "b1", seq, gate, "B", t_us, epoch_us, err_us if epoch_us else None,
                fault)


def started(start: Edge):
    return apply_edge(arm(TRACK), TRACK, start, 60_000_000)


START = edge("c1", 7, 0, EPOCH)


def test_a_finish_stored_before_its_start_finishes_the_run_with_its_exact_time():
    state = catch_up(started(START), TRACK, [edge("c2", 3, 0, EPOCH + 7_654_321)], 60_000_000)
    assert (state.status, state.elapsed_us, state.finish.seq) == (
        RunStatus.finished, 7_654_321, 3)


def test_edges_are_applied_in_the_order_of_their_times_not_of_their_arrival():
    finish = edge("c2", 9, 0, EPOCH + 8_000_000)
    checkpoint = edge("c2", 8, 1, EPOCH + 3_000_000)
    state = catch_up(started(START), TRACK, [finish, checkpoint], 60_000_000)
    assert (state.status, state.elapsed_us, state.checkpoints_us) == (
        RunStatus.finished, 8_000_000, (3_000_000,))


def test_crossings_before_the_start_change_nothing():
    before = [edge("c2", 1, 0, EPOCH - 4_000_000), edge("c2", 2, 1, EPOCH - 1),
              edge("c2", 3, 0, EPOCH + 999_999)]  # the last is inside the hold-off
    run = started(START)
    assert catch_up(run, TRACK, before, 60_000_000) == run


def test_a_faulty_crossing_before_the_start_is_left_out():
    """A fault sends a run to review whatever the edge's time; one from before the start is
    the set-up, as when it arrived in order."""
    run = started(START)
    faulty = edge("c2", 3, 0, EPOCH - 3_000_000, fault="t_us_backwards")
    assert catch_up(run, TRACK, [faulty], 60_000_000) == run


def test_a_crossing_that_may_have_been_before_the_start_is_left_out():
    """No hold-off: a finish-gate crossing 50 ms before the start, each clock ±40 ms, could
    be 30 ms after it. Arrived in order it changed nothing; caught up it changes nothing."""
    track = dataclasses.replace(TRACK, min_run_us=0)
    start = edge("c1", 7, 0, EPOCH, err_us=40_000)
    run = apply_edge(arm(track), track, start, None)
    unsure = edge("c2", 3, 0, EPOCH - 50_000, err_us=40_000)
    assert catch_up(run, track, [unsure], None) == run
    sure = edge("c2", 4, 0, EPOCH + 80_001, err_us=40_000)
    assert catch_up(run, track, [unsure, sure], None).elapsed_us == 80_001


def test_an_edge_with_no_clock_in_common_with_the_start_is_left_out():
    run = started(START)
    assert catch_up(run, TRACK, [edge("c2", 3, 0, None)], 60_000_000) == run
    no_epoch_start = edge("c1", 7, 0, None)
    run = started(no_epoch_start)
    assert catch_up(run, TRACK, [edge("c2", 3, 0, EPOCH + 7_000_000)], 60_000_000) == run


def test_a_finish_over_the_limit_is_a_timeout_with_its_time():
    state = catch_up(started(START), TRACK, [edge("c2", 3, 0, EPOCH + 61_000_000)], 60_000_000)
    assert (state.status, state.elapsed_us) == (RunStatus.timeout, 61_000_000)


def test_a_finish_within_the_clocks_uncertainty_of_the_hold_off_goes_to_review():
    state = catch_up(started(START), TRACK, [edge("c2", 3, 0, EPOCH + 1_000_100, 200)],
                     60_000_000)
    assert (state.status, state.elapsed_us, state.finish.seq) == (RunStatus.review, None, 3)


def test_a_faulty_finish_sends_the_run_to_review():
    state = catch_up(started(START), TRACK,
                     [edge("c2", 3, 0, EPOCH + 5_000_000, fault="overflow")], 60_000_000)
    assert state.status is RunStatus.review
    assert "overflow" in state.reason


def test_the_start_itself_and_runs_not_running_are_left_alone():
    run = started(START)
    assert catch_up(run, TRACK, [START], 60_000_000) == run
    armed = arm(TRACK)
    assert catch_up(armed, TRACK, [edge("c2", 3, 0, EPOCH + 7_000_000)], None) is armed


def test_a_finish_whose_window_begins_exactly_at_the_start_counts_as_in_order():
    """No hold-off and a finish 80 ms after the start, each clock ±40 ms: its window begins
    at the start itself. Arrived in order it finishes the run; caught up, the same."""
    track = dataclasses.replace(TRACK, min_run_us=0)
    start = edge("c1", 7, 0, EPOCH, err_us=40_000)
    run = apply_edge(arm(track), track, start, None)
    finish = edge("c2", 3, 0, EPOCH + 80_000, err_us=40_000)
    assert apply_edge(run, track, finish, None).elapsed_us == 80_000
    assert catch_up(run, track, [finish], None).elapsed_us == 80_000


def test_on_a_lap_track_with_no_hold_off_the_start_does_not_finish_itself():
    lap = TrackRules(start=GateRef("c1", 0), finish=GateRef("c1", 0), min_run_us=0)
    run = apply_edge(arm(lap), lap, START, None)
    assert catch_up(run, lap, [START], None) == run
