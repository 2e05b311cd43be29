"""Public page throughput: wrk against one `kejurda serve` with a 150-team category.

Two reads a hall of phones makes: the category's ranking page (/kategori/<slug>) and its
ranking API (/api/v1/categories/<slug>/ranking); wrk (Debian's) with 200 connections for
15 s each, plain GETs (no revalidation headers, so every answer carries the whole body).
Prints wrk's summary lines (requests/s, latency percentiles, timeouts) and the load average.

With `--proxy`, wrk goes through nginx (Debian's, the configuration `kejurda nginx-config`
writes, its public-page cache included) in front of the same server.

Run: python benchmarks/bench_public_pages.py [--teams 150] [--seconds 15] [--connections 200]
     [--proxy] [--warmup 10]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.bench_live_latency import EVENT, free_port, kejurda  # noqa: E402


def wrk(url: str, seconds: int, connections: int) -> dict:
    out = subprocess.run(["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s",
                          "--timeout", "5s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = dict(re.findall(r"^\s*(50|90|99)%\s+(\S+)\s*$", out, re.M))
    timeouts = re.search(r"timeout (\d+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"url": url.split("127.0.0.1", 1)[1], "requests_per_s": rps,
            "p50": lat.get("50"), "p90": lat.get("90"), "p99": lat.get("99"),
            "timeouts": int(timeouts.group(1)) if timeouts else 0,
            "non_2xx": int(non2xx.group(1)) if non2xx else 0,
            "load_average": round(os.getloadavg()[0], 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--teams", type=int, default=150)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10,
                        help="seconds of wrk not counted, before each path's measurement: "
                             "a server's first seconds answer with a longer tail (3 s, the "
                             "default before 2026-12-07, counted some of them)")
    parser.add_argument("--proxy", action="store_true",
                        help="through nginx and its public-page cache")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        db = f"sqlite:///{tmp / 'bench.db'}"
        (tmp / "event.toml").write_text(EVENT)
        (tmp / "teams.csv").write_text(
            "code,name,institution,category,level,members,contact\n" +
            "".join(f"T{i:03d},Tim Robotik {i},SMA Negeri {i % 9} Blitar,c,SMA,A;B,\n"
                    for i in range(args.teams)))
        kejurda("event", "load", str(tmp / "event.toml"), "--db", db)
        kejurda("teams", "import", str(tmp / "teams.csv"), "--db", db)
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "scoreboard.cli", "serve", "--port",
                                   str(port), "--db", db], cwd=ROOT,
                                  stdout=(tmp / "server.log").open("wb"),
                                  stderr=subprocess.STDOUT,
                                  env={**os.environ, "KEJURDA_INSTANCE": str(tmp)})
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    if requests.get(f"{base}/api/v1/categories", timeout=1).ok:
                        break
                except requests.RequestException:
                    time.sleep(0.1)
            proxy = None
            if args.proxy:
                from tests.support.nginx import Nginx

                proxy = Nginx(tmp / "nginx", free_port(), [f"127.0.0.1:{port}"]).start()
                base = proxy.url
            try:
                for path in ("/kategori/c", "/api/v1/categories/c/ranking"):
                    # a hall's pages are already being read: a warm-up run first
                    # (its numbers are not printed), so the cold first render is not counted
                    wrk(base + path, args.warmup, args.connections)
                    print(wrk(base + path, args.seconds, args.connections), flush=True)
            finally:
                if proxy is not None:
                    proxy.stop()
        finally:
            server.terminate()
            server.wait(30)


if __name__ == "__main__":
    main()
