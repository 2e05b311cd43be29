"""One gate edge's database work as a venue sends it: a start, then a finish, each after a
pause, in one process (what `bench_live_latency.py --trace` calls "handler → emit", without
the server around it).

After a pause of a millisecond or more the code and data an edge touches have left the
caches (docs/performance.md, "Fewer layers on a gate edge's way"), so this times
`runs.record_edges` cold, as the hall sees it: the edge stored, its run's rules, the run
written and committed, its publishing (to no screen; its category's ranking is read a
moment later on another thread, during the pause, as in the server).

Run: python benchmarks/bench_edge_cold.py [--runs 40] [--pause 0.3]
Prints p50 / p90 / max of the start and finish edges together, in ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script

from bench_live_latency import venue_app  # noqa: E402

from scoreboard.services import runs  # noqa: E402


def measure(count: int, pause_s: float) -> list[float]:
    # the ranking a moment later, as the server does (TESTING alone would read it at once)
    app = venue_app(100, KEJURDA_RANKING_DELAY_S=0.25)
    database = app.extensions["kejurda_db"]
    times, seq = [], 0
    with app.app_context():
        for i in range(count + 2):  # the first two runs compile the statements: not counted
            runs.arm_run(database.session, "c", f"T{i % 100:03d}", "bench")
            database.remove()
            for gate, t_us in ((0, 1_000_000), (1, 9_123_456)):
                seq += 1
                time.sleep(pause_s)
                edge = {"source": "bench", "boot": "b1", "seq": seq, "gate": gate,
                        "edge": "B", "t_us": i * 100_000_000 + t_us}
                t0 = time.perf_counter()
                acks = runs.record_edges(database.session, [edge])
                elapsed = time.perf_counter() - t0
                database.remove()
                assert acks == [{"ok": True}], acks
                if i >= 2:
                    times.append(elapsed * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--pause", type=float, default=0.3)
    args = parser.parse_args()
    times = sorted(measure(args.runs, args.pause))
    print(f"{len(times)} edges, {args.pause} s apart: p50 {statistics.median(times):.2f} ms, "
          f"p90 {times[int(0.9 * len(times))]:.2f} ms, max {times[-1]:.2f} ms")


if __name__ == "__main__":
    main()
