"""How fast the agent ships gate edges, and what the durable outbox costs per edge.

    python benchmarks/bench_agent_ingest.py [--edges N]

Prints, one line per measurement:
- the outbox's cost per ``put`` (one fsync'd transaction per edge, as a source's sink
  does) and per edge in ``put_many``;
- edges/s from a filled outbox to a real python-socketio server in another process
  (threading mode, WebSocket, one ack per edge) with single ``gate_event`` emits, and
  with the ``gate_events`` batch extension;
- edges/s live: a source pushing through the durable sink while the agent ships.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from hardware.agent import Agent  # noqa: E402
from hardware.outbox import Outbox  # noqa: E402

TOKEN = "bench-token"


def serve(port: int, batches: bool) -> None:
    """A minimal /timing server: checks the token, stores by id once, acks ok."""
    import socketio
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log(self, *args, **kwargs):
            pass

    stored: dict[tuple, dict] = {}
    sio = socketio.Server(async_mode="threading", async_handlers=False)

    @sio.on("connect", namespace="/timing")
    def connect(sid, environ, auth=None):
        if not isinstance(auth, dict) or auth.get("token") != TOKEN:
            raise socketio.exceptions.ConnectionRefusedError("invalid token")

    def store(edge):
        stored.setdefault((edge["source"], edge["boot"], edge["seq"]), edge)
        return {"ok": True}

    sio.on("gate_event", lambda sid, edge: store(edge), namespace="/timing")
    if batches:
        sio.on("gate_events", lambda sid, edges: [store(e) for e in edges], namespace="/timing")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    make_server("127.0.0.1", port, socketio.WSGIApp(sio), threaded=True,
                request_handler=Quiet).serve_forever()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _edges(count: int, boot: str = "be0c0001") -> list[dict]:
    return [{"source": "bench", "boot": boot, "seq": seq, "gate": seq % 3,
             "edge": "B" if seq % 2 else "C", "t_us": seq * 1000} for seq in range(1, count + 1)]


def bench_outbox(count: int) -> None:
    """Cost of the outbox per edge."""
    with tempfile.TemporaryDirectory() as folder:
        box = Outbox(os.path.join(folder, "outbox.sqlite3"))
        edges = _edges(count)
        started = time.perf_counter()
        for edge in edges:
            box.put(edge)
        per_put = (time.perf_counter() - started) / count * 1e6
        started = time.perf_counter()
        box.put_many(_edges(count, boot="be0c0002"))
        per_many = (time.perf_counter() - started) / count * 1e6
        started = time.perf_counter()
        rows = box.peek(count)
        box.delete([edge_id for edge_id, _ in rows])
        per_ship = (time.perf_counter() - started) / count * 1e6
        box.close()
    print(f"outbox put (one durable commit each): {per_put:8.1f} us/edge  ({count} edges)")
    print(f"outbox put_many (one commit):         {per_many:8.1f} us/edge")
    print(f"outbox peek + delete (batched):       {per_ship:8.1f} us/edge")


def bench_shipping(count: int, batches: bool) -> float:
    """Edges/s from a filled outbox to a server in another process, acked."""
    port = _free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port)]
                              + (["--batches"] if batches else []))
    try:
        _wait_for_port(port)
        with tempfile.TemporaryDirectory() as folder:
            box = Outbox(os.path.join(folder, "outbox.sqlite3"))
            box.put_many(_edges(count))
            box.close()
            agent = Agent(f"http://127.0.0.1:{port}", TOKEN, [], folder, name="bench",
                          use_batches=batches)
            stop = threading.Event()
            runner = threading.Thread(target=agent.run, args=(stop,), daemon=True)
            runner.start()
            while agent.delivered == 0:
                time.sleep(0.001)
            started, first = time.perf_counter(), agent.delivered
            while agent.delivered < count:
                time.sleep(0.005)
            elapsed = time.perf_counter() - started
            stop.set()
            runner.join(timeout=10)
        return (count - first) / elapsed
    finally:
        server.terminate()
        server.wait(timeout=5)


class _Burst:
    """A source that pushes ``count`` edges as fast as the durable sink takes them."""

    name = "burst"

    def __init__(self, count: int) -> None:
        self.count = count
        self.pushed = 0

    def run(self, sink, stop: threading.Event) -> None:
        for edge in _edges(self.count, boot="be0c0003"):
            if stop.is_set():
                return
            sink(edge)
            self.pushed += 1
        stop.wait()

    def status(self) -> dict:
        return {"kind": "bench", "name": self.name, "last_edge_at": None, "errors": {}}


def bench_live(count: int) -> float:
    """Edges/s from a source through the durable sink to the server's ack (batches on)."""
    port = _free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port), "--batches"])
    try:
        _wait_for_port(port)
        with tempfile.TemporaryDirectory() as folder:
            burst = _Burst(count)
            agent = Agent(f"http://127.0.0.1:{port}", TOKEN, [], folder, name="bench")
            stop = threading.Event()
            runner = threading.Thread(target=agent.run, args=(stop,), daemon=True)
            runner.start()
            while not agent._connected.is_set():
                time.sleep(0.005)
            time.sleep(0.2)
            agent.sources.append(burst)
            started = time.perf_counter()
            threading.Thread(target=burst.run, args=(agent.sink, stop), daemon=True).start()
            while agent.delivered < count:
                time.sleep(0.002)
            elapsed = time.perf_counter() - started
            stop.set()
            runner.join(timeout=10)
        return count / elapsed
    finally:
        server.terminate()
        server.wait(timeout=5)


def _wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"bench server did not start on port {port}")


def main(argv: list[str]) -> int:
    """Run the benchmark (or, with --serve, be its server)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", type=int, default=20000)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--batches", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.batches)
        return 0
    logging.basicConfig(level=logging.WARNING)
    print(f"cpus={os.cpu_count()} python={sys.version.split()[0]}")
    bench_outbox(min(args.edges, 2000))
    single = bench_shipping(args.edges, batches=False)
    print(f"ship gate_event (window 64, ack each): {single:8.0f} edges/s  ({args.edges} edges)")
    batched = bench_shipping(args.edges, batches=True)
    print(f"ship gate_events (batches of 128):     {batched:8.0f} edges/s  ({args.edges} edges)")
    live_count = min(args.edges, 3000)
    live = bench_live(live_count)
    print(f"live: source -> durable put -> ack:    {live:8.0f} edges/s  ({live_count} edges,"
          " one fsync'd commit per edge)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
