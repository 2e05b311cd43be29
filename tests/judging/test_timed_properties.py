"""Properties of the run state machine over arbitrary edge streams."""

from hypothesis import given, settings
from hypothesis import strategies as st

from judging.timed import Edge, GateRef, RunStatus, TrackRules, apply_edge, arm

SOURCES = ("esp32-a", "esp32-b")
TRACKS = [
    TrackRules(GateRef("esp32-a", 0), GateRef("esp32-a", 1), (GateRef("esp32-b", 0),), 2_000),
    TrackRules(GateRef("esp32-a", 0), GateRef("esp32-b", 1), (GateRef("esp32-a", 2),), 0),
    TrackRules(GateRef("esp32-a", 0), GateRef("esp32-a", 0), (), 5_000),
]
LIMIT = 30_000

edges = st.builds(
    Edge,
    source=st.sampled_from(SOURCES),
    boot=st.sampled_from(("b1", "b2")),
    seq=st.just(1),
    gate=st.integers(0, 3),
    edge=st.sampled_from(("B", "C")),
    t_us=st.integers(0, 40_000),
    t_epoch_us=st.none() | st.integers(0, 40_000),
    t_epoch_err_us=st.none() | st.integers(0, 500),
)
streams = st.lists(edges, max_size=25)
limits = st.none() | st.just(LIMIT)


def play(track, stream, limit):
    state = arm(track)
    history = [state]
    for edge in stream:
        state = apply_edge(state, track, edge, limit)
        history.append(state)
    return history


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(TRACKS), streams, limits)
def test_never_a_negative_or_too_short_time(track, stream, limit):
    for state in play(track, stream, limit):
        if state.elapsed_us is not None:
            assert state.elapsed_us >= track.min_run_us >= 0
        assert all(t is None or t >= 0 for t in state.checkpoints_us)
        if state.status is RunStatus.finished:
            assert state.elapsed_us is not None
            assert limit is None or state.elapsed_us <= limit
        if state.status is RunStatus.review:
            assert state.elapsed_us is None and state.reason


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(TRACKS), streams, limits)
def test_c_edges_change_nothing(track, stream, limit):
    with_c = play(track, stream, limit)[-1]
    without_c = play(track, [e for e in stream if e.edge == "B"], limit)[-1]
    assert with_c == without_c


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(TRACKS), streams, limits)
def test_status_only_moves_forward(track, stream, limit):
    order = {RunStatus.armed: 0, RunStatus.running: 1}
    history = play(track, stream, limit)
    for before, after in zip(history, history[1:], strict=False):
        if after is not before:
            assert after != before  # a new object always means a change
            assert order.get(after.status, 2) >= order[before.status]
            assert before.status in (RunStatus.armed, RunStatus.running)
        if before.start is not None:
            assert after.start == before.start
