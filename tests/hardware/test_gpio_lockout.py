"""Properties of the leading-edge lockout of one gate, over any train of edges."""

from hypothesis import given
from hypothesis import strategies as st

from hardware.gpio import _Gate

DEBOUNCE_US = 2000


def feed(gaps, initial_broken=False):
    """Drive one gate with alternating levels at the given gaps (µs), then let the
    lockout end; return (emitted edges, the line's final level, event times)."""
    gate = _Gate(0, "start", 17, DEBOUNCE_US, broken=initial_broken, seen=initial_broken,
                 since_us=0)
    emitted, times = [], []
    t_us, level = 0, initial_broken
    for gap in gaps:
        t_us += gap
        level = not level
        times.append(t_us)
        out, _dropped = gate.observe(t_us, level)
        emitted += out
    emitted += gate.settle(t_us + DEBOUNCE_US)
    return emitted, level, times, gate


trains = st.lists(st.integers(min_value=1, max_value=6000), min_size=1, max_size=40)


@given(trains, st.booleans())
def test_the_gate_ends_in_the_lines_final_state(gaps, initial):
    emitted, level, _times, gate = feed(gaps, initial)
    assert gate.broken == level
    assert (emitted[-1][1] if emitted else initial) == level


@given(trains, st.booleans())
def test_emitted_edges_alternate_and_are_a_lockout_apart(gaps, initial):
    emitted, _level, _times, _gate = feed(gaps, initial)
    states = [initial] + [broken for _t, broken in emitted]
    assert all(a != b for a, b in zip(states, states[1:], strict=False))
    stamps = [t for t, _broken in emitted]
    assert all(b - a >= DEBOUNCE_US for a, b in zip(stamps, stamps[1:], strict=False))


@given(trains, st.booleans())
def test_the_leading_edge_keeps_its_own_time(gaps, initial):
    emitted, _level, times, _gate = feed(gaps, initial)
    assert emitted[0] == (times[0], not initial)


@given(trains, st.booleans())
def test_every_stamp_is_an_edge_time_or_the_end_of_a_lockout(gaps, initial):
    emitted, _level, times, _gate = feed(gaps, initial)
    stamps = [t for t, _broken in emitted]
    for before, stamp in zip(stamps, stamps[1:], strict=False):
        assert stamp in times or stamp == before + DEBOUNCE_US


def test_a_clean_train_slower_than_the_lockout_is_passed_through_unchanged():
    emitted, _level, times, _gate = feed([1000, 5000, 2000, 30000])
    assert emitted == [(1000, True), (6000, False), (8000, True), (38000, False)]
    assert [t for t, _ in emitted] == times
