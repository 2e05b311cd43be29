"""GpioSource on gpiozero's MockFactory: pin changes in, gate edges out.

Most tests use a MockFactory whose pins are stamped by a clock the test sets,
so every ``t_us`` is asserted exactly; one test uses the stock MockPin and the
real monotonic clock to show nothing depends on the fake.
"""

import logging
import threading
import time

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory, MockPin

from hardware.gpio import LEVEL_GRACE_US, SETTLE_GRACE_US, GpioSource, main, parse_gpio_spec
from hardware.source import validate_edge

T0 = 1000.0  # the fake clock's reading when a source boots, in seconds


class ClockedPin(MockPin):
    """A MockPin whose edges carry the factory's fake clock as their ticks.

    ``held_low``: a receiver sinking the line harder than the pull-up, so setting
    the pull (which MockPin does by driving the pin) cannot raise it.
    """

    held_low = False

    def drive_high(self):
        if not self.held_low:
            super().drive_high()

    def _change_state(self, value):
        if self._state == value:
            return False
        self._state = value
        self._last_change = self._factory.now
        return True


class ClockedFactory(MockFactory):
    """MockFactory with a clock the test moves by hand (ticks in seconds, like MockFactory)."""

    def __init__(self):
        super().__init__(pin_class=ClockedPin)
        self.now = T0

    def ticks(self):
        return self.now

    def at_us(self, t_us):
        """Move the clock to ``t_us`` after the source's boot."""
        self.now = T0 + t_us / 1_000_000


class Running:
    """A source's run() in a thread, collecting what it hands to the sink."""

    def __init__(self, source, sink=None):
        self.source = source
        self.edges = []
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=source.run, args=(sink or self.edges.append, self.stop), daemon=True)
        self.thread.start()

    def wait_for(self, predicate, timeout=3.0):
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, f"timed out; edges={self.edges}"
            time.sleep(0.002)

    def wait_edges(self, n):
        self.wait_for(lambda: len(self.edges) >= n)
        return self.edges

    def errors(self):
        return self.source.status()["errors"]

    def close(self):
        self.stop.set()
        self.thread.join(timeout=5)
        assert not self.thread.is_alive()


def edge(seq, gate, kind, t_us, boot="b007"):
    return {"source": "pi-a", "boot": boot, "seq": seq, "gate": gate, "edge": kind,
            "t_us": t_us}


def strip_epoch(edges):
    return [{k: v for k, v in e.items() if k != "t_epoch_us"} for e in edges]


@pytest.fixture
def factory():
    Device.pin_factory = ClockedFactory()
    yield Device.pin_factory
    Device.pin_factory.reset()
    Device.pin_factory = None


@pytest.fixture
def start(factory):
    """Start a source on the fake-clock factory; stopped (pins released) after the test."""
    running = []

    def _start(spec="start=17,finish=27,cp1=22", **kwargs):
        sink = kwargs.pop("sink", None)
        factory.at_us(0)
        source = GpioSource(spec, "pi-a", boot="b007", pin_factory=factory, **kwargs)
        running.append(Running(source, sink))
        return running[-1]

    yield _start
    for run in running:
        run.close()


# -- parse_gpio_spec -------------------------------------------------------------

def test_spec_names_map_to_gate_numbers():
    assert parse_gpio_spec("start=17,finish=27,cp1=22,cp2=5") == [
        ("start", 0, 17), ("finish", 1, 27), ("cp1", 2, 22), ("cp2", 3, 5)]


def test_spec_accepts_numbers_prefixes_spaces_and_any_order():
    assert parse_gpio_spec(" 1 = GPIO27 , 0=bcm17,3=5 ") == [
        ("start", 0, 17), ("finish", 1, 27), ("cp2", 3, 5)]


def test_spec_with_start_only_is_a_lap_track():
    assert parse_gpio_spec("start=17") == [("start", 0, 17)]


@pytest.mark.parametrize(("spec", "message"), [
    ("", "empty --gpio spec"),
    ("start=17,,finish=27", "bad --gpio part ''"),
    ("start17", "bad --gpio part 'start17'"),
    ("start=", "bad --gpio part 'start='"),
    ("begin=17", "bad gate name 'begin' in 'begin=17'"),
    ("cp0=17", "bad gate name 'cp0' in 'cp0=17'"),
    ("start=x17", "bad pin 'x17' in 'start=x17'"),
    ("start=17,finish=28", "bad pin 28 in 'finish=28': BCM pins are 0..27"),
    ("start=17,0=18", "gate 0 (start) given twice, again in '0=18'"),
    ("start=17,cp1=17", "pin 17 used twice: by 'start=17' and 'cp1=17'"),
])
def test_spec_errors_name_the_bad_part(spec, message):
    with pytest.raises(ValueError) as err:
        parse_gpio_spec(spec)
    assert message in str(err.value)


# -- edges ------------------------------------------------------------------------

def test_drive_low_and_high_become_edges_of_the_right_gate_on_stock_mock_pins():
    """Plain MockFactory, real monotonic ticks: B when the line goes low, C when high."""
    Device.pin_factory = MockFactory()
    try:
        source = GpioSource("start=17,finish=27", "pi-a", boot="b007")
        run = Running(source)
        pins = Device.pin_factory.pin(17), Device.pin_factory.pin(27)
        pins[0].drive_low()
        time.sleep(0.005)
        pins[1].drive_low()
        time.sleep(0.005)
        pins[0].drive_high()
        edges = run.wait_edges(3)
        run.close()
    finally:
        Device.pin_factory.reset()
        Device.pin_factory = None
    assert [(e["seq"], e["gate"], e["edge"]) for e in edges] == [(1, 0, "B"), (2, 1, "B"), (3, 0, "C")]
    assert {(e["source"], e["boot"]) for e in edges} == {("pi-a", "b007")}
    assert [validate_edge(e) for e in edges] == edges    # docs/internals.md §1
    assert 0 <= edges[0]["t_us"] < edges[1]["t_us"] < edges[2]["t_us"]
    assert edges[1]["t_us"] - edges[0]["t_us"] >= 5000
    # One wall-clock anchor per boot: t_epoch_us - t_us is the same for every edge.
    assert len({e["t_epoch_us"] - e["t_us"] for e in edges}) == 1


def test_t_us_is_the_pin_factory_timestamp_of_the_change(start, factory):
    run = start()
    factory.at_us(1_500_000)
    factory.pin(22).drive_low()
    factory.at_us(2_250_017)
    factory.pin(22).drive_high()
    # The callback runs later than the change; the stamp stays the change's.
    factory.at_us(9_000_000)
    assert strip_epoch(run.wait_edges(2)) == [edge(1, 2, "B", 1_500_000), edge(2, 2, "C", 2_250_017)]


def test_t_epoch_us_is_boot_wall_clock_plus_t_us(factory):
    before = time.time_ns() // 1000
    source = GpioSource("start=17", "pi-a", pin_factory=factory)
    after = time.time_ns() // 1000
    run = Running(source)
    factory.at_us(3_000_000)
    factory.pin(17).drive_low()
    (e,) = run.wait_edges(1)
    run.close()
    assert before + 3_000_000 <= e["t_epoch_us"] <= after + 3_000_000


def test_active_high_receiver_breaks_on_a_high_line(start, factory):
    run = start("start=17", active_low=False, pull_up=False)
    factory.at_us(10)
    factory.pin(17).drive_high()
    factory.at_us(90_000)
    factory.pin(17).drive_low()
    assert strip_epoch(run.wait_edges(2)) == [edge(1, 0, "B", 10), edge(2, 0, "C", 90_000)]


def test_lockout_is_per_gate(start, factory):
    run = start()
    factory.at_us(100)
    factory.pin(17).drive_low()
    factory.at_us(150)
    factory.pin(27).drive_low()
    assert strip_epoch(run.wait_edges(2)) == [edge(1, 0, "B", 100), edge(2, 1, "B", 150)]
    assert run.errors()["bounce_dropped"] == 0


# -- debounce ---------------------------------------------------------------------

def test_bounce_inside_the_lockout_is_dropped_and_counted(start, factory):
    run = start(debounce_us=2000)
    pin = factory.pin(17)
    for t_us, drive in [(1000, pin.drive_low), (1300, pin.drive_high), (1700, pin.drive_low),
                        (2999, pin.drive_high), (2999, pin.drive_low)]:
        factory.at_us(t_us)
        drive()
    run.wait_for(lambda: run.errors()["bounce_dropped"] == 4)
    factory.at_us(40_000)
    pin.drive_high()
    assert strip_epoch(run.wait_edges(2)) == [edge(1, 0, "B", 1000), edge(2, 0, "C", 40_000)]
    assert run.errors()["bounce_dropped"] == 4


def test_edge_right_at_the_end_of_the_lockout_is_accepted(start, factory):
    run = start(debounce_us=2000)
    pin = factory.pin(17)
    factory.at_us(1000)
    pin.drive_low()
    factory.at_us(3000)
    pin.drive_high()
    assert strip_epoch(run.wait_edges(2)) == [edge(1, 0, "B", 1000), edge(2, 0, "C", 3000)]


def test_final_change_inside_the_lockout_is_emitted_when_the_lockout_ends(start, factory):
    """B, then bounce that leaves the beam clear: the C is not lost, it is stamped
    at the end of the lockout once the clock has passed it (no later edge needed)."""
    run = start(debounce_us=2000)
    pin = factory.pin(17)
    for t_us, drive in [(5000, pin.drive_low), (5300, pin.drive_high), (5600, pin.drive_low),
                        (5900, pin.drive_high)]:
        factory.at_us(t_us)
        drive()
    run.wait_for(lambda: run.errors()["bounce_dropped"] == 3)
    factory.at_us(7000 + SETTLE_GRACE_US)
    assert strip_epoch(run.wait_edges(2)) == [edge(1, 0, "B", 5000), edge(2, 0, "C", 7000)]
    assert run.source.status()["gates"][0]["state"] == "C"


def test_next_edge_settles_the_lockout_before_it_is_handled(start, factory):
    run = start(debounce_us=2000)
    pin = factory.pin(17)
    factory.at_us(5000)
    pin.drive_low()
    factory.at_us(5500)
    pin.drive_high()                  # bounce that stays: the beam is clear
    factory.at_us(9000)
    pin.drive_low()                   # the next robot, before the clock grace
    assert strip_epoch(run.wait_edges(3)) == [
        edge(1, 0, "B", 5000), edge(2, 0, "C", 7000), edge(3, 0, "B", 9000)]


def test_callback_later_than_the_settled_lockout_still_sets_the_state(start, factory):
    """A callback whose change predates an edge already emitted is dropped as late,
    but its level (the newest the line reported) is emitted when the lockout ends."""
    run = start("start=17", debounce_us=2000)
    pin = factory.pin(17)
    factory.at_us(5000)
    pin.drive_low()
    factory.at_us(5300)
    pin.drive_high()
    factory.at_us(7000 + SETTLE_GRACE_US)
    run.wait_edges(2)                 # C settled at the end of the lockout
    factory.at_us(5600)               # ... then the callback of a change at 5600 arrives
    pin.drive_low()
    run.wait_for(lambda: run.errors()["late_dropped"] == 1)
    factory.at_us(9000 + SETTLE_GRACE_US)
    assert strip_epoch(run.wait_edges(3)) == [
        edge(1, 0, "B", 5000), edge(2, 0, "C", 7000), edge(3, 0, "B", 9000)]


def test_lost_edge_is_recovered_from_the_line_level(start, factory):
    run = start("start=17")
    pin = factory.pin(17)
    factory.at_us(1000)
    pin.drive_low()
    run.wait_edges(1)
    pin.edges = "falling"             # the rising edge below never reaches the callback
    factory.at_us(20_000)
    pin.drive_high()
    pin.edges = "both"
    factory.at_us(500_000)
    time.sleep(0.1)                   # run() notices the mismatch ...
    factory.at_us(500_000 + LEVEL_GRACE_US)
    assert strip_epoch(run.wait_edges(2)) == [   # ... and believes it once it has lasted
        edge(1, 0, "B", 1000), edge(2, 0, "C", 500_000 + LEVEL_GRACE_US)]
    assert run.errors()["level_resync"] == 1


# -- stuck beam -------------------------------------------------------------------

def test_beam_blocked_longer_than_stuck_ms_is_reported_and_cleared(start, factory, caplog):
    caplog.set_level(logging.WARNING, logger="hardware.gpio")
    run = start(stuck_ms=10_000)
    pin = factory.pin(27)
    factory.at_us(1_000_000)
    pin.drive_low()
    run.wait_edges(1)
    factory.at_us(11_000_000)         # exactly stuck_ms: not yet
    time.sleep(0.1)
    assert run.source.status()["gates"][1] == {
        "gate": 1, "label": "finish", "pin": 27, "state": "B", "stuck": False}
    factory.at_us(11_000_001)
    run.wait_for(lambda: run.source.status()["gates"][1]["stuck"])
    assert run.errors()["stuck"] == 1
    assert "gate 1 (finish) on GPIO27: beam blocked for over 10000 ms" in caplog.text
    factory.at_us(12_000_000)
    pin.drive_high()
    run.wait_edges(2)
    run.wait_for(lambda: not run.source.status()["gates"][1]["stuck"])
    assert run.source.status()["gates"][1]["state"] == "C"
    assert run.errors()["stuck"] == 1


def test_beam_already_blocked_at_start_is_state_b_and_goes_stuck(factory):
    pin = factory.pin(17)
    pin.drive_low()
    pin.held_low = True
    factory.at_us(0)
    run = Running(GpioSource("start=17", "pi-a", pin_factory=factory, stuck_ms=500))
    assert run.source.status()["gates"][0]["state"] == "B"
    factory.at_us(500_000)            # exactly stuck_ms: not yet
    time.sleep(0.1)
    assert run.source.status()["gates"][0]["stuck"] is False
    factory.at_us(500_001)
    run.wait_for(lambda: run.source.status()["gates"][0]["stuck"])
    pin.held_low = False
    factory.at_us(700_000)
    pin.drive_high()
    edges = run.wait_edges(1)
    run.close()
    assert strip_epoch(edges) == [{"source": "pi-a", "boot": run.source.boot, "seq": 1,
                                   "gate": 0, "edge": "C", "t_us": 700_000}]
    assert run.source.status()["gates"][0] == {
        "gate": 0, "label": "start", "pin": 17, "state": "C", "stuck": False}


# -- status, sink and lifecycle ---------------------------------------------------

def test_status_of_a_fresh_source(factory):
    source = GpioSource("start=17,cp1=22", "pi-a", boot="b007", pin_factory=factory)
    assert source.status() == {
        "kind": "gpio", "name": "pi-a", "boot": "b007",
        "gates": [{"gate": 0, "label": "start", "pin": 17, "state": "C", "stuck": False},
                  {"gate": 2, "label": "cp1", "pin": 22, "state": "C", "stuck": False}],
        "last_edge_at": None, "edges": 0, "last_seq": 0, "debounce_us": 2000, "stuck_ms": 10000,
        "pin_factory": "ClockedFactory",
        "errors": {"bounce_dropped": 0, "late_dropped": 0, "redundant": 0, "level_resync": 0,
                   "stuck": 0, "sink_failed": 0, "lost": 0}}
    source.close()


def test_last_edge_at_is_the_delivered_edges_epoch_estimate_in_seconds(start, factory):
    run = start()
    factory.at_us(42)
    factory.pin(17).drive_low()
    (e,) = run.wait_edges(1)
    run.wait_for(lambda: run.source.status()["last_edge_at"] is not None)
    assert run.source.status()["last_edge_at"] == e["t_epoch_us"] / 1_000_000
    assert run.source.status()["edges"] == 1
    assert run.source.status()["last_seq"] == 1


def test_boot_is_random_per_start_and_name_is_checked(factory):
    a = GpioSource("start=17", "pi-a", pin_factory=factory)
    a.close()
    b = GpioSource("start=17", "pi-a", pin_factory=factory)
    b.close()
    assert a.boot != b.boot
    assert len(a.boot) == 8 and int(a.boot, 16) >= 0
    with pytest.raises(ValueError, match="source name must be 1..64 characters"):
        GpioSource("start=17", "", pin_factory=factory)


def test_a_failing_sink_is_retried_and_the_edge_delivered_once(start, factory):
    delivered = []
    calls = []

    def sink(e):
        calls.append(e["seq"])
        if len(calls) == 1:
            raise OSError("disk full")
        delivered.append(e)

    run = start(sink=sink)
    factory.at_us(700)
    factory.pin(17).drive_low()
    run.wait_for(lambda: delivered, timeout=5)
    assert calls == [1, 1]
    assert strip_epoch(delivered) == [edge(1, 0, "B", 700)]
    assert run.errors()["sink_failed"] == 1


def test_run_releases_the_pins_when_stopped(factory):
    run = Running(GpioSource("start=17", "pi-a", pin_factory=factory))
    run.close()
    again = GpioSource("start=17", "pi-b", pin_factory=factory)
    again.close()


def test_pin_in_use_fails_naming_pin_and_gate(factory):
    first = GpioSource("start=17", "pi-a", pin_factory=factory)
    with pytest.raises(RuntimeError, match=r"cannot open GPIO17 for gate 2 \(cp1\)"):
        GpioSource("start=18,cp1=17", "pi-b", pin_factory=factory)
    first.close()
    # The half-opened second source gave GPIO18 back.
    GpioSource("start=18", "pi-c", pin_factory=factory).close()


def test_bench_check_command_fails_in_one_line_on_a_bad_spec(caplog):
    assert main(["start=17,finish=99"]) == 2
    assert "bad pin 99 in 'finish=99': BCM pins are 0..27" in caplog.text
