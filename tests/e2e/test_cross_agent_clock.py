"""A run whose start gate is on one Pi and whose finish gate is on another.

Two real agent processes (hardware.agent.Agent with its durable outbox), each with its own
boot and a wall clock deliberately set wrong (+37 s and -12 s), measure their offsets to
the server's clock over Socket.IO (`clock`) and ship their edges' `t_epoch_us` in server
time. The server times the run from those (docs/contract.md §5) and states `elapsed_err_us`; the
true elapsed time (this host's real clock, which the server also reads) must lie within it.

This file is also the agents' program: `python -m tests.e2e.test_cross_agent_clock
SERVER TOKEN DATA_DIR SOURCE OFFSET_US` runs one agent whose source emits one B edge on
gate 0 each time a file `go-N` appears in DATA_DIR (N = 1, 2, ...), and appends the true
wall time of each edge to `DATA_DIR/truth.jsonl`.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

from tests.support.venue import DATA, Proc, event_variant, kejurda

EVENT_EXTRA = """
[[track]]
slug = "lintasan-x"
name = "Lintasan X (dua Pi)"
start  = { source = "pi-x1", gate = 0 }
finish = { source = "pi-x2", gate = 0 }
min_run_ms = 300

[[category]]
slug = "lf-x"
name = "Line Follower dua Pi"
format = "timed"
track = "lintasan-x"
attempts = 3
time_limit_s = 30
"""
TEAMS = "code,name,institution,category,level,members,contact\n" \
        "X-01,Kilat,SMAN 1 Blitar,lf-x,SMA,Dewi,0812\n"
OFFSETS_US = {"pi-x1": 37_000_000, "pi-x2": -12_000_000}
LOCALHOST_ERR_MAX_US = 5_000


def agent_main(server: str, token: str, data_dir: str, source: str, offset_us: int) -> None:
    """One agent whose host clock is `offset_us` off and whose source fires on `go-N` files."""
    import logging
    import threading

    import hardware.agent
    import hardware.clock_server
    from hardware.source import SourceHealth, new_boot_id

    def skewed_wall_us() -> int:
        return time.time_ns() // 1000 + offset_us

    hardware.clock_server.wall_us = skewed_wall_us  # the one function reading the host's clock

    class FileGate:
        def __init__(self) -> None:
            self.name = source
            self.boot = new_boot_id()
            self.health = SourceHealth("test", source)
            self.booted_ns = time.monotonic_ns()

        def run(self, sink, stop: threading.Event) -> None:
            seq = 0
            while not stop.is_set():
                if not (Path(data_dir) / f"go-{seq + 1}").exists():
                    stop.wait(0.002)
                    continue
                seq += 1
                true_us = time.time_ns() // 1000
                t_us = (time.monotonic_ns() - self.booted_ns) // 1000
                edge = {"source": source, "boot": self.boot, "seq": seq, "gate": 0, "edge": "B",
                        "t_us": t_us, "t_epoch_us": true_us + offset_us, "t_epoch_err_us": 0}
                sink(edge)
                self.health.edge_seen()
                with open(Path(data_dir) / "truth.jsonl", "a") as f:
                    f.write(json.dumps({"seq": seq, "true_us": true_us}) + "\n")

        def status(self) -> dict:
            return self.health.snapshot(boot=self.boot)

    logging.basicConfig(level=logging.INFO)
    agent = hardware.agent.Agent(server, token, [FileGate()], data_dir, name=f"agent-{source}")
    stop = threading.Event()
    import signal
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    agent.run(stop)


# ---------------------------------------------------------------------------- the test


@pytest.fixture
def two_pi_venue(venue, tmp_path):
    event = tmp_path / "event.toml"
    event_variant(DATA / "event.toml", event, append=EVENT_EXTRA)
    teams = tmp_path / "teams.csv"
    teams.write_text(TEAMS)
    kejurda("event", "load", str(event), "--db", venue.db_url)
    kejurda("teams", "import", str(teams), "--db", venue.db_url)
    venue.start_server()
    dirs = {}
    for source, offset in OFFSETS_US.items():
        dirs[source] = tmp_path / source
        dirs[source].mkdir()
        venue.procs.append(Proc([sys.executable, "-m", "tests.e2e.test_cross_agent_clock",
                                 venue.url, venue.tokens["agent"], str(dirs[source]), source,
                                 str(offset)],
                                tmp_path / f"agent-{source}.log").start())
    _wait_for_synced_agents(venue)
    return venue, dirs


def _wait_for_synced_agents(venue, timeout: float = 30) -> list[dict]:
    deadline = time.monotonic() + timeout
    agents = []
    while time.monotonic() < deadline:
        agents = venue.api("GET", "/agents", token="admin").json()
        clocks = [(a.get("status") or {}).get("clock") or {} for a in agents]
        if len(agents) == 2 and all(c.get("samples", 0) >= 5 for c in clocks):
            return agents
        time.sleep(0.2)
    raise AssertionError(f"agents not synced: {agents}\n{venue.logs()}")


def _fire(data_dir: Path, n: int) -> dict:
    (data_dir / f"go-{n}").touch()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        path = data_dir / "truth.jsonl"
        rows = [json.loads(line) for line in path.read_text().splitlines()] \
            if path.exists() else []
        if len(rows) >= n:
            return rows[n - 1]
        time.sleep(0.005)
    raise AssertionError(f"{data_dir.name} did not fire edge {n}")


def test_a_run_across_two_pis_is_timed_within_its_stated_uncertainty(two_pi_venue):
    venue, dirs = two_pi_venue
    agents = _wait_for_synced_agents(venue)
    offsets = {a["status"]["agent"]: a["status"]["clock"]["offset_us"] for a in agents}
    # each agent found its own clock's error (about -37 s and +12 s)
    assert abs(offsets["agent-pi-x1"] + 37_000_000) < LOCALHOST_ERR_MAX_US
    assert abs(offsets["agent-pi-x2"] - 12_000_000) < LOCALHOST_ERR_MAX_US
    results = []
    for attempt, pause_s in enumerate((0.8, 1.3, 0.45), start=1):
        resp = venue.api("POST", "/runs", json={"category": "lf-x", "team": "X-01"})
        assert resp.status_code == 201, resp.text
        run_id = resp.json()["id"]
        start = _fire(dirs["pi-x1"], attempt)
        time.sleep(pause_s)
        finish = _fire(dirs["pi-x2"], attempt)
        run = venue.wait_final(run_id)
        true_us = finish["true_us"] - start["true_us"]
        results.append((run["status"], run["elapsed_us"], run["elapsed_err_us"], true_us))
    for status, elapsed, err, true_us in results:
        assert status == "finished", (results, venue.logs())
        assert 0 < err <= LOCALHOST_ERR_MAX_US, results
        assert abs(elapsed - true_us) <= err, results
    print("cross-agent runs (status, elapsed_us, elapsed_err_us, true_us):", results)


if __name__ == "__main__":
    agent_main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
