"""`kejurda standby` and `kejurda promote`: a user's mistakes are one line and exit 1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.venue import free_port

ROOT = Path(__file__).resolve().parents[2]


def kejurda(tmp_path: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full = dict(os.environ, KEJURDA_INSTANCE=str(tmp_path / "instance"), **(env or {}))
    full.pop("KEJURDA_TOKEN", None)
    return subprocess.run([sys.executable, "-m", "scoreboard.cli", *args], capture_output=True,
                          text=True, timeout=120, cwd=ROOT, env=full)


def test_promote_without_a_standby_says_so(tmp_path):
    proc = kejurda(tmp_path, "promote")
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"kejurda: error: standby: none is running here (no {tmp_path / 'instance' / 'standby.json'}); "
        "start one with `kejurda standby --primary URL`"]


def test_standby_needs_a_token(tmp_path):
    proc = kejurda(tmp_path, "standby", "--primary", "http://127.0.0.1:9")
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "kejurda: error: token: give --token, --token-file or env KEJURDA_TOKEN "
        "(an admin token of the primary)"]


def test_standby_refuses_a_database_that_holds_a_championship(tmp_path):
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    assert kejurda(tmp_path, "event", "load", str(ROOT / "tests/data/event.toml"),
                   "--db", url).returncode == 0
    proc = kejurda(tmp_path, "standby", "--primary", "http://127.0.0.1:9", "--token", "t",
                   "--port", str(free_port()), "--db", url)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1] == (
        "kejurda: error: database: it already holds a championship; a standby starts on an "
        "empty database (or add --force)")


def test_standby_says_when_the_primary_does_not_answer(tmp_path):
    proc = kejurda(tmp_path, "standby", "--primary", "http://127.0.0.1:9", "--token", "t",
                   "--port", str(free_port()), "--db", f"sqlite:///{tmp_path / 'empty.db'}")
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1] == (
        "kejurda: error: primary: http://127.0.0.1:9 does not answer ([Errno 111] "
        "Connection refused)")
