"""An agent's backlog landing on a gate whose track has a run armed, in one process.

Every B edge of such a batch goes through the rebound rule's look-back (the gate's two
edges before it, stored or still unwritten in the batch), so this times that path, which
bench_server_ingest.py (no run armed) does not reach.

Run: python benchmarks/bench_backlog_live_gate.py [--edges 500] [--repeat 3]
Prints the time of one `runs.record_edges` call per repeat, each on a fresh database.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script

from bench_live_latency import venue_app  # noqa: E402

from scoreboard.services import runs  # noqa: E402


def once(edges: int) -> float:
    app = venue_app(1)
    database = app.extensions["kejurda_db"]
    with app.app_context():
        runs.arm_run(database.session, "c", "T000", "bench")
        database.remove()
        # the start gate blocked and cleared every 10 ms: B, C, B, C, ...
        backlog = [{"source": "bench", "boot": "b1", "seq": i + 1, "gate": 0,
                    "edge": "BC"[i % 2], "t_us": i * 10_000} for i in range(edges)]
        t0 = time.perf_counter()
        acks = runs.record_edges(database.session, backlog)
        elapsed = time.perf_counter() - t0
        database.remove()
    assert acks == [{"ok": True}] * edges, acks[:3]
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--edges", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for _ in range(args.repeat):
        print(f"{args.edges} edges on a live gate in one batch: "
              f"{once(args.edges) * 1000:.1f} ms", flush=True)


if __name__ == "__main__":
    main()
