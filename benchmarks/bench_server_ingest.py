"""Gate edges per second into the real scoreboard server, acked and stored.

    python benchmarks/bench_server_ingest.py [--edges N] [--single-edges M]

Starts a real ``kejurda serve`` on a temporary SQLite file (the e2e event loaded, an
agent token created) and a real ``hardware.agent.Agent`` with its durable outbox in this
process, then prints, one line per measurement:

- the outbox's cost per edge (``put``: one durable commit per edge, as a source's sink);
- sink path: a source pushes N edges through ``Agent.sink`` (durable put each) while the
  agent ships them; edges/s from the first push to the last ack, with the ``gate_events``
  batch extension and with single ``gate_event`` emits;
- backlog: N edges already in the outbox (an agent catching up after a network cut).

The edges land on the gates of track ``lintasan-a`` with no run armed: the server does
all its per-edge work (parse, dedupe, store, rebound look-back, find the track's run).
Every measurement ends by checking the server stored exactly the edges it acked.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hardware.agent import Agent  # noqa: E402
from hardware.outbox import Outbox  # noqa: E402

EVENT = ROOT / "tests" / "e2e" / "data" / "event.toml"


def kejurda(*args: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "scoreboard.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    if proc.returncode:
        raise RuntimeError(proc.stderr)
    return proc.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server did not start on port {port}")


def _edges(count: int, boot: str) -> list[dict]:
    # gates 0, 1, 2 of lintasan-a (start, finish, checkpoint); B and C alternate per gate
    return [{"source": "esp32-a", "boot": boot, "seq": seq, "gate": seq % 3,
             "edge": "B" if (seq // 3) % 2 else "C", "t_us": seq * 1000,
             "t_epoch_us": 1_764_452_840_000_000 + seq * 1000, "t_epoch_err_us": 50}
            for seq in range(1, count + 1)]


class Burst:
    """A source that pushes its edges through the durable sink as fast as it takes them."""

    name = "esp32-a"

    def __init__(self, edges: list[dict]) -> None:
        self.edges = edges
        self.pushed = 0
        self.go = threading.Event()

    def run(self, sink, stop: threading.Event) -> None:
        self.go.wait()
        for edge in self.edges:
            if stop.is_set():
                return
            sink(edge)
            self.pushed += 1
        stop.wait()

    def status(self) -> dict:
        return {"kind": "bench", "name": self.name, "last_edge_at": None, "errors": {},
                "edges": self.pushed}


def stored(db_path: str, boot: str) -> int:
    with sqlite3.connect(db_path) as con:
        return con.execute("select count(*) from gate_event where boot = ?", (boot,)
                           ).fetchone()[0]


def run_agent(url: str, token: str, count: int, boot: str, batches: bool,
              backlog: bool) -> float:
    """Edges/s from the first push (or the first ack of a backlog) to the last ack."""
    edges = _edges(count, boot)
    with tempfile.TemporaryDirectory() as folder:
        burst = Burst(edges)
        if backlog:
            box = Outbox(os.path.join(folder, "outbox.sqlite3"))
            box.put_many(edges)
            box.close()
        agent = Agent(url, token, [] if backlog else [burst], folder, name="bench",
                      use_batches=batches)
        stop = threading.Event()
        runner = threading.Thread(target=agent.run, args=(stop,), daemon=True)
        runner.start()
        if backlog:
            while agent.delivered == 0:
                time.sleep(0.001)
            started, first = time.perf_counter(), agent.delivered
        else:
            while not agent._connected.is_set():
                time.sleep(0.005)
            time.sleep(1.5)  # the connect-time probes (batches, clock) are answered
            started, first = time.perf_counter(), 0
            burst.go.set()
        while agent.delivered < count:
            time.sleep(0.002)
        elapsed = time.perf_counter() - started
        stop.set()
        runner.join(timeout=10)
    return (count - first) / elapsed


def bench_outbox(count: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        box = Outbox(os.path.join(folder, "outbox.sqlite3"))
        edges = _edges(count, "0u7b0x01")
        started = time.perf_counter()
        for edge in edges:
            box.put(edge)
        per_put = (time.perf_counter() - started) / count * 1e6
        box.close()
    return per_put


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", type=int, default=20000)
    parser.add_argument("--single-edges", type=int, default=None,
                        help="edges for the single gate_event runs (default: --edges)")
    parser.add_argument("--only", choices=["sink-batch", "sink-single", "backlog-batch",
                                           "backlog-single"], action="append")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    print(f"cpus={os.cpu_count()} python={sys.version.split()[0]} edges={args.edges}")
    print(f"outbox put (one durable commit each):   {bench_outbox(2000):8.1f} us/edge")
    with tempfile.TemporaryDirectory() as folder:
        db_path = os.path.join(folder, "venue.db")
        db_url = f"sqlite:///{db_path}"
        kejurda("event", "load", str(EVENT), "--db", db_url)
        token = kejurda("token", "create", "--role", "agent", "--name", "bench",
                        "--db", db_url).strip().splitlines()[-1]
        port = _free_port()
        log = open(os.path.join(folder, "server.log"), "wb")  # noqa: SIM115
        server = subprocess.Popen([sys.executable, "-m", "scoreboard.cli", "serve", "--port",
                                   str(port), "--db", db_url], cwd=ROOT, stdout=log,
                                  stderr=subprocess.STDOUT,
                                  env=dict(os.environ, KEJURDA_INSTANCE=folder))
        try:
            _wait_for_port(port, server)
            url = f"http://127.0.0.1:{port}"
            plan = [("sink-batch", True, False), ("sink-single", False, False),
                    ("backlog-batch", True, True), ("backlog-single", False, True)]
            for n, (name, batches, backlog) in enumerate(plan, start=1):
                if args.only and name not in args.only:
                    continue
                boot = f"be0c{n:04x}"
                count = args.edges if batches else (args.single_edges or args.edges)
                rate = run_agent(url, token, count, boot, batches, backlog)
                ok = stored(db_path, boot)
                print(f"{name:15s} {'gate_events' if batches else 'gate_event':11s} "
                      f"{rate:8.0f} edges/s acked+stored  (stored {ok}/{count})", flush=True)
                if ok != count:
                    print(f"ERROR: the server stored {ok} of {count} edges")
                    return 1
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)
            log.close()
            if os.environ.get("BENCH_SERVER_LOG"):
                print(Path(folder, "server.log").read_text(errors="replace")[-3000:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
