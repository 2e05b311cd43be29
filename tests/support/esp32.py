"""Drive a virtual ESP32 timer box from an end-to-end test, and keep the ground truth.

The box (``hardware.virtual_esp32.VirtualESP32``) runs in the test process behind a real
pty with a stable symlink (playing ``/dev/serial/by-id``), so ``kejurda agent --serial
LINK`` follows it across unplug/replug. A ``Robot`` arms a run over the API and breaks
the beams at chosen device times on the box's own clock (with bounce the firmware must
swallow); every edge the box will report is recorded as ground truth, keyed by boot,
in capture order, so its ``seq`` is known too.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from hardware.virtual_esp32 import VirtualESP32
from tests.support.venue import Venue

START, FINISH, CHECKPOINT = 0, 1, 2
HOLD_US = 40_000
BOUNCE_US = (25, 60, 300, 340)  # inside the 2 ms debounce: never reported


def start_box(tmp: Path, name: str = "esp32-a", gates: int = 3, **knobs) -> VirtualESP32:
    """A running virtual box named as in the event file; agents open ``box.link``."""
    return VirtualESP32(name, gates, link=str(tmp / f"usb-kejurda-{name}"), **knobs).start()


@dataclass
class Truth:
    """What really happened in one run, in the device's microseconds."""

    run_id: int
    team: str
    boot: str
    start_t_us: int
    finish_t_us: int
    checkpoints_t_us: list[int | None]  # one slot per checkpoint of the track; None: not passed

    @property
    def elapsed_us(self) -> int:
        return self.finish_t_us - self.start_t_us

    @property
    def checkpoints_us(self) -> list[int]:
        return [None if t is None else t - self.start_t_us for t in self.checkpoints_t_us]


@dataclass
class Robot:
    """Plays robots on one track of one box; remembers every edge it made the box report."""

    box: VirtualESP32
    venue: Venue
    category: str = "lf-smp"
    edges: dict[str, list[tuple[int, str, int]]] = field(default_factory=dict)
    truths: list[Truth] = field(default_factory=list)
    _last_t: int = 0  # device time of the last edge scheduled in the current boot
    _deferred: list[tuple[int, int]] = field(default_factory=list)

    def arm(self, team: str, timeout: float = 30) -> dict:
        """Arm the team's next attempt as timekeeper (waiting while the track is busy)."""
        deadline = time.monotonic() + timeout
        while True:
            resp = self.venue.api("POST", "/runs", json={"category": self.category, "team": team})
            if resp.status_code == 201:
                return resp.json()
            assert resp.status_code == 409 and "busy" in resp.json()["error"], resp.text
            assert time.monotonic() < deadline, resp.text + "\n" + self.venue.logs()
            time.sleep(0.05)

    def drive(self, run: dict, elapsed_us: int, checkpoint_us: int | None = None,
              lead_us: int = 100_000, defer_finish: bool = False) -> Truth:
        """Break start, checkpoint and finish beams at device times from ``lead_us`` on.

        Returns at once; the box reports each edge when its clock gets there
        (``wait_done`` waits for the last one). With ``defer_finish`` the finish is in
        the truth but reaches the box only at ``press_deferred()`` (still before its time).
        """
        t0 = self.box.now_us() + lead_us
        presses = [(START, t0)]
        if checkpoint_us is not None:
            assert HOLD_US + 10_000 < checkpoint_us < elapsed_us - HOLD_US - 10_000
            presses.append((CHECKPOINT, t0 + checkpoint_us))
        presses.append((FINISH, t0 + elapsed_us))
        boot = self.box.boot
        if boot not in self.edges:
            self._last_t = -1
        assert t0 > self._last_t, "presses must not overlap the previous run's"
        self._deferred = []
        for gate, t in presses:
            if defer_finish and gate == FINISH:
                self._deferred.append((gate, t))
            else:
                self.box.press(gate, t, hold_us=HOLD_US, bounce_us=BOUNCE_US)
            self.edges.setdefault(boot, []).extend([(gate, "B", t), (gate, "C", t + HOLD_US)])
        self._last_t = t0 + elapsed_us + HOLD_US
        truth = Truth(run["id"], run["team"], boot, t0, t0 + elapsed_us,
                      [None if checkpoint_us is None else t0 + checkpoint_us])
        self.truths.append(truth)
        return truth

    def press_deferred(self) -> None:
        """Hand the box the finish kept back by ``drive(..., defer_finish=True)``."""
        for gate, t in self._deferred:
            assert self.box.now_us() < t - 5_000, "too late: the finish time has passed"
            self.box.press(gate, t, hold_us=HOLD_US, bounce_us=BOUNCE_US)
        self._deferred = []

    def wait_until(self, t_us: int, timeout: float = 10) -> None:
        """Until the box's clock reads ``t_us``."""
        deadline = time.monotonic() + timeout
        while self.box.now_us() < t_us:
            assert time.monotonic() < deadline, "the box's clock does not move"
            time.sleep(min(0.05, max(0.001, (t_us - self.box.now_us()) / 1e6)))

    def wait_done(self, timeout: float = 10) -> None:
        """Until the box's clock has passed the last edge scheduled (it has captured all)."""
        assert not self._deferred, "a finish is still kept back"
        self.wait_until(self._last_t + 5_000, timeout)

    def wait_acked(self, timeout: float = 15) -> None:
        """Until the box has had every edge of its current boot acked by the agent."""
        deadline = time.monotonic() + timeout
        dev = self.box.device
        while self.box.device is not dev or dev.acked != dev.seq:
            assert time.monotonic() < deadline, (
                f"box acked {dev.acked} of {dev.seq}\n" + self.venue.logs())
            time.sleep(0.02)
            dev = self.box.device

    def play(self, team: str, elapsed_us: int, checkpoint_us: int | None = None) -> Truth:
        """Arm, drive, and wait until the box has captured the run's last edge."""
        truth = self.drive(self.arm(team), elapsed_us, checkpoint_us)
        self.wait_done()
        return truth

    def expected_rows(self) -> list[tuple]:
        """Every edge the server must store, once: (source, boot, seq, gate, edge, t_us)."""
        rows = []
        for boot, edges in self.edges.items():
            for seq, (gate, edge, t) in enumerate(sorted(edges, key=lambda e: e[2]), 1):
                rows.append((self.box.name, boot, seq, gate, edge, t))
        return sorted(rows)


def stored_edges(venue: Venue) -> list[tuple]:
    """The server's gate_event table, read straight from its SQLite file."""
    db = venue.db_url.removeprefix("sqlite:///")
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return sorted(conn.execute(
            "SELECT source, boot, seq, gate, edge, t_us FROM gate_event").fetchall())
    finally:
        conn.close()


def wait_stored(venue: Venue, want: list[tuple], timeout: float = 20) -> list[tuple]:
    """Poll the gate_event table until it equals ``want`` (or the deadline); returns it."""
    deadline = time.monotonic() + timeout
    got = stored_edges(venue)
    while got != want and time.monotonic() < deadline:
        time.sleep(0.2)
        got = stored_edges(venue)
    return got


def outbox_rows(data_dir: Path) -> list[tuple]:
    """Edges waiting in an agent's durable outbox: (source, boot, seq, gate, edge, t_us)."""
    conn = sqlite3.connect(f"file:{data_dir / 'outbox.sqlite3'}?mode=ro", uri=True, timeout=10)
    try:
        return sorted(conn.execute(
            "SELECT source, boot, seq, gate, edge, t_us FROM edges").fetchall())
    finally:
        conn.close()


def assert_runs_match(venue: Venue, truths: list[Truth], timeout: float = 30) -> None:
    """Every run finished with exactly the true elapsed and checkpoint times."""
    for truth in truths:
        run = venue.wait_final(truth.run_id, timeout)
        got = (run["team"], run["status"], run["elapsed_us"], run["checkpoints_us"])
        want = (truth.team, "finished", truth.elapsed_us, truth.checkpoints_us)
        assert got == want, f"run {truth.run_id}: {run}\nwant {want}\n{venue.logs()}"
