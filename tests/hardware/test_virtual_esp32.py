"""SerialSource -> sink over a pty, with the virtual ESP32 running the real firmware modules."""

import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import serial

from hardware import krt1
from hardware.serial_link import SerialSource
from hardware.virtual_esp32 import VirtualESP32
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]


class Sink:
    """Stands in for the agent's outbox: records what it was given, in order."""

    def __init__(self):
        self.edges = []
        self.lock = threading.Lock()

    def __call__(self, edge):
        with self.lock:
            self.edges.append(dict(edge))

    def of_boot(self, boot):
        with self.lock:
            return [(e["seq"], e["gate"], e["edge"], e["t_us"]) for e in self.edges
                    if e["boot"] == boot]



def start(box, **opts):
    source = SerialSource(box.path, by_id=False, backoff_s=(0.05, 0.2), **opts)
    sink, stop = Sink(), threading.Event()
    thread = threading.Thread(target=source.run, args=(sink, stop), daemon=True)
    thread.start()

    def finish():
        stop.set()
        thread.join(5)

    return source, sink, finish


def passes(box, count, gap_us=60_000, hold_us=20_000, bounce=(30, 70, 400, 450)):
    """``count`` robots through gates 0, 1, 2, ...; returns the expected (gate, edge, t)."""
    expected = []
    t = box.now_us() + 20_000
    for k in range(count):
        gate = k % box.gates
        box.press(gate, t, hold_us=hold_us, bounce_us=bounce)
        expected += [(gate, "B", t), (gate, "C", t + hold_us)]
        t += gap_us
    time.sleep((t - box.now_us()) / 1e6 + 0.05)
    return expected


def numbered(expected, first=1):
    return [(first + i, g, e, t) for i, (g, e, t) in enumerate(expected)]


def test_cli_prints_a_pty_that_speaks_krt1():
    proc = subprocess.Popen([sys.executable, "-m", "hardware.virtual_esp32", "--name",
                             "esp32-b", "--gates", "2"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        path = proc.stdout.readline().strip()
        assert path.startswith("/dev/pts/")
        with serial.Serial(path, 115200, timeout=10) as port:
            port.write(krt1.encode(["WHO"]))
            # the box is running: its once-a-second heartbeat may come before the answer
            frames = [krt1.decode(port.readline())]
            while frames[-1].type == "HB" and len(frames) < 10:
                frames.append(krt1.decode(port.readline()))
        hello = frames[-1]
        assert (hello.type, hello["device"], hello["gates"]) == ("HELLO", "esp32-b", 2)
    finally:
        proc.terminate()
        proc.wait(5)


def test_edges_carry_exact_device_times_and_an_epoch_inside_its_bound():
    box = VirtualESP32(gates=3, ppm=50, offset_us=12_345, ticks_start=(1 << 30) - 400_000,
                       seed=3).start()
    source, sink, finish = start(box)
    try:
        assert wait_until(lambda: source.status()["boot"] == box.boot)
        time.sleep(1.0)  # the raw tick counter wraps meanwhile
        expected = passes(box, 6)
        assert wait_until(lambda: len(sink.of_boot(box.boot)) == 12)
        assert sink.of_boot(box.boot) == numbered(expected)
        for edge in sink.edges:
            truth = box.true_host_us(edge["t_us"])
            assert abs(edge["t_epoch_us"] - truth) <= edge["t_epoch_err_us"]
            assert edge["source"] == "esp32-a"
        assert wait_until(lambda: box.device.acked == 12)
    finally:
        finish()
        box.stop()


def test_one_megabyte_of_garbage_then_frames_still_arrive():
    box = VirtualESP32(gates=2, seed=5).start()
    source, sink, finish = start(box)
    try:
        assert wait_until(lambda: source.status()["boot"] == box.boot)
        box.garbage(random.Random(1).randbytes(1 << 20))
        expected = passes(box, 4)
        assert wait_until(lambda: len(sink.of_boot(box.boot)) == 8, timeout=60)
        assert sink.of_boot(box.boot) == numbered(expected)
        status = source.status()
        assert status["connected"] is True
        assert status["errors"]["noise"] > 1000
    finally:
        finish()
        box.stop()


def test_every_edge_exactly_once_in_order_through_drops_corruption_unplug_and_reboot(
        tmp_path):
    link = str(tmp_path / "usb-kejurda-esp32-a")
    box = VirtualESP32(gates=3, link=link, drop_rate=0.02, corrupt_rate=0.02, seed=11,
                       ppm=-30).start()
    source, sink, finish = start(box)
    try:
        assert wait_until(lambda: source.status()["boot"] == box.boot)
        first_boot = box.boot
        expected = passes(box, 20)
        box.unplug()
        old_pty = box.pty_path
        expected += passes(box, 10)  # the box keeps timing while unplugged
        box.replug()
        assert box.pty_path != old_pty or os.path.exists(link)
        expected += passes(box, 10)
        assert wait_until(lambda: len(sink.of_boot(first_boot)) == len(expected), 60)
        assert wait_until(lambda: box.device.acked == box.device.seq)
        box.reboot()
        assert wait_until(lambda: source.status()["boot"] == box.boot, 10)
        second = passes(box, 15)
        assert wait_until(lambda: len(sink.of_boot(box.boot)) == len(second), 60)
        time.sleep(1.0)  # resends after this point must not add anything
        assert sink.of_boot(first_boot) == numbered(expected)
        assert sink.of_boot(box.boot) == numbered(second)
        keys = [(e["source"], e["boot"], e["seq"]) for e in sink.edges]
        assert len(keys) == len(set(keys)) == len(expected) + len(second)
        status = source.status()
        assert status["errors"]["disconnect"] >= 1 and status["counts"]["reboots"] == 1
        assert box.counts["dropped"] > 0 and box.counts["corrupted"] > 0
    finally:
        finish()
        box.stop()


def test_a_new_agent_on_a_running_box_learns_the_acked_floor():
    box = VirtualESP32(gates=2, seed=8).start()
    source, sink, finish = start(box)
    try:
        assert wait_until(lambda: source.status()["boot"] == box.boot)
        before = passes(box, 3)
        assert wait_until(lambda: box.device.acked == 6)
    finally:
        finish()
    source2, sink2, finish2 = start(box)  # the agent restarted
    try:
        after = passes(box, 2)
        assert wait_until(lambda: len(sink2.of_boot(box.boot)) == 4)
        assert sink.of_boot(box.boot) == numbered(before)
        assert sink2.of_boot(box.boot) == numbered(after, first=7)
        assert source2.counts["device_acked"] >= 1
    finally:
        finish2()
        box.stop()


@pytest.mark.parametrize("key,value", [("debounce_us", 500), ("stuck_ms", 250)])
def test_cfg_persists_across_reboot(key, value):
    box = VirtualESP32(gates=1, seed=2).start()
    try:
        with serial.Serial(box.path, 115200, timeout=0.2) as port:
            port.write(krt1.encode(["CFG", key, value]))
            assert wait_until(lambda: box.flash[key] == value)  # taken and saved
        box.reboot()
        actual = {"debounce_us": box.device.debounce.debounce_us,
                  "stuck_ms": box.device.stuck_ms}
        assert actual[key] == value
    finally:
        box.stop()


def ev_frames(frames):
    events = [krt1.decode(f) for f in frames]
    return [(e["seq"], e["gate"], e["edge"], e["t_us"]) for e in events if e.type == "EV"]


def test_a_loop_preempted_inside_a_bounce_reports_the_press_once(monkeypatch):
    """Every clock reading 3 ms after the one before, as if the box's thread lost the CPU
    at each: the beam levels must still be those at the time tick() is given, or a
    bounce's level outlives the 2 ms lockout and comes out as two more edges."""
    from hardware import virtual_esp32

    host = [5_000_000_000]

    def preempted_clock():
        host[0] += 3_000
        return host[0]

    monkeypatch.setattr(virtual_esp32, "host_now_us", preempted_clock)
    box = VirtualESP32(gates=1)  # not started: the test runs its loop, step by step
    frames = []
    box.device.write = frames.append
    t = box.now_us() + 3_000 - 410  # the loop's next reading falls between two bounces
    box.press(0, t, hold_us=20_000, bounce_us=(30, 70, 400, 450))
    for _ in range(15):  # 45 ms of device time: the beam is clear again
        box._step()
    assert ev_frames(frames) == [(1, 0, "B", t), (2, 0, "C", t + 20_000)]


def test_a_late_press_from_a_preempted_thread_is_reported_exactly(monkeypatch):
    """The press reaches the running box after its time, from a thread that loses the
    CPU between its edges: the box must not see half a press."""
    box = VirtualESP32(gates=1, seed=4)
    frames = []
    box.device.write = frames.append
    box.start()
    try:
        real_edge = box.edge

        def preempted_edge(*args):
            real_edge(*args)
            time.sleep(0.005)

        monkeypatch.setattr(box, "edge", preempted_edge)
        assert wait_until(lambda: box.now_us() > 100_000)
        t = box.now_us() - 10_000
        box.press(0, t, hold_us=20_000, bounce_us=(30, 70, 400, 450))
        assert wait_until(lambda: len(ev_frames(list(frames))) >= 2)
        time.sleep(0.05)  # the lockout after the last edge is over: nothing may follow
        assert ev_frames(list(frames)) == [(1, 0, "B", t), (2, 0, "C", t + 20_000)]
    finally:
        box.stop()


def test_overlapping_beams_on_two_gates_are_numbered_in_time_order():
    """Gate 0 held 40 ms from t, gate 2 broken at t + 33 ms: the firmware numbers the four
    edges in the order their pin callbacks run, which is time order."""
    box = VirtualESP32(gates=3, seed=6)
    frames = []
    box.device.write = frames.append
    box.start()
    try:
        t = box.now_us() + 30_000
        with box.held():
            box.press(0, t, hold_us=40_000, bounce_us=(25, 60, 300, 340))
            box.press(2, t + 33_000, hold_us=40_000, bounce_us=(25, 60, 300, 340))
        assert wait_until(lambda: len(ev_frames(list(frames))) >= 4)
        time.sleep(0.01)  # the lockout after the last edge is over: nothing may follow
        assert ev_frames(list(frames)) == [(1, 0, "B", t), (2, 2, "B", t + 33_000),
                                           (3, 0, "C", t + 40_000), (4, 2, "C", t + 73_000)]
    finally:
        box.stop()


def test_a_press_before_an_edge_the_chip_already_took_is_refused(monkeypatch):
    """A press handed over after the box took a later edge on another gate (its thread
    lost the CPU) would be numbered after that edge: a pin callback cannot run before an
    earlier one, so the box refuses it instead of reporting edges out of time order."""
    from hardware import virtual_esp32

    host = [5_000_000_000]
    monkeypatch.setattr(virtual_esp32, "host_now_us", lambda: host[0])
    box = VirtualESP32(gates=3)  # not started: the test runs its loop, step by step
    frames = []
    box.device.write = frames.append
    t = box.now_us() + 1_000
    box.press(0, t, hold_us=40_000)
    host[0] += 45_000
    box._step()
    with pytest.raises(ValueError, match="already took"):
        box.press(2, t + 33_000, hold_us=40_000)
    host[0] += 50_000
    box._step()
    assert ev_frames(frames) == [(1, 0, "B", t), (2, 0, "C", t + 40_000)]
    box.reboot()  # a new boot's clock starts again from 0: its first press is taken
    box.press(2, box.now_us(), hold_us=40_000)
