"""Time from `kejurda demo` starting until every category shows a result (goal <= 120 s).

Starts the real `kejurda demo` (server, simulated agent, simulated referees and judges) on
a free port and polls what the projector's scenes read: a timed category has a result once
its ranking holds a time, a judged one once it holds a score, a match category once one of
its matches is done (the bracket scene draws it with its score). Prints, per category, the
seconds from the command's start, then the slowest.

Run: python benchmarks/bench_demo_results.py [--sim-scale 1.0] [--runs 1]
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
GOAL_S = 120.0
LIMIT_S = 600.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def has_result(base: str, category: dict) -> bool:
    slug, fmt = category["slug"], category["format"]
    if fmt == "match":
        done = requests.get(f"{base}/api/v1/matches", params={"category": slug, "status": "done"},
                            timeout=5).json()
        return bool(done)
    entries = requests.get(f"{base}/api/v1/categories/{slug}/ranking", timeout=5).json()["entries"]
    key = "score" if fmt == "judged" else "best_us"
    return any(e.get(key) is not None for e in entries)


def one_run(sim_scale: float) -> dict[str, float]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "scoreboard.cli", "demo", "--port", str(port),
                                 "--dir", tmp, "--sim-scale", str(sim_scale)], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seen: dict[str, float] = {}
        try:
            categories = None
            while time.monotonic() - started < LIMIT_S:
                assert proc.poll() is None, "kejurda demo exited"
                try:
                    categories = categories or requests.get(f"{base}/api/v1/categories",
                                                            timeout=5).json()
                    for c in categories:
                        if c["slug"] not in seen and has_result(base, c):
                            seen[c["slug"]] = time.monotonic() - started
                except requests.RequestException:
                    pass  # not serving yet
                if categories and len(seen) == len(categories):
                    return seen
                time.sleep(0.25)
            raise SystemExit(f"not every category had a result after {LIMIT_S:.0f} s: {seen}")
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sim-scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    slowest = []
    for n in range(1, args.runs + 1):
        seen = one_run(args.sim_scale)
        for slug, seconds in sorted(seen.items(), key=lambda kv: kv[1]):
            print(f"run {n}: {slug:<12} first result after {seconds:6.1f} s")
        slowest.append(max(seen.values()))
        print(f"run {n}: every category after {slowest[-1]:.1f} s")
    print(f"worst of {args.runs}: {max(slowest):.1f} s (goal <= {GOAL_S:.0f} s): "
          f"{'met' if max(slowest) <= GOAL_S else 'NOT met'}")


if __name__ == "__main__":
    main()
