"""The clock estimator: exact bounds on simple inputs, true error within its bound."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.clock import ClockSync

H0 = 1_764_452_840_000_000  # a host epoch in µs


def simulate(seed, ppm, up, down, period_us, duration_us, offset=987_654):
    """A device whose clock runs ``ppm`` fast; returns (estimator, true host of device t)."""
    rng = random.Random(seed)
    rate = 1 + ppm * 1e-6

    def dev(h):
        return (h - H0) * rate + offset

    clock = ClockSync()
    h = H0
    while h < H0 + duration_us:
        arrive = h + rng.uniform(*up)
        clock.add(int(h), int(dev(arrive)), int(arrive + rng.uniform(*down)) + 1)
        h += period_us
    return clock, (lambda d: (d - offset) / rate + H0), int(dev(h))


def test_one_round_trip_gives_the_midpoint_and_half_the_rtt():
    clock = ClockSync(max_ppm=200)
    assert not clock.ready
    clock.add(1000, 500, 1400)
    assert clock.ready
    # the device read its clock between 999 (it truncates to whole µs) and 1400
    assert clock.to_host(500) == (1200, 203)
    # a second later the drift bound (±200 ppm) widens the range by ±200 µs
    assert clock.to_host(1_000_500) == (1_001_200, 403)
    assert clock.offset_us(500) == 700
    assert clock.drift_ppm() == 0.0


def test_lookup_before_any_round_trip_raises():
    with pytest.raises(LookupError):
        ClockSync().to_host(5)
    assert ClockSync().offset_us(5) is None


def test_reset_forgets():
    clock = ClockSync()
    clock.add(1000, 500, 1400)
    clock.reset()
    assert not clock.ready and clock.samples == []


def test_symmetric_fixed_delay_recovers_offset_and_drift_exactly():
    clock = ClockSync()
    for k in range(20):  # device 100 ppm fast, 300 µs each way
        h = H0 + k * 1_000_000
        clock.add(h, int(k * 1_000_100) + 300, h + 600)
    # a constant delay is invisible: only the round trip bounds the offset
    assert clock.to_host(19 * 1_000_100 + 300) == (H0 + 19_000_000 + 300, 303)
    assert round(clock.drift_ppm(), 3) == pytest.approx(-99.99, abs=0.01)


def test_keeps_the_fastest_when_full():
    clock = ClockSync(capacity=3)
    for k, rtt in enumerate([900, 100, 800, 200]):
        clock.add(k * 1000, k * 1000, k * 1000 + rtt)
    assert sorted(r.rtt for r in clock.samples) == [100, 200, 800]


@pytest.mark.parametrize("seed", range(10))
def test_50ppm_with_0_to_3ms_random_delays_is_within_100us_after_10s(seed):
    clock, true_host, d_now = simulate(seed, 50, (0, 3000), (0, 3000), 20_000, 10_000_000)
    est, err = clock.to_host(d_now)
    assert abs(est - true_host(d_now)) <= 100
    assert abs(est - true_host(d_now)) <= err


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), ppm=st.floats(-150, 150), up=st.integers(0, 5000),
       down=st.integers(0, 5000))
def test_true_time_is_always_inside_the_reported_bound(seed, ppm, up, down):
    clock, true_host, d_now = simulate(seed, ppm, (0, up), (0, down), 200_000, 5_000_000)
    for d in (d_now, d_now - 2_500_000):
        est, err = clock.to_host(d)
        assert abs(est - true_host(d)) <= err
