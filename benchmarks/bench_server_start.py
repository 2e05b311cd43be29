"""How long `kejurda serve` takes to answer after it is started, and to exit after SIGTERM.

Every e2e and browser test starts servers, so this is what a test pays per server (and what
an organiser waits after a restart). Each round: a new SQLite file (the server migrates it),
`kejurda serve` on a free port, poll `/kategori` until it answers 200 (ready), then SIGTERM
and wait for the exit (stop). Prints one line per round and the medians.

Run: python benchmarks/bench_server_start.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def one_round(folder: Path) -> tuple[float, float, int]:
    port = free_port()
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "scoreboard.cli", "serve", "--port", str(port),
         "--db", f"sqlite:///{folder / 'start.db'}"], cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=(folder / "server.log").open("wb"),
        env={**os.environ, "KEJURDA_INSTANCE": str(folder / "instance")})
    while True:
        try:
            if requests.get(f"http://127.0.0.1:{port}/kategori", timeout=1).ok:
                break
        except requests.RequestException:
            if proc.poll() is not None:
                raise SystemExit((folder / "server.log").read_text()) from None
            time.sleep(0.02)
    ready = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(60)
    return ready - started, time.monotonic() - ready, code


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    readies, stops = [], []
    for i in range(args.rounds):
        with tempfile.TemporaryDirectory() as tmp:
            ready, stop, code = one_round(Path(tmp))
        readies.append(ready)
        stops.append(stop)
        print(f"round {i + 1}: ready {ready:.2f} s, stop {stop:.2f} s, exit code {code}",
              flush=True)
    print(f"median: ready {statistics.median(readies):.2f} s, stop "
          f"{statistics.median(stops):.2f} s; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
