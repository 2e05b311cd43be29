"""Benchmark: what checking the agent's token on every event adds to storing an edge.

Run: ``python benchmarks/bench_token_check.py [--edges N] [--rounds R]``

Every `gate_event` (and every `gate_events` batch) on `/timing` first asks the database
whether the agent's token was revoked meanwhile (`tokens.is_revoked`, scoreboard/sockets.py),
in the same session that then stores the edge. This stores N single edges (one
transaction each, as single `gate_event`s are stored) without and with that check, in
alternating rounds on one SQLite file so that a loaded machine slows both alike, and
prints the time per edge of each and the difference.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scoreboard.db import Database  # noqa: E402
from scoreboard.models import ApiToken  # noqa: E402
from scoreboard.services import runs  # noqa: E402
from scoreboard.services.accounts import create_token  # noqa: E402
from scoreboard.services.event_file import load_event  # noqa: E402
from scoreboard.services.tokens import is_revoked  # noqa: E402

EVENT = Path(__file__).resolve().parents[1] / "scoreboard" / "demo" / "event.toml"


def store(db: Database, boot: str, count: int, token_id: int | None) -> float:
    """Seconds per edge for `count` single-edge transactions (with the check if token_id)."""
    started = time.perf_counter()
    for seq in range(1, count + 1):
        session = db.session
        if token_id is not None:
            assert not is_revoked(session, token_id)
        edge = {"source": "bench", "boot": boot, "seq": seq, "gate": 0, "edge": "C",
                "t_us": seq * 1000}
        assert runs.record_edges(session, [edge]) == [{"ok": True}]
        db.remove()
    return (time.perf_counter() - started) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", type=int, default=500, help="edges per round")
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-token-"))
    db = Database(f"sqlite:///{folder / 'bench.db'}")
    with db.transaction() as session:
        load_event(session, EVENT)
        create_token(session, "agent", "bench", ["bench"])
    with db.transaction() as session:
        token_id = session.query(ApiToken).one().id
    plain, checked = [], []
    for round_no in range(args.rounds):
        plain.append(store(db, f"p{round_no:07d}", args.edges, None))
        checked.append(store(db, f"c{round_no:07d}", args.edges, token_id))
    db.dispose()
    without, with_check = statistics.median(plain), statistics.median(checked)
    print(f"edges per round: {args.edges}, rounds: {args.rounds} (medians)")
    print(f"store one edge, no token check:   {without * 1e6:8.0f} µs")
    print(f"store one edge, with token check: {with_check * 1e6:8.0f} µs")
    print(f"the check adds:                   {(with_check - without) * 1e6:8.0f} µs "
          f"({(with_check / without - 1) * 100:+.1f} %)")


if __name__ == "__main__":
    main()
