"""`kejurda schedule generate` (CONTRACT §1) as a real subprocess: a version's summary on
stdout, impossible slots on stderr, and one clear line for a mistake."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scoreboard" / "demo"
DATA = Path(__file__).parent.parent / "data"


def _run(*args: str, db: str):
    return subprocess.run([sys.executable, "-m", "scoreboard.cli", *args, "--db", db],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_generate_stores_a_version_and_refuses_an_event_without_days(tmp_path):
    db = f"sqlite:///{tmp_path / 'k.db'}"
    assert _run("event", "load", str(DEMO / "event.toml"), db=db).returncode == 0
    assert _run("teams", "import", str(DEMO / "teams.csv"), db=db).returncode == 0
    done = _run("schedule", "generate", "--time-limit", "2", "--now", "2027-07-06T20:30",
                db=db)
    assert done.returncode == 0, done.stderr
    # half an hour left on the last day: some slots fit, the rest is reported with why
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("schedule version 1: ") and " impossible " in last
    assert "impossible: lf-s" in done.stderr
    assert "no room left on its days (2027-07-05, 2027-07-06) at lintasan-" in done.stderr
    other = f"sqlite:///{tmp_path / 'no-days.db'}"
    assert _run("event", "load", str(DATA / "event.toml"), db=other).returncode == 0
    refused = _run("schedule", "generate", db=other)
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        "kejurda: error: schedule: the event file has no [schedule] table (days and hours)"]
