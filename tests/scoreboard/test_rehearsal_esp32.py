"""The rehearsal's ESP32 track: what it expects the box to number is what the box numbers."""

import threading
import time

from hardware import krt1
from hardware.serial_link import SerialSource
from judging.timed_run import Edge, GateRef, RunStatus, TrackRules, arm, replay
from scoreboard.rehearsal.esp32 import Esp32Track
from tests.support.waiting import wait_until


def ev_rows(frames, boot):
    events = [krt1.decode(f) for f in frames]
    return [("esp32-1", boot, e["seq"], e["gate"], e["edge"], e["t_us"])
            for e in events if e.type == "EV"]



def test_a_drive_whose_thread_loses_the_cpu_between_presses_is_numbered_as_expected(
        tmp_path, monkeypatch):
    """At x400 every run's checkpoint and finish come inside the start beam's 40 ms hold.
    The desk's thread is descheduled for 200 ms after each press (as under a loaded
    rehearsal): the box must still number the edges as `expected_rows` does."""
    track = Esp32Track(tmp_path, speed=400, seed=7, faults=False)
    try:
        frames = []
        track.box.device.write = frames.append
        real_press = track.box.press

        def preempted_press(*args, **kwargs):
            t = real_press(*args, **kwargs)
            time.sleep(0.2)
            return t

        monkeypatch.setattr(track.box, "press", preempted_press)
        truth = track.drive({"id": 1, "team": "LF-SMP-001"})
        assert truth["checkpoints_us"][0] < 40_000
        expected = track.expected_rows()
        assert len(expected) == 6
        assert wait_until(lambda: len(ev_rows(list(frames), track.box.boot)) >= 6)
        assert sorted(set(ev_rows(list(frames), track.box.boot))) == expected  # resent: no agent acks
    finally:
        track.stop()


RULES = TrackRules(GateRef("esp32-1", 0), GateRef("esp32-1", 1), (GateRef("esp32-1", 2),),
                   min_run_us=40_000)


def read_box(track):
    """The agent's serial link on the box's stable link; its edges, in order."""
    source = SerialSource(track.box.path, by_id=False, backoff_s=(0.05, 0.2))
    edges, stop = [], threading.Event()
    thread = threading.Thread(target=source.run, args=(edges.append, stop), daemon=True)
    thread.start()
    assert wait_until(lambda: source.status()["boot"] == track.box.boot)

    def finish():
        stop.set()
        thread.join(5)
    return source, edges, finish


def test_a_cable_pulled_between_start_and_finish_leaves_the_run_exact(tmp_path):
    """Pulled once the start beam is broken, plugged back after the finish: the box times
    on and resends; the run is timed on its one device clock, to the microsecond."""
    track = Esp32Track(tmp_path, speed=100, seed=5, faults=False)
    source, edges, finish = read_box(track)
    try:
        truth = track.drive({"id": 1, "team": "LF-SMP-001"})
        track.pull_cable(truth)
        track.wait_acked()
        assert track.unplugged_runs == [1]
        assert source.status()["errors"]["disconnect"] == 1
        assert [(e["seq"], e["gate"], e["edge"], e["t_us"]) for e in edges] == [
            row[2:] for row in track.expected_rows()]
        state = replay(arm(RULES), RULES, [Edge(**e) for e in edges], 2_000_000)
        assert (state.status, state.elapsed_us, list(state.checkpoints_us)) == (
            RunStatus.finished, truth["elapsed_us"], truth["checkpoints_us"])
    finally:
        finish()
        track.stop()


def test_a_reboot_between_start_and_finish_is_timed_from_the_agents_estimates(tmp_path):
    """The box resets between a run's checkpoint and its finish. The serial link (the
    agent's own code) stamps every edge with its wall-clock estimate; the rules time the
    run from those, within the two edges' stated uncertainties of the physical truth,
    and its checkpoint from the start's boot exactly."""
    track = Esp32Track(tmp_path, speed=100, seed=3, faults=False)
    source, edges, finish = read_box(track)
    try:
        first_boot = track.box.boot
        truth = track.drive_across_reboot({"id": 1, "team": "LF-SMP-001"})
        assert (truth["start_boot"], truth["finish_boot"]) == (first_boot, track.box.boot)
        assert truth["start_boot"] != truth["finish_boot"]
        track.wait_acked()
        assert sorted((e["boot"], e["seq"]) for e in edges) == [
            (first_boot, 1), (first_boot, 2), (first_boot, 3), (first_boot, 4),
            (track.box.boot, 1), (track.box.boot, 2)]
        state = replay(arm(RULES), RULES, [Edge(**e) for e in edges], 2_000_000)
        assert state.status is RunStatus.finished
        assert list(state.checkpoints_us) == truth["checkpoints_us"]
        bound = state.start.t_epoch_err_us + state.finish.t_epoch_err_us + 1
        assert abs(state.elapsed_us - truth["elapsed_us"]) <= bound
    finally:
        finish()
        track.stop()
