"""Many viewers through the multi-process path: nginx → `kejurda serve --workers W` →
PostgreSQL + Redis, with the load generator on the same machine.

What is measured: gate-to-screen latency (agent's emit → each viewer has the `run` update)
over every (viewer, edge) pair, whether every viewer received every update, and the
workers' RSS growth per idle viewer. The agent and the timekeeper also go through nginx.

Needs PostgreSQL on 127.0.0.1:5432 (a database of its own is made and dropped), Redis on
127.0.0.1:6379 (a channel of its own) and Debian's nginx.

Run: python benchmarks/bench_scale_out.py [--viewers 10000] [--workers 4] [--rounds 10] [--warmup 1]
    [--generators 1] [--teams 200] [--plain]

The viewers offer permessage-deflate as browsers do (--plain: they do not), so each message
reaches them compressed, once for all of them (scoreboard/wsdeflate.py).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import socketio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.bench_live_latency import EVENT, free_port, kejurda, pct  # noqa: E402
from tests.support.nginx import Nginx  # noqa: E402


def tree_rss_kib(pid: int) -> int:
    total = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            total += int(line.split()[1])
    children = Path(f"/proc/{pid}/task/{pid}/children")
    for child in children.read_text().split() if children.exists() else []:
        total += tree_rss_kib(int(child))
    return total


def ports(n: int) -> int:
    import socket

    while True:  # below the ephemeral range, so no outgoing connection takes one meanwhile
        base = random.randrange(20000, 32000 - n)
        try:
            for p in range(base, base + n):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", p))
            return base
        except OSError:
            continue


def main() -> None:
    import psycopg

    parser = argparse.ArgumentParser()
    parser.add_argument("--viewers", type=int, default=10000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--teams", type=int, default=200,
                        help="teams in the category: each edge also sends its ranking to every "
                             "viewer (~100 bytes a team)")
    parser.add_argument("--generators", type=int, default=1,
                        help="processes the viewers are spread over (the load generator)")
    parser.add_argument("--plain", action="store_true",
                        help="viewers do not offer permessage-deflate (browsers do), so every "
                             "message goes uncompressed")
    parser.add_argument("--warmup", type=int, default=1,
                        help="rounds played first and not counted (statement compilation, "
                             "cold caches: once per server)")
    args = parser.parse_args()
    name = f"kejurda_bench_{secrets.token_hex(4)}"
    admin = "host=127.0.0.1 user=postgres dbname=test"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    db = f"postgresql://postgres@127.0.0.1:5432/{name}"
    procs: list[subprocess.Popen] = []
    proxy = None
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        try:
            (tmp / "event.toml").write_text(EVENT)
            (tmp / "teams.csv").write_text(
                "code,name,institution,category,level,members,contact\n" +
                "".join(f"T{i:03d},Tim {i},S,c,SMA,A,\n" for i in range(args.teams)))
            kejurda("event", "load", str(tmp / "event.toml"), "--db", db)
            kejurda("teams", "import", str(tmp / "teams.csv"), "--db", db)
            agent_token = kejurda("token", "create", "--role", "agent", "--name", "a", "--db", db)
            tk_token = kejurda("token", "create", "--role", "timekeeper", "--name", "t",
                               "--db", db)
            base_port = ports(args.workers)
            env = {**os.environ, "KEJURDA_SOCKETIO_MESSAGE_QUEUE": "redis://127.0.0.1:6379/0",
                   "KEJURDA_SOCKETIO_CHANNEL": f"kejurda-bench-{secrets.token_hex(4)}",
                   "KEJURDA_INSTANCE": str(tmp)}
            sup = subprocess.Popen([sys.executable, "-m", "scoreboard.cli", "serve", "--workers",
                                    str(args.workers), "--port", str(base_port), "--db", db],
                                   cwd=ROOT, env=env, stdout=(tmp / "workers.log").open("wb"),
                                   stderr=subprocess.STDOUT)
            procs.append(sup)
            for p in range(base_port, base_port + args.workers):
                for _ in range(900):
                    try:
                        if requests.get(f"http://127.0.0.1:{p}/api/v1/categories", timeout=2).ok:
                            break
                    except requests.RequestException:
                        time.sleep(0.2)
            proxy = Nginx(tmp / "nginx", free_port(),
                          [f"127.0.0.1:{p}" for p in range(base_port, base_port + args.workers)]
                          ).start()
            url = proxy.url
            print(f"{args.workers} workers, nginx on {proxy.port}, load average "
                  f"{os.getloadavg()[0]:.1f}", flush=True)
            rss_before = tree_rss_kib(sup.pid)
            # the viewers in --generators processes, so that the generator's reading gets a
            # fair share of the cores next to nginx and the workers
            gens = []
            for g in range(args.generators):
                share = args.viewers // args.generators + (g < args.viewers % args.generators)
                gens.append(subprocess.Popen(
                    [sys.executable, str(ROOT / "benchmarks" / "live_clients.py"), "127.0.0.1",
                     str(proxy.port), str(share), *([] if args.plain else ["deflate"])],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
                procs.append(gens[-1])
                ready = gens[-1].stdout.readline()
                if not ready.startswith("ready"):
                    raise SystemExit(f"viewers could not all connect: {ready!r}\nnginx errors:\n"
                                     + "\n".join(proxy.errors().splitlines()[-5:]))
            time.sleep(3)
            rss_idle = tree_rss_kib(sup.pid)
            agent = socketio.Client()
            agent.connect(url, namespaces=["/timing"], auth={"token": agent_token},
                          transports=["websocket"])
            sent: dict[tuple[int, str], int] = {}
            seq = 0
            for i in range(args.warmup + args.rounds):
                run = requests.post(f"{url}/api/v1/runs", timeout=60,
                                    json={"category": "c", "team": f"T{i % args.teams:03d}"},
                                    headers={"Authorization": f"Bearer {tk_token}"})
                assert run.status_code == 201, run.text
                rid = run.json()["id"]
                time.sleep(1.0)
                for status, gate, t_us in (("running", 0, seq * 10_000_000),
                                           ("finished", 1, seq * 10_000_000 + 8_123_456)):
                    seq += 1
                    t0 = time.monotonic_ns()
                    ack = agent.call("gate_event", {"source": "bench", "boot": "b1", "seq": seq,
                                                    "gate": gate, "edge": "B", "t_us": t_us},
                                     namespace="/timing", timeout=60)
                    assert ack == {"ok": True}, ack
                    if i >= args.warmup:
                        sent[(rid, status)] = t0
                    time.sleep(1.0)
            time.sleep(3)
            for gen in gens:
                gen.stdin.close()
            events = []
            for gen in gens:
                out = gen.stdout.read()
                gen.wait(600)
                events += json.loads(out.strip().splitlines()[-1])["events"]
            agent.disconnect()
            got = [(rid, st, t) for rid, st, t in events if (rid, st) in sent]
            lat = [(t - sent[(rid, st)]) / 1e6 for rid, st, t in got]
            slowest: dict[tuple[int, str], int] = {}
            for rid, st, t in got:
                slowest[(rid, st)] = max(slowest.get((rid, st), 0), t - sent[(rid, st)])
            print(json.dumps({
                "viewers": args.viewers, "workers": args.workers, "edges": len(sent),
                "compressed": not args.plain,
                "expected": args.viewers * len(sent), "received": len(lat),
                "missing": args.viewers * len(sent) - len(lat),
                "p50_ms": round(pct(lat, 50), 1), "p99_ms": round(pct(lat, 99), 1),
                "max_ms": round(max(lat), 1),
                # each edge's slowest viewer, in the order played: one slow edge is 1/N
                # of the samples, and sets p99 on its own when N is small
                "per_edge_max_ms": [round(slowest.get(k, 0) / 1e6, 1) for k in sent],
                "rss_kib_per_idle_viewer": round((rss_idle - rss_before) / args.viewers, 1),
                "load_average": round(os.getloadavg()[0], 1)}), flush=True)
        finally:
            if proxy is not None:
                proxy.stop()
            for proc in reversed(procs):
                if proc.poll() is None:
                    proc.terminate()
                    try:
                        proc.wait(60)
                    except subprocess.TimeoutExpired:
                        proc.kill()
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
