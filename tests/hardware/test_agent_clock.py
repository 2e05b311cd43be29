"""The server-clock offset estimator: NTP-style, trusting the fastest round trip."""

from hardware.clock_server import ClockOffset


def test_no_samples_no_estimate_and_edges_unchanged():
    clock = ClockOffset()
    edge = {"seq": 1, "t_us": 5, "t_epoch_us": 1_000}
    assert clock.estimate() is None
    assert clock.to_server_time(edge) is edge
    assert clock.status() == {"offset_us": None, "err_us": None, "samples": 0, "jumps": 0}


def test_offset_comes_from_the_fastest_round_trip():
    clock = ClockOffset()
    assert clock.add(1_000, 6_000, 3_000)       # rtt 2000, offset 4000
    assert clock.add(10_000, 14_700, 10_400)    # rtt 400, offset 4500
    assert clock.add(20_000, 30_000, 29_000)    # rtt 9000: slow, not trusted
    assert clock.estimate() == (4_500, 200)
    assert clock.status() == {"offset_us": 4_500, "err_us": 200, "samples": 3, "jumps": 0}


def test_backwards_round_trip_is_ignored():
    clock = ClockOffset()
    assert clock.add(5_000, 1, 4_000) is False
    assert clock.estimate() is None


def test_only_recent_samples_count():
    clock = ClockOffset(keep=2)
    clock.add(0, 100, 10)        # fastest, but falls out of the window
    clock.add(100, 1_150, 300)
    clock.add(400, 1_500, 550)   # rtt 150: the fastest still kept
    assert clock.estimate() == (1_025, 75)


def test_edge_is_shifted_and_its_doubt_widened_but_t_us_kept():
    clock = ClockOffset()
    clock.add(10_000, 14_700, 10_400)
    edge = {"source": "a", "boot": "b", "seq": 3, "gate": 0, "edge": "B", "t_us": 77,
            "t_epoch_us": 1_000_000, "t_epoch_err_us": 50}
    assert clock.to_server_time(edge) == {**edge, "t_epoch_us": 1_004_500,
                                          "t_epoch_err_us": 250}
    assert edge["t_epoch_us"] == 1_000_000
    no_wall = {"source": "a", "boot": "b", "seq": 4, "gate": 0, "edge": "B", "t_us": 78}
    assert clock.to_server_time(no_wall) == no_wall


def test_reset_forgets():
    clock = ClockOffset()
    clock.add(0, 10, 2)
    clock.reset()
    assert clock.estimate() is None


def test_a_wall_clock_step_is_counted_and_the_trips_kept():
    """The trips are on the host's monotonic scale: a step of the wall clock is news for
    the status, not a reason to move the offset."""
    clock = ClockOffset()
    clock.add(1_000_000, 1_004_000, 1_000_100)
    clock.add(2_000_000, 2_004_000, 2_000_900)
    assert clock.estimate() == (3_950, 50)
    assert clock.watch_wall(7) is None            # the first look
    assert clock.watch_wall(20_007) is None       # within JUMP_US: slew, not a step
    assert clock.watch_wall(2_000_007) == 1_980_000  # NTP stepped it ahead
    assert clock.watch_wall(-3_599_999_993) == -3_602_000_000  # an operator, an hour back
    assert clock.jumps == 2
    assert clock.estimate() == (3_950, 50)
    assert clock.status() == {"offset_us": 3_950, "err_us": 50, "samples": 2, "jumps": 2}
