"""``kejurda agent`` command line: clear one-line errors, defaults, a real short run."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from hardware.agent import lock_data_dir
from hardware.cli import default_data_dir, main, parse_args
from hardware.outbox import Outbox
from tests.hardware.test_agent_support import TOKEN, TinyServer, free_port, wait_for


def run_cli(argv, capsys, monkeypatch, env=None):
    monkeypatch.delenv("KEJURDA_TOKEN", raising=False)
    monkeypatch.delenv("KEJURDA_AGENT_DIR", raising=False)
    for key, value in (env or {}).items():
        monkeypatch.setenv(key, value)
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(("argv", "message"), [
    (["--server", "http://127.0.0.1:5000", "--simulate"],
     "kejurda agent: error: no token: give --token-file FILE or set KEJURDA_TOKEN (or pass "
     "--token, which ps shows) (create one with: kejurda token create --role agent "
     "--name NAME)\n"),
    (["--server", "http://127.0.0.1:5000", "--token", "t"],
     "kejurda agent: error: no gates: give --serial PORT, --gpio SPEC or --simulate\n"),
    (["--token", "t", "--simulate"],
     "kejurda agent: error: the following arguments are required: --server\n"),
    (["--server", "127.0.0.1:5000", "--token", "t", "--simulate"],
     "kejurda agent: error: --server must be an http:// or https:// URL, "
     "got '127.0.0.1:5000'\n"),
    (["--server", "http://h", "--token", "t", "--simulate", "--sim-scale", "0"],
     "kejurda agent: error: --sim-scale must be > 0, got 0.0\n"),
    (["--server", "http://h", "--token", "t", "--simulate", "--sim-dnf-rate", "1.5"],
     "kejurda agent: error: --sim-dnf-rate must be between 0 and 1, got 1.5\n"),
    (["--server", "http://h", "--token", "t", "--simulate", "--sim-seed", "x"],
     "kejurda agent: error: argument --sim-seed: invalid int value: 'x'\n"),
])
def test_usage_errors_are_one_line_and_exit_2(argv, message, capsys, monkeypatch):
    code, out, err = run_cli(argv, capsys, monkeypatch)
    assert code == 2
    assert out == ""
    assert err == message


def test_unusable_data_dir_is_a_usage_error(tmp_path, capsys, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, _, err = run_cli(["--server", "http://h", "--token", "t", "--simulate",
                            "--data-dir", str(blocker / "agent")], capsys, monkeypatch)
    assert code == 2
    assert err.startswith(f"kejurda agent: error: cannot use data dir {blocker / 'agent'}: ")
    assert err.count("\n") == 1


def test_help_exits_zero(capsys, monkeypatch):
    code, out, _ = run_cli(["--help"], capsys, monkeypatch)
    assert code == 0
    assert out.startswith("usage: kejurda agent")


def test_token_and_data_dir_come_from_the_environment():
    env = {"KEJURDA_TOKEN": "from-env", "KEJURDA_AGENT_DIR": "/srv/agent"}
    args = parse_args(["--server", "http://h", "--simulate", "--serial", "/dev/ttyUSB0",
                       "--serial", "/dev/ttyUSB1", "--sim-tracks", "a, b,"], env)
    assert args.token == "from-env"
    assert args.data_dir == Path("/srv/agent")
    assert args.serial == ["/dev/ttyUSB0", "/dev/ttyUSB1"]
    assert args.sim_tracks == ["a", "b"]
    assert args.sim_scale == 1.0
    assert args.sim_dnf_rate == 0.05


def test_default_data_dir_is_per_user():
    assert default_data_dir({"XDG_DATA_HOME": "/x"}) == Path("/x/kejurda/agent")
    assert default_data_dir({}) == Path.home() / ".local/share/kejurda/agent"
    assert default_data_dir({"KEJURDA_AGENT_DIR": "/a", "XDG_DATA_HOME": "/x"}) == Path("/a")


def test_simulated_agent_runs_and_stops(tmp_path, monkeypatch):
    track = {"slug": "lintasan-a", "name": "Lintasan A",
             "start": {"source": "sim-a", "gate": 0}, "finish": {"source": "sim-a", "gate": 1},
             "checkpoints": [], "min_run_ms": 0}
    srv = TinyServer(tracks=[track]).start()
    monkeypatch.setenv("KEJURDA_TOKEN", TOKEN)
    stop = threading.Event()
    result = []
    argv = ["--server", srv.url, "--simulate", "--data-dir", str(tmp_path), "--name", "pi-x",
            "--sim-seed", "3", "--sim-scale", "0.01", "--sim-dnf-rate", "0"]
    thread = threading.Thread(target=lambda: result.append(main(argv, stop)), daemon=True)
    thread.start()
    assert wait_for(lambda: srv.statuses and srv.statuses[-1]["sources"][0]["live_connected"])
    srv.emit_run({"id": 1, "category": "lf", "team": "T-1", "attempt": 1, "status": "armed",
                  "track": "lintasan-a"})
    assert wait_for(lambda: (tmp_path / "ground_truth.jsonl").exists())
    assert wait_for(lambda: len(srv.stored_edges()) >= 4)
    time.sleep(0.3)
    stop.set()
    thread.join(timeout=10)
    srv.stop()
    assert result == [0]
    assert srv.statuses[-1]["agent"] == "pi-x"
    assert Outbox(tmp_path / "outbox.sqlite3").depth() == 0


def test_sigterm_stops_the_agent_cleanly(tmp_path):
    env = {**os.environ, "KEJURDA_TOKEN": "t", "PYTHONPATH": str(Path.cwd())}
    proc = subprocess.Popen(
        [sys.executable, "-m", "hardware.cli", "--server", f"http://127.0.0.1:{free_port()}",
         "--simulate", "--data-dir", str(tmp_path), "--sim-seed", "1"],
        stderr=subprocess.PIPE, text=True, env=env)
    assert wait_for(lambda: (tmp_path / "outbox.sqlite3").exists(), timeout=10)
    time.sleep(0.5)
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert time.monotonic() - started < 6.0
    assert "simulator seed=1 scale=1 dnf_rate=0.05 (replay with --sim-seed 1)" in err
    assert "signal SIGTERM received; stopping" in err
    assert "agent stopped name=" in err
    assert "Traceback" not in err


def test_a_second_agent_on_the_same_data_dir_is_refused(tmp_path, capsys, monkeypatch):
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    held = lock_data_dir(str(tmp_path))
    try:
        code, _, err = run_cli(["--server", "http://127.0.0.1:9", "--token", "t",
                                "--simulate", "--data-dir", str(tmp_path)], capsys, monkeypatch)
    finally:
        held.close()
    assert code == 2
    assert err == (f"kejurda agent: error: another agent is already using data dir {tmp_path}"
                   " (or pass another --data-dir)\n")
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before
