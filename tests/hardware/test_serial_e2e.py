"""End to end over a pty: virtual ESP32 -> `kejurda agent --serial` -> server, with faults.

2 % of lines dropped and 2 % corrupted (both directions), one unplug and one reboot of
the box. Every run's time must be exactly the injected one, and
the server must hold every edge exactly once.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from hardware.virtual_esp32 import VirtualESP32
from tests.support.venue import make_venue

pytestmark = pytest.mark.e2e

TEAMS = ["SMP-01", "SMP-02", "SMP-03", "SMP-04"]
START, FINISH, CHECKPOINT = 0, 1, 2


@pytest.fixture
def venue(tmp_path: Path):
    v = make_venue(tmp_path)
    yield v
    for proc in reversed(v.procs):
        proc.stop()


def wait_for_agent(venue) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        resp = venue.api("GET", "/agents", token="admin")
        if resp.ok and resp.json():
            return
        time.sleep(0.1)
    raise AssertionError("agent never connected:\n" + venue.logs())


def play(box, venue, team, *, unplug=False):
    """Arm a run and drive a robot through it; returns (run, expected edges).

    With ``unplug`` the cable is out for 0.9 s before the run is armed, and the run
    waits until the agent has reopened the port (its backoff). The run's edges then
    arrive one by one: several edges of one run in one batch currently trip a server
    bug (scoreboard/services/runs.py reads ``run.start_event``, which is stale after
    ``start_event_id`` was set earlier in the same batch), reported to its owner.
    """
    if unplug:
        box.unplug()
        time.sleep(0.9)
        box.replug()
        heard = box.counts["received"]
        deadline = time.monotonic() + 60
        while box.counts["received"] < heard + 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    resp = venue.api("POST", "/runs", json={"category": "lf-smp", "team": team})
    assert resp.status_code == 201, resp.text
    t0 = box.now_us() + 150_000
    edges = []
    for gate, at in ((START, 0), (CHECKPOINT, 200_000), (FINISH, 600_000)):
        box.press(gate, t0 + at, hold_us=40_000, bounce_us=(25, 60))
        edges += [(gate, "B", t0 + at), (gate, "C", t0 + at + 40_000)]
    time.sleep(max(0.0, (t0 + 700_000 - box.now_us()) / 1e6))  # the last beam cleared
    return venue.wait_final(resp.json()["id"], timeout=90), edges


def stored_edges(venue) -> list[tuple]:
    db = venue.db_url.removeprefix("sqlite:///")
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT boot, seq, gate, edge, t_us FROM gate_event "
                            "WHERE source = 'esp32-a' ORDER BY boot, seq").fetchall()


def test_serial_box_through_agent_and_server_with_faults(venue, tmp_path):
    link = str(tmp_path / "usb-kejurda-esp32-a")
    box = VirtualESP32("esp32-a", 3, link=link, drop_rate=0.02, corrupt_rate=0.02, seed=4,
                       ppm=40).start()
    try:
        venue.start_server()
        venue.start_agent("--serial", link)
        wait_for_agent(venue)
        expected: dict[str, list] = {}
        runs = []
        for k, team in enumerate(TEAMS * 2):
            if k == 5:
                deadline = time.monotonic() + 30
                while box.device.acked != box.device.seq and time.monotonic() < deadline:
                    time.sleep(0.05)
                box.reboot()
            run, edges = play(box, venue, team, unplug=(k == 2))
            runs.append(run)
            expected.setdefault(box.boot, []).extend(edges)
        deadline = time.monotonic() + 60  # generous: a loaded CI machine is slow
        want = sorted((boot, i + 1, g, e, t) for boot, edges in expected.items()
                      for i, (g, e, t) in enumerate(edges))
        while stored_edges(venue) != want and time.monotonic() < deadline:
            time.sleep(0.2)
        assert stored_edges(venue) == want
        for run in runs:
            assert (run["status"], run["elapsed_us"], run["checkpoints_us"]) == (
                "finished", 600_000, [200_000]), run
        assert len(expected) == 2 and box.counts["dropped"] > 0
    finally:
        box.stop()
