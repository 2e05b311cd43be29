"""The ESP32 track: a virtual timer box on a real pty, read by `kejurda agent --serial`
as it reads the USB cable; the rehearsal breaks the box's beams itself and keeps the
truth of every run in the box's own microseconds."""

from __future__ import annotations

import random
import time
from pathlib import Path

from hardware.virtual_esp32 import VirtualESP32
from scoreboard.rehearsal.event import Plan
from scoreboard.rehearsal.play import Ledger, arm, wait_final
from scoreboard.rehearsal.venue import RehearsalError, Venue

START, FINISH, CHECKPOINT = 0, 1, 2
HOLD_US = 40_000
BOUNCE_US = (25, 60, 300, 340)  # inside the firmware's 2 ms debounce: never reported
SOURCE = "esp32-1"


class Esp32Track:
    """The box and the robots on its track. With `faults` its serial line drops and
    corrupts 2 % of the lines each way, `reboot()` resets the chip between runs, and the
    fault plan asks for a reset and a pulled cable in the middle of a run each once."""

    def __init__(self, folder: Path, speed: float, seed: int, faults: bool) -> None:
        knobs = {"corrupt_rate": 0.02, "drop_rate": 0.02} if faults else {}
        self.box = VirtualESP32(SOURCE, 3, link=str(folder / f"usb-kejurda-{SOURCE}"),
                                seed=seed, ppm=30, **knobs).start()
        self.speed = speed
        self.rng = random.Random(f"kejurda-rehearsal-esp32:{seed}")
        self.truth: dict[int, dict] = {}
        self.edges: dict[str, list[tuple[int, str, int]]] = {}  # boot -> (gate, edge, t_us)
        self.reboots = 0
        self.reboot_wanted = False
        self.reboot_mid_run_wanted = False
        self.unplug_mid_run_wanted = False
        self.unplugged_runs: list[int] = []
        self.across_reboot: dict[int, str] = {}  # run id -> its final status, as the desk saw it
        self._last_t = -1

    def drive(self, run: dict) -> dict:
        """A robot runs: start, checkpoint and finish beams broken at chosen device times."""
        elapsed = self.rng.randrange(int(8e6 / self.speed), int(20e6 / self.speed))
        checkpoint = int(elapsed * self.rng.uniform(0.35, 0.65))
        # At x100 a checkpoint may come inside the start beam's hold: all three presses
        # reach the box before its loop moves on, or a thread descheduled between them
        # would hand the box a checkpoint older than the start's clear edge it took.
        with self.box.held():
            t0 = max(self.box.now_us() + 50_000, self._last_t + 10_000)
            for gate, t in ((START, t0), (CHECKPOINT, t0 + checkpoint),
                            (FINISH, t0 + elapsed)):
                self._press(gate, t)
        self._last_t = t0 + elapsed + HOLD_US
        truth = {"run_id": run["id"], "team": run["team"], "outcome": "finished",
                 "start_source": SOURCE, "start_t_us": t0, "finish_t_us": t0 + elapsed,
                 "elapsed_us": elapsed, "checkpoints_us": [checkpoint]}
        self.truth[run["id"]] = truth
        return truth

    def _press(self, gate: int, t: int) -> None:
        """A beam broken at device time `t`, then clear again: the two edges the box
        reports, recorded under its current boot."""
        self.box.press(gate, t, hold_us=HOLD_US, bounce_us=BOUNCE_US)
        self.edges.setdefault(self.box.boot, []).extend([(gate, "B", t),
                                                         (gate, "C", t + HOLD_US)])

    def drive_across_reboot(self, run: dict) -> dict:
        """A robot runs and the chip resets between its checkpoint and its finish: the
        start and checkpoint are edges of one boot, the finish of the next. Its truth is
        the physical time between the two beams (the box's host-time scale), since no
        device clock spans both boots."""
        checkpoint = self.rng.randrange(int(3e6 / self.speed), int(6e6 / self.speed))
        with self.box.held():
            t0 = max(self.box.now_us() + 50_000, self._last_t + 10_000)
            boot = self.box.boot
            for gate, t in ((START, t0), (CHECKPOINT, t0 + checkpoint)):
                self._press(gate, t)
        self._last_t = t0 + checkpoint + HOLD_US
        start_host = self.box.true_host_us(t0)
        self.reboot()  # once the agent acked the start and the checkpoint
        with self.box.held():
            finish = self.box.now_us() + 50_000
            self._press(FINISH, finish)
            elapsed = round(self.box.true_host_us(finish) - start_host)
        self._last_t = finish + HOLD_US
        truth = {"run_id": run["id"], "team": run["team"], "outcome": "finished",
                 "start_source": SOURCE, "start_boot": boot, "start_t_us": t0,
                 "finish_boot": self.box.boot, "finish_t_us": finish, "elapsed_us": elapsed,
                 "checkpoints_us": [checkpoint], "across_reboot": True}
        self.truth[run["id"]] = truth
        return truth

    def pull_cable(self, truth: dict) -> None:
        """The USB cable is pulled once the run's start beam is broken and plugged back in
        after its finish: the box times on, keeps the edges unacked and resends them."""
        self.wait_clock(truth["start_t_us"] + 1_000)
        self.box.unplug()
        self.wait_clock(truth["finish_t_us"] + HOLD_US + 10_000)
        self.box.replug()
        self.unplugged_runs.append(truth["run_id"])

    def wait_clock(self, t_us: int, timeout: float = 30) -> None:
        """Until the box's clock reads `t_us`."""
        deadline = time.monotonic() + timeout
        while self.box.now_us() < t_us:
            if time.monotonic() > deadline:
                raise RehearsalError(f"the ESP32's clock never reached {t_us} µs")
            time.sleep(0.002)

    def expected_rows(self) -> list[tuple]:
        """Every edge the box captured: (source, boot, seq, gate, edge, t_us), its `seq`
        counting from 1 in time order within each boot."""
        return sorted((SOURCE, boot, seq, gate, edge, t) for boot, edges in self.edges.items()
                      for seq, (gate, edge, t) in enumerate(sorted(edges, key=lambda e: e[2]),
                                                           1))

    def wait_acked(self, timeout: float = 60) -> None:
        """Until the box's clock is past the last press and the agent acked every edge."""
        deadline = time.monotonic() + timeout
        while (self.box.now_us() < self._last_t + 5_000
               or self.box.device.acked != self.box.device.seq):
            if time.monotonic() > deadline:
                raise RehearsalError("the ESP32's edges were never all acked")
            time.sleep(0.02)

    def reboot(self, timeout: float = 60) -> None:
        """Once every edge of this boot is acked by the agent: the chip resets."""
        self.wait_acked(timeout)
        self.box.reboot()
        self._last_t = -1
        self.reboots += 1

    def play(self, venue: Venue, plan: Plan, slug: str, attempts: int, ledger: Ledger,
             limit_s: float) -> None:
        """The desk of the ESP32 track: every team's attempts, one run at a time."""
        for attempt in range(1, attempts + 1):
            for team in plan.teams[slug]:
                if self.reboot_wanted:
                    self.reboot_wanted = False
                    self.reboot()
                ledger.enter()
                armed_at = time.monotonic()
                run = arm(venue, slug, team, attempt)
                if self.reboot_mid_run_wanted:
                    self.reboot_mid_run_wanted = False
                    truth = self.drive_across_reboot(run)
                else:
                    truth = self.drive(run)
                if self.unplug_mid_run_wanted and not truth.get("across_reboot"):
                    self.unplug_mid_run_wanted = False
                    self.pull_cable(truth)
                final = wait_final(venue, run["id"], limit_s)
                if truth.get("across_reboot"):
                    self.across_reboot[run["id"]] = final["status"]
                if final["status"] == "review":
                    resolve_by_hand(venue, final, truth)
                ledger.ended(final, armed_at)

    def stop(self) -> None:
        self.box.stop()


def resolve_by_hand(venue: Venue, run: dict, truth: dict) -> None:
    """The timekeeper settles a run in review with the time read off the track's video
    (to the millisecond): a run in review holds its track until then (contract §4)."""
    elapsed = truth["elapsed_us"] // 1000 * 1000
    resp = venue.api("POST", f"/runs/{run['id']}/resolve",
                     json={"elapsed_us": elapsed, "reason": "timed from the video: " +
                           (run["reason"] or "in review")})
    if resp.status_code != 200:
        raise RehearsalError(f"resolving run {run['id']}: {resp.status_code} {resp.text[:200]}")
