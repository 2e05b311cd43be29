"""The demo for real (server, simulated agent, auto-arming): it has a schedule from its
first minute, its simulated teams run in the schedule's order, the call-up queue follows
the schedule, and the ETA of what comes next is measured from the real runs."""

from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests

from tests.support.venue import Proc, free_port

pytestmark = pytest.mark.e2e


def _wait(what: str, check, proc: Proc, timeout: float = 90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = check()
        except requests.RequestException:
            found = None
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{what} never happened:\n{proc.tail(60)}")


@pytest.fixture
def demo(tmp_path: Path):
    port = free_port()
    proc = Proc([sys.executable, "-m", "scoreboard.cli", "demo", "--port", str(port),
                 "--dir", str(tmp_path / "demo"), "--sim-scale", "0.1"],
                tmp_path / "demo.log").start()
    base = f"http://127.0.0.1:{port}/api/v1"
    yield base, proc
    proc.stop()


def _schedule(base: str, **params) -> list[dict]:
    resp = requests.get(f"{base}/schedule", params=params, timeout=10)
    return resp.json() if resp.ok else []


def test_the_demo_runs_its_teams_in_schedule_order(demo):
    base, proc = demo
    began = datetime.now().replace(second=0, microsecond=0)
    plan = _wait("a schedule", lambda: _schedule(base, place="lintasan-a"), proc)
    # from its first minute: the track's first slot starts the minute the demo started
    first = datetime.fromisoformat(plan[0]["start"])
    if first.date() == began.date():
        assert began <= first <= began + timedelta(minutes=2), (began, first)
    else:  # started in its last hour of the day: the demo opens tomorrow at 07:00
        assert (began.hour, first.date() - began.date(), first.hour) == (23, timedelta(1), 7)
    order = [(r["team"], r["ref"]) for r in plan]
    assert len(order) == 36  # 12 SMP teams x 3 attempts
    # the call-up queue is a stretch of the schedule's order of teams still to run
    queue = _wait("a call-up queue", lambda: requests.get(
        f"{base}/display/callup", params={"arena": "lintasan-a"}, timeout=10).json()[0]["queue"],
        proc)
    waiting = [q["team"] for q in queue]
    planned = [t for t, _ref in order]
    assert len(waiting) == 3
    positions = [planned.index(t) for t in waiting]
    assert positions == sorted(positions), (waiting, planned)
    assert all(q["eta"] for q in queue)
    # the simulated teams run in the schedule's order
    runs = _wait("six runs on lintasan-a", lambda: (lambda rs: rs if len(rs) >= 6 else None)(
        requests.get(f"{base}/runs", params={"category": "lf-smp", "limit": 50},
                     timeout=10).json()), proc)
    armed = [(r["team"], str(r["attempt"])) for r in sorted(runs, key=lambda r: r["id"])]
    assert armed[:6] == order[:6]
    # what ran is no longer planned, and the rest moves by the measured pace
    now_rows = _schedule(base, place="lintasan-a")
    statuses = {(r["team"], r["ref"]): r["status"] for r in now_rows}
    assert all(statuses[key] in ("running", "done") for key in armed[:6])
    upcoming = [r for r in now_rows if r["status"] == "planned"]
    assert upcoming and all(r["eta"] for r in upcoming)
    etas = [r["eta"] for r in upcoming]
    assert etas == sorted(etas)
