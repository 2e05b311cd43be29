"""The state machine of a timed run: exact examples of every rule."""

import dataclasses

import pytest

from judging.errors import RuleViolation
from judging.timed import (
    Edge,
    GateRef,
    RunState,
    RunStatus,
    TrackRules,
    abort,
    apply_edge,
    arm,
    disqualify,
    expire,
    gap_us,
    resolve_review,
)

START = GateRef("esp32-a", 0)
FINISH = GateRef("esp32-a", 1)
CP1 = GateRef("esp32-a", 2)
CP2 = GateRef("esp32-b", 0)
TRACK = TrackRules(START, FINISH, (CP1, CP2), min_run_us=2_000_000)
LAP = TrackRules(START, START, (CP1,), min_run_us=2_000_000)
LIMIT = 180_000_000


def ev(gate: GateRef, t_us: int, kind: str = "B", boot: str = "boot1", epoch=None, err=None):
    return Edge(gate.source, boot, 1, gate.gate, kind, t_us, epoch, err)


def play(track, edges, limit=LIMIT, state=None):
    state = arm(track) if state is None else state
    for edge in edges:
        state = apply_edge(state, track, edge, limit)
    return state


# --- arm and start -----------------------------------------------------------


def test_arm_is_empty_with_one_slot_per_checkpoint():
    assert arm(TRACK) == RunState(
        status=RunStatus.armed, checkpoints=(None, None), checkpoints_us=(None, None)
    )
    assert arm(TrackRules(START, FINISH)).checkpoints == ()


def test_first_b_on_start_gate_starts():
    s = play(TRACK, [ev(START, 1_000)])
    assert s.status is RunStatus.running
    assert s.start == ev(START, 1_000)
    assert s.elapsed_us is None


def test_c_edge_on_start_does_not_start():
    state = arm(TRACK)
    assert apply_edge(state, TRACK, ev(START, 1_000, "C"), LIMIT) is state


@pytest.mark.parametrize("gate", [FINISH, CP1, CP2, GateRef("esp32-a", 7), GateRef("x", 0)])
def test_b_elsewhere_does_not_start_an_armed_run(gate):
    state = arm(TRACK)
    assert apply_edge(state, TRACK, ev(gate, 1_000), LIMIT) is state


def test_start_bounce_keeps_the_first_start():
    s = play(TRACK, [ev(START, 1_000), ev(START, 1_500, "C"), ev(START, 1_900)])
    assert s.start.t_us == 1_000
    assert s.status is RunStatus.running


def test_start_gate_b_while_running_is_ignored_same_object():
    s = play(TRACK, [ev(START, 1_000)])
    assert apply_edge(s, TRACK, ev(START, 50_000_000), LIMIT) is s


# --- finish and hold-off ----------------------------------------------------------


def test_finish_same_clock():
    s = play(TRACK, [ev(START, 1_000), ev(FINISH, 8_001_000)])
    assert s.status is RunStatus.finished
    assert s.elapsed_us == 8_000_000
    assert s.finish == ev(FINISH, 8_001_000)
    assert s.reason is None


def test_finish_exactly_at_hold_off_counts():
    s = play(TRACK, [ev(START, 1_000), ev(FINISH, 2_001_000)])
    assert (s.status, s.elapsed_us) == (RunStatus.finished, 2_000_000)


def test_finish_before_hold_off_is_ignored_then_real_finish_counts():
    s = play(TRACK, [ev(START, 1_000)])
    early = ev(FINISH, 2_000_999)
    assert apply_edge(s, TRACK, early, LIMIT) is s
    s = play(TRACK, [early, ev(FINISH, 9_000_000)], state=s)
    assert s.elapsed_us == 8_999_000


def test_finish_c_edge_is_ignored():
    s = play(TRACK, [ev(START, 1_000)])
    assert apply_edge(s, TRACK, ev(FINISH, 9_000_000, "C"), LIMIT) is s


def test_finish_bounce_keeps_first_finish():
    s = play(TRACK, [ev(START, 0), ev(FINISH, 9_000_000), ev(FINISH, 9_000_300)])
    assert s.elapsed_us == 9_000_000
    assert s.finish.t_us == 9_000_000


def test_finish_edge_from_before_start_is_ignored():
    state = play(TRACK, [ev(START, 5_000_000)])
    assert apply_edge(state, TRACK, ev(FINISH, 1_000_000), LIMIT) is state


def test_zero_hold_off_accepts_finish_at_same_instant():
    track = TrackRules(START, FINISH)
    s = play(track, [ev(START, 7), ev(FINISH, 7)])
    assert (s.status, s.elapsed_us) == (RunStatus.finished, 0)


def test_no_time_limit():
    s = play(TRACK, [ev(START, 0), ev(FINISH, 10**12)], limit=None)
    assert (s.status, s.elapsed_us) == (RunStatus.finished, 10**12)


# --- lap tracks ---------------------------------------------------------------------


def test_lap_track_is_lap():
    assert LAP.is_lap is True
    assert TRACK.is_lap is False


def test_lap_bounces_within_hold_off_are_ignored_then_lap_finishes():
    s = play(LAP, [ev(START, 1_000), ev(START, 1_200, "C"), ev(START, 1_400), ev(START, 1_900_000)])
    assert s.status is RunStatus.running
    assert s.start.t_us == 1_000
    s = play(LAP, [ev(START, 12_345_678)], state=s)
    assert (s.status, s.elapsed_us) == (RunStatus.finished, 12_344_678)


def test_lap_finish_at_exact_hold_off():
    s = play(LAP, [ev(START, 0), ev(START, 2_000_000)])
    assert (s.status, s.elapsed_us) == (RunStatus.finished, 2_000_000)


def test_lap_with_checkpoint():
    s = play(LAP, [ev(START, 0), ev(CP1, 4_000_000), ev(START, 9_000_000)])
    assert s.checkpoints_us == (4_000_000,)
    assert s.elapsed_us == 9_000_000


# --- checkpoints -------------------------------------------------------------------


def test_checkpoints_record_first_b_only():
    s = play(
        TRACK,
        [ev(START, 1_000), ev(CP1, 3_001_000), ev(CP1, 3_002_000), ev(CP1, 3_500_000, "C")],
    )
    assert s.checkpoints_us == (3_000_000, None)
    assert s.checkpoints == (ev(CP1, 3_001_000), None)


def test_checkpoint_while_armed_is_ignored():
    state = arm(TRACK)
    assert apply_edge(state, TRACK, ev(CP1, 5), LIMIT) is state


def test_checkpoints_out_of_order_each_in_its_slot():
    s = play(TRACK, [ev(START, 0), ev(CP2, 5_000_000, boot="boot1"), ev(CP1, 6_000_000)])
    assert s.checkpoints_us == (6_000_000, None)  # CP2 is another source: no common clock
    assert s.checkpoints[1] == ev(CP2, 5_000_000)


def test_checkpoint_other_device_with_epoch():
    start = ev(START, 0, epoch=1_700_000_000_000_000)
    cp2 = ev(CP2, 77, boot="zz", epoch=1_700_000_004_250_000)
    s = play(TRACK, [start, cp2])
    assert s.checkpoints_us == (None, 4_250_000)


def test_checkpoint_before_start_is_ignored():
    state = play(TRACK, [ev(START, 5_000_000)])
    assert apply_edge(state, TRACK, ev(CP1, 4_999_999), LIMIT) is state


def test_checkpoint_time_zero_counts():
    s = play(TRACK, [ev(START, 5), ev(CP1, 5)])
    assert s.checkpoints_us == (0, None)


def test_checkpoint_past_the_limit_times_out():
    s = play(TRACK, [ev(START, 0), ev(CP1, LIMIT + 1)])
    assert s.status is RunStatus.timeout
    assert s.elapsed_us is None
    assert s.checkpoints_us == (None, None)
    assert s.reason == f"checkpoint 1 reached {LIMIT + 1} us after start, over the limit"


def test_checkpoint_exactly_at_the_limit_counts():
    s = play(TRACK, [ev(START, 0), ev(CP1, LIMIT)])
    assert (s.status, s.checkpoints_us) == (RunStatus.running, (LIMIT, None))


# --- time limit ---------------------------------------------------------------------


def test_finish_exactly_at_limit_is_finished():
    s = play(TRACK, [ev(START, 0), ev(FINISH, LIMIT)])
    assert (s.status, s.elapsed_us) == (RunStatus.finished, LIMIT)


def test_late_finish_times_out_with_elapsed_kept():
    s = play(TRACK, [ev(START, 0), ev(FINISH, LIMIT + 1)])
    assert s.status is RunStatus.timeout
    assert s.elapsed_us == LIMIT + 1
    assert s.finish == ev(FINISH, LIMIT + 1)
    assert s.reason == f"finished in {LIMIT + 1} us, over the {LIMIT} us limit"


# --- clocks: epoch timing and review ----------------------------------------------------


def test_finish_on_other_boot_uses_epoch():
    start = ev(START, 10, boot="b1", epoch=1_764_452_840_000_000)
    finish = ev(FINISH, 3, boot="b2", epoch=1_764_452_851_234_567)
    s = play(TRACK, [start, finish])
    assert (s.status, s.elapsed_us) == (RunStatus.finished, 11_234_567)


def test_same_boot_prefers_device_clock_over_epoch():
    start = ev(START, 1_000, epoch=1_000_000_000)
    finish = ev(FINISH, 5_001_000, epoch=9_999_999_999)
    assert play(TRACK, [start, finish]).elapsed_us == 5_000_000


def test_finish_on_other_device_without_epoch_goes_to_review():
    track = TrackRules(START, CP2, min_run_us=2_000_000)
    s = play(track, [ev(START, 0, epoch=1_000_000_000), ev(CP2, 9_000_000, boot="q")])
    assert s.status is RunStatus.review
    assert s.elapsed_us is None
    assert s.finish == ev(CP2, 9_000_000, boot="q")
    assert s.reason == (
        "no common clock between start (esp32-a/boot1) and finish (esp32-b/q): time it by hand"
    )


def test_lap_track_after_reboot_without_epoch_goes_to_review():
    s = play(LAP, [ev(START, 100_000_000, boot="old"), ev(START, 500, boot="new")])
    assert s.status is RunStatus.review
    assert s.elapsed_us is None


def test_epoch_finish_before_hold_off_is_ignored():
    state = play(TRACK, [ev(START, 0, boot="b1", epoch=10_000_000)])
    finish = ev(FINISH, 0, boot="b2", epoch=11_999_999)
    assert apply_edge(state, TRACK, finish, LIMIT) is state


def test_epoch_finish_within_uncertainty_of_hold_off_goes_to_review():
    state = play(TRACK, [ev(START, 0, boot="b1", epoch=10_000_000, err=300)])
    finish = ev(FINISH, 0, boot="b2", epoch=11_999_900, err=200)
    s = apply_edge(state, TRACK, finish, LIMIT)
    assert s.status is RunStatus.review
    assert s.elapsed_us is None
    assert s.reason == (
        "finish 1999900 us after the start is within the clocks' uncertainty "
        "of the 2000000 us hold-off"
    )


def test_epoch_finish_clear_of_uncertainty_finishes():
    start = ev(START, 0, boot="b1", epoch=10_000_000, err=300)
    finish = ev(FINISH, 0, boot="b2", epoch=12_000_500, err=200)
    s = play(TRACK, [start, finish])
    assert (s.status, s.elapsed_us) == (RunStatus.finished, 2_000_500)


def test_epoch_finish_far_below_hold_off_with_error_is_ignored():
    state = play(TRACK, [ev(START, 0, boot="b1", epoch=10_000_000, err=300)])
    finish = ev(FINISH, 0, boot="b2", epoch=11_000_000, err=300)
    assert apply_edge(state, TRACK, finish, LIMIT) is state


def test_epoch_late_finish_times_out():
    start = ev(START, 0, boot="b1", epoch=0)
    finish = ev(FINISH, 0, boot="b2", epoch=LIMIT + 5)
    s = play(TRACK, [start, finish])
    assert (s.status, s.elapsed_us) == (RunStatus.timeout, LIMIT + 5)


def test_gap_us_rules():
    a = ev(START, 100, boot="x", epoch=1_000, err=5)
    assert gap_us(a, ev(FINISH, 350, boot="x")) == (250, 250, 250)
    assert gap_us(a, ev(FINISH, 0, boot="y", epoch=1_400, err=7)) == (400, 388, 412)
    assert gap_us(a, ev(FINISH, 0, boot="y", epoch=1_400)) == (400, 395, 405)
    assert gap_us(a, ev(FINISH, 0, boot="y")) is None
    assert gap_us(ev(START, 0, boot="y"), ev(FINISH, 0, boot="z", epoch=1)) is None


# --- final statuses ignore edges ---------------------------------------------------------


FINAL_STATES = {
    RunStatus.finished: play(TRACK, [ev(START, 0), ev(FINISH, 9_000_000)]),
    RunStatus.timeout: expire(play(TRACK, [ev(START, 0)])),
    RunStatus.dnf: abort(play(TRACK, [ev(START, 0)]), "robot off the line"),
    RunStatus.dsq: disqualify(play(TRACK, [ev(START, 0)]), "touched the robot"),
    RunStatus.review: play(TRACK, [ev(START, 0), ev(FINISH, 9_000_000, boot="other")]),
}


@pytest.mark.parametrize("status", list(FINAL_STATES))
@pytest.mark.parametrize("gate", [START, FINISH, CP1, CP2])
def test_edges_on_a_closed_run_are_ignored(status, gate):
    state = FINAL_STATES[status]
    assert state.status is status
    assert apply_edge(state, TRACK, ev(gate, 20_000_000), LIMIT) is state


# --- expire -------------------------------------------------------------------------


def test_expire_running_run():
    s = play(TRACK, [ev(START, 0), ev(CP1, 1_000_000)])
    out = expire(s)
    assert out.status is RunStatus.timeout
    assert out.elapsed_us is None
    assert out.reason == "time limit reached"
    assert out.checkpoints_us == (1_000_000, None)
    assert out.start == s.start


@pytest.mark.parametrize("status", [RunStatus.armed, *FINAL_STATES])
def test_expire_other_status_is_a_no_op(status):
    state = arm(TRACK) if status is RunStatus.armed else FINAL_STATES[status]
    assert expire(state) is state


# --- abort --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "state",
    [arm(TRACK), play(TRACK, [ev(START, 0)]), FINAL_STATES[RunStatus.review]],
    ids=["armed", "running", "review"],
)
def test_abort_allowed(state):
    out = abort(state, "robot fell off")
    assert out.status is RunStatus.dnf
    assert out.reason == "robot fell off"
    assert out.elapsed_us is None
    assert out.start == state.start


@pytest.mark.parametrize(
    "status", [RunStatus.finished, RunStatus.timeout, RunStatus.dnf, RunStatus.dsq]
)
def test_abort_forbidden(status):
    with pytest.raises(RuleViolation, match=f"^status: cannot abort a run that is {status}$"):
        abort(FINAL_STATES[status], "x")


# --- disqualify -----------------------------------------------------------------------


@pytest.mark.parametrize("status", [RunStatus.finished, RunStatus.review])
def test_disqualify_closed_but_judgeable_runs(status):
    state = FINAL_STATES[status]
    out = disqualify(state, "robot cut the corner")
    assert out.status is RunStatus.dsq
    assert out.reason == "robot cut the corner"
    assert out.elapsed_us == state.elapsed_us
    assert out.finish == state.finish


def test_disqualify_armed_and_running():
    assert disqualify(arm(TRACK), "late").status is RunStatus.dsq
    assert disqualify(play(TRACK, [ev(START, 0)]), "touch").status is RunStatus.dsq


@pytest.mark.parametrize("status", [RunStatus.timeout, RunStatus.dnf, RunStatus.dsq])
def test_disqualify_forbidden(status):
    with pytest.raises(RuleViolation, match=f"^status: cannot disqualify a run that is {status}$"):
        disqualify(FINAL_STATES[status], "x")


# --- resolve_review ---------------------------------------------------------------------


def test_resolve_review_finishes_with_given_time():
    out = resolve_review(FINAL_STATES[RunStatus.review], 9_123_000, "stopwatch", LIMIT)
    assert (out.status, out.elapsed_us, out.reason) == (RunStatus.finished, 9_123_000, "stopwatch")


def test_resolve_review_over_limit_times_out():
    out = resolve_review(FINAL_STATES[RunStatus.review], LIMIT + 1, "video", LIMIT)
    assert (out.status, out.elapsed_us) == (RunStatus.timeout, LIMIT + 1)


def test_resolve_review_without_limit():
    out = resolve_review(FINAL_STATES[RunStatus.review], 10**13, "video")
    assert out.status is RunStatus.finished


@pytest.mark.parametrize("bad", [-1, True, 1.5, "9000", None])
def test_resolve_review_rejects_bad_time(bad):
    with pytest.raises(RuleViolation, match="^elapsed_us: must be an integer >= 0$"):
        resolve_review(FINAL_STATES[RunStatus.review], bad, "x")


@pytest.mark.parametrize(
    "state",
    [arm(TRACK), play(TRACK, [ev(START, 0)]), *[FINAL_STATES[s] for s in list(RunStatus)[2:6]]],
)
def test_resolve_review_forbidden_outside_review(state):
    with pytest.raises(RuleViolation, match="^status: cannot resolve a run that is "):
        resolve_review(state, 1, "x")


# --- track rules -------------------------------------------------------------------------


def test_track_rules_validation():
    with pytest.raises(RuleViolation, match="^min_run_us: must be >= 0$"):
        TrackRules(START, FINISH, min_run_us=-1)
    with pytest.raises(RuleViolation, match="^min_run_us: must be an integer$"):
        TrackRules(START, FINISH, min_run_us=True)
    with pytest.raises(RuleViolation, match="^checkpoints: a gate is listed twice$"):
        TrackRules(START, FINISH, (CP1, CP1))
    with pytest.raises(RuleViolation, match="also the start or finish"):
        TrackRules(START, FINISH, (FINISH,))
    assert TrackRules(START, FINISH, [CP1]).checkpoints == (CP1,)


def test_states_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        arm(TRACK).status = RunStatus.running
    with pytest.raises(dataclasses.FrozenInstanceError):
        ev(START, 0).t_us = 5


def test_status_values_are_wire_strings():
    assert [str(s) for s in RunStatus] == [
        "armed", "running", "finished", "timeout", "dnf", "dsq", "review",
    ]
    assert RunStatus("dnf") is RunStatus.dnf


# --- an edge its device flagged as faulty ----------------------------------------------


def faulty(gate: GateRef, t_us: int, seq: int = 7):
    return Edge(gate.source, "boot1", seq, gate.gate, "B", t_us, fault="t_us_backwards")


REVIEW_REASON = "device fault t_us_backwards on esp32-a/boot1 seq 7: time it by hand"


def test_a_faulty_finish_sends_the_run_to_review():
    state = play(TRACK, [ev(START, 10_000_000), faulty(FINISH, 400_000)])
    assert (state.status, state.finish.t_us, state.elapsed_us, state.reason) == (
        RunStatus.review, 400_000, None, REVIEW_REASON)


def test_a_faulty_start_or_checkpoint_sends_the_run_to_review():
    started = play(TRACK, [faulty(START, 400_000)])
    assert (started.status, started.start.t_us, started.reason) == (
        RunStatus.review, 400_000, REVIEW_REASON)
    passed = play(TRACK, [ev(START, 10_000_000), faulty(CP1, 400_000)])
    assert (passed.status, passed.checkpoints, passed.reason) == (
        RunStatus.review, (None, None), REVIEW_REASON)


def test_a_faulty_edge_off_the_run_changes_nothing():
    armed = arm(TRACK)
    assert apply_edge(armed, TRACK, faulty(FINISH, 400_000), LIMIT) is armed
    running = play(TRACK, [ev(START, 10_000_000)])
    assert apply_edge(running, TRACK, faulty(GateRef("esp32-c", 0), 1), LIMIT) is running
