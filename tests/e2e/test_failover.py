"""Failover to a warm standby with real processes (docs/data-safety.md).

A primary server, `kejurda standby` following it, a virtual ESP32 on a pty and
`kejurda agent --serial` given both servers. The standby is frozen (SIGSTOP) while a
run is driven on the primary, so the primary acks edges its standby never got; then the
primary is SIGKILLed, the standby thawed and `kejurda promote`d. The agent moves to the
promoted standby and sends its recently acked edges again: every edge the box made is
stored exactly once there, and every run's time equals the truth to the microsecond.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.esp32 import (
    Robot,
    assert_runs_match,
    start_box,
    stored_edges,
    wait_stored,
)
from tests.support.venue import ROOT, Proc, Venue, free_port, wait_for_agent

pytestmark = pytest.mark.e2e

TEAMS = ["SMP-01", "SMP-02", "SMP-03"]


@pytest.fixture
def box(tmp_path: Path):
    b = start_box(tmp_path, seed=11, ppm=20)
    yield b
    b.stop()


def _rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def wait_for(predicate, what: str, logs, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"{what}\n{logs()}"
        time.sleep(0.05)


def start_standby(venue: Venue, folder: Path, port: int, env: dict | None = None) -> Proc:
    folder.mkdir()
    proc = Proc([sys.executable, "-m", "scoreboard.cli", "standby", "--primary", venue.url,
                 "--token", venue.tokens["admin"], "--port", str(port), "--poll", "0.1",
                 "--db", f"sqlite:///{folder / 'standby.db'}"], folder / "standby.log",
                env=env or {"KEJURDA_BACKUP_EVERY_MIN": "0"}).start()
    venue.procs.append(proc)
    state = folder / "instance" / "standby.json"
    wait_for(lambda: state.exists() and json.loads(state.read_text())["state"] == "following",
             "the standby never started following", venue.logs)
    return proc


def promote(folder: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, KEJURDA_INSTANCE=str(folder / "instance"))
    return subprocess.run([sys.executable, "-m", "scoreboard.cli", "promote", "--wait", "60"],
                          capture_output=True, text=True, timeout=90, cwd=ROOT, env=env)


def test_primary_killed_standby_promoted_every_acked_edge_once(venue: Venue, box, tmp_path):
    primary = venue.start_server(env={"KEJURDA_BACKUP_EVERY_MIN": "0"})
    folder, port = tmp_path / "standby", free_port()
    standby = start_standby(venue, folder, port)
    standby_db = folder / "standby.db"
    new = Venue(tmp_path, port, f"sqlite:///{standby_db}", venue.tokens, venue.procs)
    venue.start_agent("--serial", box.link, "--server", new.url)
    wait_for_agent(venue, timeout=90)  # a loaded machine starts processes slowly
    robot = Robot(box, venue)
    for k, team in enumerate(TEAMS[:2]):
        robot.play(team, 600_000 + 12_345 * k, 250_000 + k)
    assert_runs_match(venue, robot.truths)

    run = robot.arm(TEAMS[2])
    wait_for(lambda: _rows(standby_db, f"SELECT status FROM run WHERE id = {run['id']}")
             == [("armed",)], "the standby never saw the armed run", venue.logs)
    standby.popen.send_signal(signal.SIGSTOP)  # from here on the standby falls behind
    try:
        truth = robot.drive(run, 1_111_111, 400_000)
        robot.wait_done()
        robot.wait_acked()
        assert_runs_match(venue, [truth])  # the primary stored and acked them all
        assert wait_stored(venue, robot.expected_rows()) == robot.expected_rows()
        primary.stop(signal.SIGKILL)
    finally:
        standby.popen.send_signal(signal.SIGCONT)
    behind = _rows(standby_db, "SELECT COUNT(*) FROM gate_event")[0][0]
    assert behind < len(robot.expected_rows())  # the standby really lacked some

    done = promote(folder)
    assert done.returncode == 0, done.stderr + venue.logs()
    assert done.stdout.strip().splitlines()[-1] == f"promoted: serving on {new.url}"
    # the agent moves over and re-sends what the dead primary had acked
    assert_runs_match(new, robot.truths, timeout=60)
    assert wait_stored(new, robot.expected_rows()) == robot.expected_rows(), new.logs()

    robot.venue = new  # the timekeeper's desk follows the address that moved
    robot.play(TEAMS[0], 777_777, 300_000)
    assert_runs_match(new, robot.truths)
    want = robot.expected_rows()
    assert wait_stored(new, want) == want
    assert len(stored_edges(new)) == len(set(stored_edges(new)))
    best = {}
    for t in robot.truths:
        best[t.team] = min(best.get(t.team, t.elapsed_us), t.elapsed_us)
    ranking = new.api("GET", "/categories/lf-smp/ranking").json()["entries"]
    assert {e["team"]: e["best_us"] for e in ranking if e["best_us"] is not None} == best
