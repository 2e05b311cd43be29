"""The simulator: robots on the championship's tracks, through the same sink as real gates.

``SimulatedTracks`` is a Source. It reads the tracks from ``GET /api/v1/tracks``,
listens on the public ``/live`` namespace for ``run`` events, and for every run that
becomes ``armed`` on a track it simulates, plays a robot (``sim_plan.plan_robot``):
gate edges are emitted in real time, at their true times, stamped with the simulated
device's own clock. Every source name on those tracks is a simulated device with its
own random ``boot``, its own ``seq`` from 1 and its own microsecond clock. The true
times go to ``<data-dir>/ground_truth.jsonl`` (docs/internals.md §4).
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import os
import random
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import requests
import socketio

from hardware.clock_server import wall_us
from hardware.sim_plan import PlannedEdge, RobotPlan, plan_robot
from hardware.source import Sink, SourceHealth, new_boot_id
from hardware.tls import http_session, socketio_options

log = logging.getLogger(__name__)

LIVE = "/live"
ABORTED = ("dnf", "dsq", "timeout")


def _mono_us() -> int:
    return time.monotonic_ns() // 1000


WALL_STEP_FILE = "wall-step-us"


class SimWallClock:
    """The simulated host's wall clock: the real one stepped by the µs written in
    ``<data-dir>/wall-step-us`` (absent or empty: 0). A rehearsal writes it to play NTP
    or an operator stepping a Pi's clock; the agent reads it as it reads a real one."""

    def __init__(self, data_dir: str | os.PathLike) -> None:
        self.path = os.path.join(os.fspath(data_dir), WALL_STEP_FILE)

    def step_us(self) -> int:
        """The step in force now."""
        try:
            with open(self.path) as f:
                return int(f.read().strip() or 0)
        except (OSError, ValueError):
            return 0

    def now_us(self) -> int:
        """This simulated host's wall clock, µs since 1970."""
        return time.time_ns() // 1000 + self.step_us()


class SimDevice:
    """A simulated gate controller: boot id, sequence counter and µs clock since boot."""

    def __init__(self, name: str, uptime_us: int = 0, epoch_offset_us: int | None = None) -> None:
        self.name = name
        self.boot = new_boot_id()
        # A device that booted before the agent: its clock does not read 0 now.
        self.boot_mono_us = _mono_us() - uptime_us
        if epoch_offset_us is None:
            epoch_offset_us = wall_us() - _mono_us()
        # Wall time = host monotonic + one fixed offset, shared by the simulated devices,
        # so t_epoch_us differences between them are exact.
        self.boot_epoch_us = self.boot_mono_us + epoch_offset_us
        self.seq = 0

    def t_us(self, mono_us: int) -> int:
        """This device's clock at host monotonic time ``mono_us``."""
        return mono_us - self.boot_mono_us

    def edge(self, gate: int, kind: str, t_us: int) -> dict:
        """The next edge of this device (the caller serialises calls)."""
        self.seq += 1
        return {"source": self.name, "boot": self.boot, "seq": self.seq, "gate": gate,
                "edge": kind, "t_us": t_us, "t_epoch_us": self.boot_epoch_us + t_us}


class _Robot:
    """A plan placed on the host clock: its true start and where it is."""

    def __init__(self, run: dict, plan: RobotPlan, start_mono_us: int) -> None:
        self.run = run
        self.plan = plan
        self.start_mono_us = start_mono_us
        self.stopped_at_us: int | None = None
        self.recorded = False  # its ground truth is written
        # the break of the finish beam that decides the result (None: it never finishes)
        self.finish_edge = next(
            (e for e in plan.edges if (e.source, e.gate) == plan.finish and e.edge == "B"
             and e.offset_us == plan.elapsed_us), None)


class SimulatedTracks:
    """A Source that plays robots on the tracks for each armed run seen on ``/live``."""

    def __init__(
        self,
        server_url: str,
        data_dir: str | os.PathLike,
        seed: int = 0,
        scale: float = 1.0,
        dnf_rate: float = 0.05,
        tracks: Iterable[str] | None = None,
        name: str = "sim",
        tls_pin: bytes | None = None,
        wall: Callable[[], int] = wall_us,
    ) -> None:
        self.server_url = server_url.rstrip("/")
        # pinned like the agent's own connection (hardware/tls.py)
        self.tls_pin = tls_pin
        self.http = http_session(tls_pin)
        self.data_dir = os.fspath(data_dir)
        self.truth_path = os.path.join(self.data_dir, "ground_truth.jsonl")
        self.seed = seed
        self.scale = scale
        self.dnf_rate = dnf_rate
        self.wanted = set(tracks) if tracks else None
        self.name = name
        self.health = SourceHealth("sim", name)
        self.tracks: dict[str, dict] = {}
        self.devices: dict[str, SimDevice] = {}
        self._uptime_rng = random.Random()
        # the simulated host's wall clock (SimWallClock), read once as the agent reads it
        self.wall = wall
        self._epoch_offset_us = wall() - _mono_us()
        self._lock = threading.Condition()
        self._queue: list[tuple[int, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._track_free_at: dict[str, int] = {}
        self._seen_runs: set[Any] = set()
        self._robots: dict[Any, _Robot] = {}
        self._live_connected = False
        self._sink: Sink | None = None

    # -- Source protocol -----------------------------------------------------------------

    def run(self, sink: Sink, stop: threading.Event) -> None:
        """Listen for armed runs and play robots until ``stop`` is set."""
        self._sink = sink
        os.makedirs(self.data_dir, exist_ok=True)
        listener = threading.Thread(target=self._listen, args=(stop,), name="sim-live",
                                    daemon=True)
        listener.start()
        self._play(stop)
        listener.join(timeout=2.0)

    def status(self) -> dict:
        """Health, the simulated devices and how many robots are on the tracks."""
        with self._lock:
            devices = {n: {"boot": d.boot, "seq": d.seq} for n, d in self.devices.items()}
            now = _mono_us()
            busy = sorted(slug for slug, free in self._track_free_at.items() if free > now)
        return self.health.snapshot(
            tracks=sorted(self.tracks), devices=devices, busy_tracks=busy,
            live_connected=self._live_connected, seed=self.seed, scale=self.scale,
        )

    # -- tracks and /live ----------------------------------------------------------------

    def load_tracks(self) -> None:
        """Fetch ``/api/v1/tracks`` and create a device for every source on ours."""
        response = self.http.get(f"{self.server_url}/api/v1/tracks", timeout=5)
        response.raise_for_status()
        tracks = {t["slug"]: t for t in response.json()
                  if self.wanted is None or t["slug"] in self.wanted}
        if self.wanted and self.wanted - set(tracks):
            log.warning("simulated tracks not on the server: %s",
                        ", ".join(sorted(self.wanted - set(tracks))))
        with self._lock:
            self.tracks = tracks
            for track in tracks.values():
                refs = [track["start"], track["finish"], *(track.get("checkpoints") or [])]
                for ref in refs:
                    if ref["source"] not in self.devices:
                        uptime = self._uptime_rng.randint(1_000_000, 60_000_000)
                        device = SimDevice(ref["source"], uptime, self._epoch_offset_us)
                        self.devices[device.name] = device
                        log.info("simulated device source=%s boot=%s", device.name,
                                 device.boot)
        log.info("simulating tracks=%s", ",".join(sorted(tracks)) or "(none)")

    def _listen(self, stop: threading.Event) -> None:
        """Stay connected to ``/live``, reconnecting with backoff when it drops."""
        delay = 0.5
        while not stop.is_set():
            if self._live_once(stop):
                delay = 0.5
                continue
            stop.wait(delay)
            delay = min(delay * 2, 10.0)

    def _live_once(self, stop: threading.Event) -> bool:
        """One ``/live`` session; False if it could not even connect."""
        client = socketio.Client(reconnection=False, **socketio_options(self.tls_pin))
        gone = threading.Event()

        def on_disconnect(*_reason: Any) -> None:
            gone.set()

        client.on("run", self.on_run, namespace=LIVE)
        client.on("snapshot", self.on_snapshot, namespace=LIVE)
        client.on("disconnect", on_disconnect, namespace=LIVE)
        try:
            self.load_tracks()
            client.connect(self.server_url, namespaces=[LIVE], transports=["websocket"],
                           wait_timeout=5)
        except (requests.RequestException, ValueError, KeyError,
                socketio.exceptions.ConnectionError) as exc:
            self.health.error("connect")
            log.warning("simulator cannot reach server=%s: %s", self.server_url, exc)
            return False
        self._live_connected = True
        log.info("simulator listening server=%s namespace=%s", self.server_url, LIVE)
        while not stop.is_set() and not gone.wait(0.1):
            pass
        self._live_connected = False
        # Closing waits for the server's close frame; nothing depends on it.
        threading.Thread(target=client.disconnect, daemon=True).start()
        if not stop.is_set():
            self.health.error("live_dropped")
            log.warning("simulator lost %s server=%s; reconnecting", LIVE, self.server_url)
        return True

    def on_snapshot(self, snapshot: Any) -> None:
        """The scoreboard's ``snapshot`` at connect: armed runs we missed get robots too."""
        runs = snapshot.get("runs") if isinstance(snapshot, dict) else None
        for run in runs if isinstance(runs, list) else []:
            self.on_run(run)

    def on_run(self, run: Any) -> None:
        """A ``run`` event from ``/live``: an armed run on our track gets a robot."""
        if not isinstance(run, dict):
            return
        if run.get("status") in ABORTED:
            self.take_off(run.get("id"))
            return
        if run.get("status") != "armed":
            return
        with self._lock:
            track = self.tracks.get(run.get("track"))
            if track is None or run.get("id") in self._seen_runs:
                return
            self._seen_runs.add(run.get("id"))
        plan = plan_robot(track, str(run.get("team")), int(run.get("attempt") or 1),
                          self.seed, self.scale, self.dnf_rate)
        self.place(run, plan)

    # -- playing robots ------------------------------------------------------------------

    def place(self, run: dict, plan: RobotPlan) -> None:
        """Put a planned robot on the host clock (after any robot still on its track)."""
        with self._lock:
            now = _mono_us()
            begin = max(now, self._track_free_at.get(plan.track, 0))
            robot = _Robot(run, plan, begin + plan.delay_us)
            self._robots[run.get("id")] = robot
            self._track_free_at[plan.track] = robot.start_mono_us + plan.duration_us
            for planned in plan.edges:
                due = robot.start_mono_us + planned.offset_us
                self._push(due, lambda p=planned, d=due: self._emit(robot, p, d))
            self._push(robot.start_mono_us + plan.duration_us,
                       lambda: self._finish(robot, scheduled=True))
        log.info("robot placed run_id=%s team=%s track=%s attempt=%s outcome=%s "
                 "elapsed_us=%s starts_in_ms=%d", run.get("id"), plan.team, plan.track,
                 plan.attempt, plan.outcome, plan.elapsed_us,
                 (robot.start_mono_us - now) // 1000)

    def _push(self, due_us: int, action: Callable[[], None]) -> None:
        """Queue ``action`` at host time ``due_us``; caller holds the lock."""
        heapq.heappush(self._queue, (due_us, next(self._order), action))
        self._lock.notify()

    def _play(self, stop: threading.Event) -> None:
        """Run queued actions at their times, one thread, so each device's seq follows t_us."""
        while not stop.is_set():
            with self._lock:
                now = _mono_us()
                if not self._queue or self._queue[0][0] > now:
                    wait_us = self._queue[0][0] - now if self._queue else 100_000
                    self._lock.wait(min(wait_us, 100_000) / 1e6)
                    continue
                _, _, action = heapq.heappop(self._queue)
            try:
                action()
            except Exception:
                self.health.error("emit")
                log.exception("simulator action failed")

    def take_off(self, run_id: Any) -> None:
        """The server ended this run (aborted, timed out): the robot leaves the track now.

        Without this, an aborted robot would still cross the finish and the edges
        would time the next run armed on the same track.
        """
        with self._lock:
            robot = self._robots.get(run_id)
            if robot is None or robot.stopped_at_us is not None:
                return
            now = _mono_us()
            if now >= robot.start_mono_us + robot.plan.duration_us:
                return
            robot.stopped_at_us = now
            self._track_free_at[robot.plan.track] = now
        log.info("robot taken off run_id=%s team=%s track=%s", run_id, robot.plan.team,
                 robot.plan.track)
        self._finish(robot)

    def _emit(self, robot: _Robot, planned: PlannedEdge, due_mono_us: int) -> None:
        if robot.stopped_at_us is not None:
            return
        source, gate, kind = planned.source, planned.gate, planned.edge
        device = self.devices[source]
        edge = device.edge(gate, kind, device.t_us(due_mono_us))
        self._sink(edge)
        self.health.edge_seen()
        log.debug("sim edge source=%s boot=%s seq=%d gate=%d edge=%s t_us=%d",
                  source, device.boot, edge["seq"], gate, kind, edge["t_us"])
        if planned is robot.finish_edge:
            # The result is decided at the finish beam, not when it clears 50-200 ms later:
            # an agent killed in between must not take the truth of a timed run with it.
            self._finish(robot)

    def _finish(self, robot: _Robot, *, scheduled: bool = False) -> None:
        """Write the robot's ground truth, once: when its finish beam breaks, or when its
        last edge is out (a robot that does not finish), or when it is taken off."""
        with self._lock:
            self._robots.pop(robot.run.get("id"), None)
            if robot.recorded or (scheduled and robot.stopped_at_us is not None):
                return
            robot.recorded = True
        plan = robot.plan
        outcome, elapsed_us, checkpoints_us = plan.outcome, plan.elapsed_us, plan.checkpoints_us
        start_device = self.devices[plan.start[0]]
        start_t_us: int | None = start_device.t_us(robot.start_mono_us)
        if robot.stopped_at_us is not None:
            # Only what happened before it was taken off is true.
            ran_us = robot.stopped_at_us - robot.start_mono_us
            if elapsed_us is None or elapsed_us > ran_us:
                outcome, elapsed_us = "dnf", None
            checkpoints_us = tuple(
                cp if cp is not None and cp <= ran_us else None for cp in checkpoints_us
            )
            if ran_us < 0:
                start_t_us = None
        finish_t_us = None
        if elapsed_us is not None:
            finish_device = self.devices[plan.finish[0]]
            finish_t_us = finish_device.t_us(robot.start_mono_us + elapsed_us)
        truth = {
            "run_id": robot.run.get("id"),
            "team": plan.team,
            "track": plan.track,
            "outcome": outcome,
            "start_t_us": start_t_us,
            "finish_t_us": finish_t_us,
            "elapsed_us": elapsed_us,
            "checkpoints_us": list(checkpoints_us),
            "attempt": plan.attempt,
            "start_source": start_device.name,
            "start_boot": start_device.boot,
            "taken_off": robot.stopped_at_us is not None,
        }
        with open(self.truth_path, "a", encoding="utf-8") as out:
            out.write(json.dumps(truth) + "\n")
            out.flush()
        log.info("robot done run_id=%s team=%s track=%s outcome=%s elapsed_us=%s",
                 truth["run_id"], plan.team, plan.track, outcome, elapsed_us)
