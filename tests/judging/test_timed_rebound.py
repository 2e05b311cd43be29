"""A beam flickering as a robot leaves the gate is one crossing, not a new start."""

from judging.timed import Edge, is_rebound


def e(seq: int, kind: str, t_us: int, gate: int = 0, boot: str = "b1") -> Edge:
    return Edge("pi-b", boot, seq, gate, kind, t_us)


def test_b_c_b_within_the_window_is_a_rebound():
    assert is_rebound([e(1, "B", 990_000), e(2, "C", 1_000_000)], e(3, "B", 1_019_999)) is True


def test_b_at_the_window_or_later_is_a_new_crossing():
    assert is_rebound([e(1, "B", 990_000), e(2, "C", 1_000_000)], e(3, "B", 1_020_000)) is False


def test_a_gate_that_was_clear_before_the_c_starts_a_new_crossing():
    # C then B shortly after, but nothing blocked the gate just before: a real start
    assert is_rebound([e(2, "C", 1_000_000)], e(3, "B", 1_000_500)) is False
    assert is_rebound([], e(3, "B", 1_000_500)) is False
    assert is_rebound([e(1, "B", 900_000), e(2, "C", 1_000_000)], e(3, "B", 1_000_500)) is False


def test_only_b_c_b_on_the_same_gate_and_clock_counts():
    flicker = [e(1, "B", 999_000), e(2, "C", 1_000_000)]
    assert is_rebound(flicker, e(3, "C", 1_000_100)) is False
    assert is_rebound([e(1, "C", 999_000), e(2, "B", 1_000_000)], e(3, "B", 1_000_100)) is False
    assert is_rebound(flicker, e(3, "B", 1_000_100, gate=1)) is False
    assert is_rebound(flicker, e(3, "B", 1_000_100, boot="b0")) is False


def test_window_is_configurable():
    flicker = [e(1, "B", 0), e(2, "C", 1_000)]
    assert is_rebound(flicker, e(3, "B", 4_000), window_us=5_000) is True
    assert is_rebound(flicker, e(3, "B", 6_000), window_us=5_000) is False


def test_replay_applies_edges_in_order_like_apply_edge_one_by_one():
    from judging.timed import GateRef, RunStatus, TrackRules, apply_edge, arm, replay

    track = TrackRules(GateRef("pi-b", 0), GateRef("pi-b", 1), min_run_us=1_000)
    edges = [e(1, "B", 100, gate=0), e(2, "C", 200, gate=0), e(3, "B", 5_100, gate=1)]
    one_by_one = arm(track)
    for edge in edges:
        one_by_one = apply_edge(one_by_one, track, edge, None)
    replayed = replay(arm(track), track, edges, None)
    assert replayed == one_by_one
    assert (replayed.status, replayed.elapsed_us) == (RunStatus.finished, 5_000)
