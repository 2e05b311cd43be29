"""A beam flickering as a robot leaves the gate is one crossing, not a new start."""

from judging.timed import Edge, is_rebound


def e(seq: int, kind: str, t_us: int, gate: int = 0, boot: str = "b1") -> Edge:
    return Edge("pi-b", boot, seq, gate, kind, t_us)


def test_b_within_window_after_clear_is_a_rebound():
    assert is_rebound(e(2, "C", 1_000_000), e(3, "B", 1_019_999)) is True


def test_b_at_the_window_or_later_is_a_new_crossing():
    assert is_rebound(e(2, "C", 1_000_000), e(3, "B", 1_020_000)) is False


def test_only_b_after_c_on_the_same_gate_and_clock_counts():
    assert is_rebound(None, e(3, "B", 1_000_100)) is False
    assert is_rebound(e(2, "B", 1_000_000), e(3, "B", 1_000_100)) is False
    assert is_rebound(e(2, "C", 1_000_000), e(3, "C", 1_000_100)) is False
    assert is_rebound(e(2, "C", 1_000_000, gate=1), e(3, "B", 1_000_100)) is False
    assert is_rebound(e(2, "C", 1_000_000, boot="b0"), e(3, "B", 1_000_100)) is False


def test_window_is_configurable():
    assert is_rebound(e(2, "C", 0), e(3, "B", 4_000), window_us=5_000) is True
    assert is_rebound(e(2, "C", 0), e(3, "B", 5_000), window_us=5_000) is False
