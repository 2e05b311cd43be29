"""Gate-to-screen latency and memory per idle `/live` client, on one server process.

What is measured: from the moment an agent emits a `gate_event` on `/timing` to the moment
each connected `/live` client receives the resulting `run` update (start edge → `running`,
finish edge → `finished`), p50/p99/max over every (client, edge) pair; with 10, 200 and
1,000 clients. The clients are benchmarks/live_clients.py: raw WebSockets in one asyncio
process (not python-socketio), so the generator costs microseconds per message; it reports
its own busy time per broadcast so that share can be subtracted by the reader.

Both processes stamp with CLOCK_MONOTONIC (time.monotonic_ns), which is system-wide on Linux.

Run: python benchmarks/bench_live_latency.py [--clients 10,200,1000] [--rounds 30] [--warmup 1]
(--warmup: rounds played before each client count's measurement and not counted; the first
edges after a start compile SQLAlchemy's statements and meet cold caches, once per server)
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import socketio

ROOT = Path(__file__).resolve().parents[1]
EVENT = """
[event]
name = "Bench"
slug = "bench"
[[track]]
slug = "t"
name = "T"
start  = { source = "bench", gate = 0 }
finish = { source = "bench", gate = 1 }
[[category]]
slug = "c"
name = "C"
format = "timed"
track = "t"
attempts = 100
time_limit_s = 600
"""


def kejurda(*args: str) -> str:
    out = subprocess.run([sys.executable, "-m", "scoreboard.cli", *args], capture_output=True,
                         text=True, check=True, cwd=ROOT)
    return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""


def venue(tmp: Path, teams: int) -> str:
    """A bench database in `tmp` with EVENT and `teams` teams (T000, T001, ...) in its one
    category, loaded through the CLI as an organiser would; its URL."""
    db = f"sqlite:///{tmp / 'bench.db'}"
    (tmp / "event.toml").write_text(EVENT)
    (tmp / "teams.csv").write_text("code,name,institution,category,level,members,contact\n" +
                                   "".join(f"T{i:03d},Tim {i},S,c,SMA,A,\n" for i in range(teams)))
    kejurda("event", "load", str(tmp / "event.toml"), "--db", db)
    kejurda("teams", "import", str(tmp / "teams.csv"), "--db", db)
    return db


def venue_app(teams: int, **config: object) -> object:
    """The app on a fresh `venue`, in this process, publishing to no screen (the database's
    work only); `config` added to its settings."""
    from scoreboard.app import create_app
    from scoreboard.services import publish

    app = create_app({"DATABASE_URL": venue(Path(tempfile.mkdtemp()), teams), "TESTING": True,
                      **config})
    publish.disconnect_all(app)
    gc.collect()
    return app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid: int) -> int:
    """RSS of the server: the process and its children (gunicorn's worker holds the clients)."""
    total = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            total += int(line.split()[1])
    children = Path(f"/proc/{pid}/task/{pid}/children")
    for child in (children.read_text().split() if children.exists() else []):
        total += rss_kib(int(child))
    return total


def machine_speed_ms() -> float:
    """The machine's pace for pure Python, printed with the results so that runs on two
    machines can be told apart: the best of five 1,000,000-addition loops, in ms."""
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        total = 0
        for i in range(1_000_000):
            total += i
        best = min(best, time.perf_counter() - t0)
    return round(best * 1000, 1)


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


class Bench:
    def __init__(self, tmp: Path, env: dict[str, str], switch_interval: float | None = None,
                 trace: bool = False):
        db = venue(tmp, 200)
        self.agent_token = kejurda("token", "create", "--role", "agent", "--name", "a", "--db", db)
        self.tk_token = kejurda("token", "create", "--role", "timekeeper", "--name", "t", "--db", db)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # --switch-interval: the same server with another GIL switch interval (an experiment)
        launch = (["-c", f"import sys; sys.setswitchinterval({switch_interval}); "
                   "from scoreboard.cli import main; main()"] if switch_interval
                  else ["-m", "scoreboard.cli"])
        self.trace = tmp / "trace.txt" if trace else None
        if self.trace:  # --trace: timestamps at each stage inside the server
            launch = [str(ROOT / "benchmarks" / "live_trace.py"), str(self.trace)]
        self.server = subprocess.Popen(
            [sys.executable, *launch, "serve", "--port", str(self.port), "--db", db],
            cwd=ROOT, stdout=(tmp / "server.log").open("wb"), stderr=subprocess.STDOUT,
            env={**os.environ, **env})
        for _ in range(300):
            try:
                if requests.get(f"{self.url}/api/v1/categories", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        self.agent = socketio.Client()
        self.agent.connect(self.url, namespaces=["/timing"], auth={"token": self.agent_token},
                           transports=["websocket"])
        self.seq = 0
        self.team = 0

    def edge(self, gate: int, t_us: int) -> int:
        self.seq += 1
        edge = {"source": "bench", "boot": "b1", "seq": self.seq, "gate": gate, "edge": "B",
                "t_us": t_us}
        t0 = time.monotonic_ns()
        ack = self.agent.call("gate_event", edge, namespace="/timing", timeout=30)
        assert ack == {"ok": True}, ack
        return t0

    def round(self) -> tuple[int, int, int]:
        team = f"T{self.team % 200:03d}"
        self.team += 1
        run = requests.post(f"{self.url}/api/v1/runs", json={"category": "c", "team": team},
                            headers={"Authorization": f"Bearer {self.tk_token}"}, timeout=30)
        assert run.status_code == 201, run.text
        time.sleep(0.3)
        base = self.seq * 10_000_000
        t_start = self.edge(0, base)
        time.sleep(0.3)
        t_finish = self.edge(1, base + 8_123_456)
        time.sleep(0.3)
        return run.json()["id"], t_start, t_finish

    def measure(self, clients: int, rounds: int, deflate: bool = False, warmup: int = 1) -> dict:
        rss_before = rss_kib(self.server.pid)
        gen = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "live_clients.py"),
                                "127.0.0.1", str(self.port), str(clients),
                                *(["deflate"] if deflate else [])],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        ready = gen.stdout.readline()
        assert ready.startswith("ready"), ready
        time.sleep(2)
        rss_idle = rss_kib(self.server.pid)
        for _ in range(warmup):  # not counted: the first edges after a start pay for
            self.round()         # SQLAlchemy's statement compilation and cold caches
        sent, seqs = {}, {}
        for _ in range(rounds):
            run_id, t_start, t_finish = self.round()
            sent[(run_id, "running")] = t_start
            sent[(run_id, "finished")] = t_finish
            seqs[(run_id, "running")], seqs[(run_id, "finished")] = self.seq - 1, self.seq
        out, _ = gen.communicate("", timeout=300)
        result = json.loads(out.strip().splitlines()[-1])
        lat = [(t - sent[(rid, st)]) / 1e6 for rid, st, t in result["events"] if (rid, st) in sent]
        expected = clients * len(sent)
        stages = self.stages(sent, seqs, result["events"]) if self.trace else {}
        return {**stages, "clients": clients, "deflate": deflate, "edges": len(sent), "samples": len(lat),
                "missing": expected - len(lat), "p50_ms": round(pct(lat, 50), 2),
                "p99_ms": round(pct(lat, 99), 2), "max_ms": round(max(lat), 2),
                "server_rss_kib_per_idle_client": round((rss_idle - rss_before) / clients, 1),
                "loadgen_busy_ms_per_broadcast": round(
                    result["busy_ns"] / 1e6 / max(1, result["messages"]) * clients, 2)}

    def stages(self, sent: dict, seqs: dict, events: list) -> dict:
        """Where the time goes: agent → handler, handler → emit (database), the emit call
        (writing to every client), emit → client (per-client delivery); with
        KEJURDA_TRACE_FINE, agent → handler in three (to the hub's read, to the namespace,
        to the handler); the server's garbage collections during the measurement; and the
        slowest edges, stage by stage."""
        got, emits, pauses = {}, {}, []  # pauses: (generation, start ns, end ns)
        order: list[int] = []
        fine: dict[str, list[int]] = {"hub": [], "ns": []}
        first = min(sent.values())
        for line in self.trace.read_text().splitlines():
            parts = line.split()
            if parts[0] == "in":
                got[int(parts[1])] = int(parts[2])
                order.append(int(parts[1]))
            elif parts[0] in ("hub", "ns"):  # KEJURDA_TRACE_FINE: one per edge, in order
                fine[parts[0]].append(int(parts[1]))
            elif parts[0] == "gc":
                if int(parts[2]) >= first:  # during this measurement
                    pauses.append((int(parts[1]), int(parts[2]), int(parts[3])))
            else:
                emits[(int(parts[1]), parts[2])] = (int(parts[3]), int(parts[4]))
        keys = [k for k in sent if k in emits and seqs[k] in got]

        def ms(values: list[float]) -> list[float]:
            return [round(pct(values, 50), 2), round(pct(values, 99), 2)]

        finer = {}
        if fine["hub"] and len(fine["hub"]) == len(fine["ns"]) == len(order):
            hub, ns = dict(zip(order, fine["hub"], strict=True)), dict(
                zip(order, fine["ns"], strict=True))
            finer = {"to_hub_ms": ms([(hub[seqs[k]] - sent[k]) / 1e6 for k in keys]),
                     "hub_to_namespace_ms": ms([(ns[seqs[k]] - hub[seqs[k]]) / 1e6
                                                for k in keys]),
                     "namespace_to_handler_ms": ms([(got[seqs[k]] - ns[seqs[k]]) / 1e6
                                                    for k in keys])}
        return {
            **finer,
            "to_handler_ms": ms([(got[seqs[k]] - sent[k]) / 1e6 for k in keys]),
            "handler_to_emit_ms": ms([(emits[k][0] - got[seqs[k]]) / 1e6 for k in keys]),
            "emit_call_ms": ms([(emits[k][1] - emits[k][0]) / 1e6 for k in keys]),
            "emit_return_to_client_ms": ms([(t - emits[(r, st)][1]) / 1e6
                                            for r, st, t in events if (r, st) in emits]),
            "gc_collections": [sum(g == gen for g, _, _ in pauses) for gen in range(3)],
            "gc_pause_max_ms": [round(max(((t1 - t0) / 1e6 for g, t0, t1 in pauses if g == gen),
                                          default=0.0), 2) for gen in range(3)],
            "slowest_edges": self.slowest(sent, events, pauses, got, seqs, emits),
        }

    @staticmethod
    def slowest(sent: dict, events: list, pauses: list, got: dict, seqs: dict, emits: dict,
                count: int = 3) -> list[list[float]]:
        """The `count` edges whose last client waited longest, each as ms: [that wait, the
        collector's pauses inside the edge's way (sent → last client), then its stages:
        agent → handler, handler → emit, the emit call, emit returned → last client]."""
        last: dict = {}
        for rid, st, t in events:
            if (rid, st) in sent:
                last[(rid, st)] = max(last.get((rid, st), 0), t)
        worst = sorted(last, key=lambda k: last[k] - sent[k], reverse=True)[:count]

        def to_ms(ns: int) -> float:
            return round(ns / 1e6, 2)

        out = []
        for k in worst:
            row = [to_ms(last[k] - sent[k]),
                   to_ms(sum(max(0, min(t1, last[k]) - max(t0, sent[k])) for _, t0, t1 in pauses))]
            if k in emits and seqs[k] in got:
                handler, (emit0, emit1) = got[seqs[k]], emits[k]
                row += [to_ms(handler - sent[k]), to_ms(emit0 - handler), to_ms(emit1 - emit0),
                        to_ms(last[k] - emit1)]
            out.append(row)
        return out

    def close(self) -> None:
        self.agent.disconnect()
        self.server.terminate()
        try:  # closing a thousand connections can take a while
            self.server.wait(30)
        except subprocess.TimeoutExpired:
            self.server.kill()
            self.server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", default="10,200,1000")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=1,
                        help="rounds played before each measurement, not counted")
    parser.add_argument("--switch-interval", type=float, default=None)
    parser.add_argument("--no-ws-compression", action="store_true",
                        help="server declines permessage-deflate (KEJURDA_WS_COMPRESSION=0): "
                             "plain frames even to clients that offer it")
    parser.add_argument("--no-fanout", action="store_true",
                        help="one writer thread per client (KEJURDA_WS_FANOUT=0), for comparison")
    parser.add_argument("--deflate", action="store_true",
                        help="clients offer permessage-deflate, as browsers do")
    parser.add_argument("--trace", action="store_true",
                        help="break the latency into stages (timestamps inside the server)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {"KEJURDA_WS_COMPRESSION": "0" if args.no_ws_compression else "1",
               "KEJURDA_WS_FANOUT": "0" if args.no_fanout else "1"}
        bench = Bench(Path(tmp), env, args.switch_interval, args.trace)
        try:
            print(f"server pid {bench.server.pid}, rss {rss_kib(bench.server.pid)} KiB at start, "
                  f"load average {os.getloadavg()[0]:.1f}, pure-Python pace "
                  f"{machine_speed_ms()} ms", flush=True)
            for n in (int(x) for x in args.clients.split(",")):
                print(json.dumps(bench.measure(n, args.rounds, args.deflate, args.warmup)), flush=True)
        finally:
            bench.close()


if __name__ == "__main__":
    main()
