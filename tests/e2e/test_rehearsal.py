"""`kejurda rehearse` as the organiser runs it: a real process that starts the server,
the agents (one on a virtual ESP32 behind a pty) and the viewers, plays the championship
and checks the invariants itself, with every fault of the venue played (`--faults`)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.venue import ROOT

pytestmark = pytest.mark.e2e

CHECKS = ("gate edges stored exactly once", "run times equal the ground truth",
          "wall-clock estimates agree with the device clocks",
          "score sheets stored once", "match results stored once",
          "rankings, brackets and medals recomputed by judging/",
          "viewers saw every run update", "participants with a certificate",
          "log lines without a server error")


def rehearse(*args: str, timeout: float = 420) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scoreboard.cli", "rehearse", *args],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT)


FAULTS = ("Wi-Fi of agent pi-1 dropped (", "agent pi-1 killed -9 and restarted",
          "wall clock of pi-1 stepped +2 s and back", "judge tablet offline until now", "server killed -9 between runs and restarted",
          "Wi-Fi of agent pi-1 dropped again", "serial line of esp32-1 dropped",
          "esp32-1 rebooted between runs", "esp32-1 rebooted in the middle of run",
          "esp32-1's cable pulled in the middle of run")


def test_a_small_championship_is_rehearsed_with_faults_and_every_invariant_holds(
        tmp_path: Path):
    proc = rehearse("--teams", "40", "--days", "2", "--speed", "50", "--viewers", "3",
                    "--faults", "--seed", "3", "--dir", str(tmp_path / "gladi"))
    lines = proc.stdout.splitlines()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert lines[-1] == "rehearsal: ok"
    assert "registered on /daftar and approved: 40 teams" in proc.stdout
    played = re.findall(r"^rehearsal: fault: (.+)$", proc.stdout, re.M)
    # each fault of the plan played once, in the order of the day
    assert len(played) == len(FAULTS), played
    assert all(f.startswith(fault) for f, fault in zip(played, FAULTS, strict=True)), played
    checks = {m.group(1): (int(m.group(2)), m.group(3)) for m in re.finditer(
        r"^rehearsal: check (.+?)(?: \(.*\))?: (\d+) — (.+)$", proc.stdout, re.M)}
    assert sorted(checks) == sorted(CHECKS)
    assert all(mark == "ok" for _count, mark in checks.values()), checks
    # 20 timed teams x 2 attempts; 6 sumo + 6 soccer teams in knockouts with a 3rd place
    # match (7 matches each); 6 creative teams x 2 judges; 2 pupils per team
    assert checks["run times equal the ground truth"][0] == 40
    # 10 ESP32-track teams x 2 attempts x 3 gates x (beam broken, beam clear)
    assert "gate edges stored exactly once (120 of the ESP32 box)" in proc.stdout
    assert checks["match results stored once"][0] == 14
    assert checks["score sheets stored once"][0] == 12
    assert checks["participants with a certificate"][0] == 80
    assert checks["viewers saw every run update"][0] >= 40


@pytest.mark.parametrize(("args", "message"), [
    (("--teams", "3"), "--teams"),
    (("--speed", "0"), "--speed"),
    (("--days", "x"), "--days"),
])
def test_a_mistaken_option_is_one_error_line_and_a_failure(args, message):
    proc = rehearse(*args, timeout=60)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], proc.stderr
