"""Backups, the warm standby's lag and failover time (docs/data-safety.md).

    python benchmarks/bench_data_safety.py [--teams 1000 --runs 20000 --sheets 3000]
        [--rate 500] [--seconds 20] [--skip-pg]

Prints, one line per measurement:
- a Blitar-size championship (teams, runs with three gate edges and an audit record
  each, score sheets) built in a temporary SQLite file; the time and size of one verified
  backup (`write_backup`: online backup API, zip, read back and checked), of its
  verification alone and of a restore into an empty SQLite file; the same for PostgreSQL
  (`pg_dump` on an exported snapshot) unless --skip-pg;
- standby lag: a real `kejurda serve` primary and `kejurda standby` following it, an
  agent (``hardware.agent.Agent``, durable outbox, both servers) pushing edges through its
  sink at --rate edges/s for --seconds; for every edge the time between it appearing in
  the primary's database and in the standby's (both polled every 5 ms); p50/p99/max;
- failover: the primary SIGKILLed while the agent keeps pushing 100 edges/s, `kejurda
  promote` run at once; seconds from the kill to the first edge made after the kill
  stored on the promoted standby, and how long `kejurda promote` itself took.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hardware.agent import Agent  # noqa: E402
from scoreboard.db import Database  # noqa: E402
from scoreboard.models import Base  # noqa: E402
from scoreboard.services import backup, restore, tables  # noqa: E402
from scoreboard.services.event_file import load_event  # noqa: E402

EVENT = ROOT / "tests" / "data" / "event.toml"


def cli(*args: str, env: dict | None = None) -> str:
    proc = subprocess.run([sys.executable, "-m", "scoreboard.cli", *args], capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, **(env or {})}, timeout=600)
    if proc.returncode:
        raise SystemExit(proc.stderr)
    return proc.stdout


def build_championship(url: str, teams: int, runs: int, sheets: int) -> dict[str, int]:
    """A Blitar-size database, written with bulk inserts (the shape, not the play)."""
    db = Database(url)
    with db.transaction() as session:
        load_event(session, EVENT)
    t = {x.name: x for x in Base.metadata.sorted_tables}
    now = datetime.now(UTC)
    rnd = random.Random(15)
    with db.engine.begin() as conn:
        cats = {r.slug: r.id for r in conn.execute(t["category"].select())}
        tracks = [r.id for r in conn.execute(t["track"].select())]
        timed = [c for c in ("lf-smp", "lf-sd", "lf-sma", "lf-cepat") if c in cats]
        tables.write_rows(conn, t["user_account"], (
            {"id": i, "name": f"juri{i}", "role": "judge", "password_hash": "x" * 90,
             "active": True, "created_at": now} for i in range(1, 31)))
        tables.write_rows(conn, t["team"], (
            {"id": i, "code": f"T-{i:04d}", "name": f"Tim {i}", "institution": f"Sekolah {i % 300}",
             "category_id": cats[timed[i % len(timed)]] if i % 10 else cats["kreatif-sd"],
             "level": "SMP", "members": [f"Siswa {i}a", f"Siswa {i}b"], "contact": "0812"}
            for i in range(1, teams + 1)))
        tables.write_rows(conn, t["gate_event"], (
            {"id": i, "source": "esp32-a", "boot": "b0", "seq": i, "gate": i % 3,
             "edge": "B", "t_us": i * 1_000_003 + rnd.randrange(999), "received_at": now}
            for i in range(1, 3 * runs + 1)))
        tables.write_rows(conn, t["run"], (
            {"id": i, "category_id": cats[timed[i % len(timed)]], "team_id": 1 + i % teams,
             "track_id": tracks[i % len(tracks)], "attempt": 1 + i % 3, "status": "finished",
             "start_event_id": 3 * i - 2, "finish_event_id": 3 * i, "checkpoint_event_ids": [3 * i - 1],
             "elapsed_us": 20_000_000 + rnd.randrange(40_000_000), "checkpoints_us": [9_000_000],
             "penalties": {}, "armed_at": now, "armed_by": "token:desk", "version": 3}
            for i in range(1, runs + 1)))
        tables.write_rows(conn, t["audit_record"], (
            {"id": i, "at": now, "actor": "token:desk", "action": "arm", "entity": "run",
             "entity_id": str(i), "new": {"status": "armed"}} for i in range(1, runs + 1)))
        tables.write_rows(conn, t["score_sheet"], (
            {"id": i, "category_id": cats["kreatif-sd"], "team_id": 10 * (1 + i % (teams // 10)),
             "judge_id": 1 + (i // (teams // 10)) % 30, "version": 1 + i // (teams // 10 * 30),
             "scores": {"inovasi": rnd.randrange(101), "teknis": rnd.randrange(101),
                        "presentasi": rnd.randrange(101)}, "comment": "baik",
             "idempotency_key": f"key-{i:08d}", "entered_by": "user:juri", "created_at": now}
            for i in range(1, sheets + 1)))
    with db.engine.connect() as conn:
        counts = tables.row_counts(conn)
    db.dispose()
    return counts


def measure_backup(url: str, work: Path, label: str) -> None:
    db = Database(url)
    folder = work / f"backups-{label}"
    folder.mkdir()
    started = time.perf_counter()
    info = backup.write_backup(db.engine, folder)
    took = time.perf_counter() - started
    started = time.perf_counter()
    backup.verify_backup(info.path)
    verify = time.perf_counter() - started
    print(f"{label}: backup {took:.2f} s (of which the check ~{verify:.2f} s), "
          f"{info.size / 1e6:.2f} MB, {sum(info.counts.values())} rows")
    if label == "sqlite":
        started = time.perf_counter()
        restore.restore_backup(info.path, f"sqlite:///{work / 'restored.db'}")
        print(f"{label}: restore into an empty SQLite file {time.perf_counter() - started:.2f} s")
    db.dispose()


def wait_http(url: str, timeout: float = 60) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/api/v1/categories", timeout=1)
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Seen:
    """When each seq of the pushed source first appears in a database (polled)."""

    def __init__(self, path: Path):
        self.path, self.at, self.high = path, {}, 0
        self.stop = threading.Event()
        threading.Thread(target=self._poll, daemon=True).start()

    def _poll(self) -> None:
        while not self.stop.is_set():
            try:
                conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=5)
                rows = conn.execute("SELECT seq FROM gate_event WHERE source = 'bench' AND "
                                    "seq > ?", (self.high,)).fetchall()
                conn.close()
            except sqlite3.Error:
                rows = []
            now = time.monotonic()
            for (seq,) in rows:
                self.at.setdefault(seq, now)
                self.high = max(self.high, seq)
            time.sleep(0.005)


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


def measure_standby(work: Path, rate: float, seconds: float) -> None:
    primary_db, standby_db = work / "primary.db", work / "standby.db"
    url = f"sqlite:///{primary_db}"
    cli("event", "load", str(EVENT), "--db", url)
    admin = cli("token", "create", "--role", "admin", "--name", "b-admin", "--db", url).split()[-1]
    agent_token = cli("token", "create", "--role", "agent", "--name", "b-agent",
                      "--db", url).split()[-1]
    p_port, s_port = free_port(), free_port()
    env = {**os.environ, "KEJURDA_INSTANCE": str(work / "p-inst"), "KEJURDA_BACKUP_EVERY_MIN": "0"}
    primary = subprocess.Popen([sys.executable, "-m", "scoreboard.cli", "serve", "--port",
                                str(p_port), "--db", url], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_http(f"http://127.0.0.1:{p_port}")
    s_env = {**env, "KEJURDA_INSTANCE": str(work / "s-inst")}
    standby = subprocess.Popen([sys.executable, "-m", "scoreboard.cli", "standby", "--primary",
                                f"http://127.0.0.1:{p_port}", "--token", admin, "--port",
                                str(s_port), "--poll", "0.1", "--db", f"sqlite:///{standby_db}"],
                               cwd=ROOT, env=s_env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    state = work / "s-inst" / "standby.json"
    while not (state.exists() and json.loads(state.read_text())["state"] == "following"):
        time.sleep(0.1)
    agent = Agent([f"http://127.0.0.1:{p_port}", f"http://127.0.0.1:{s_port}"], agent_token,
                  [], work / "agent")
    stop = threading.Event()
    threading.Thread(target=agent.run, args=(stop,), daemon=True).start()
    while agent.outbox is None:
        time.sleep(0.05)
    on_primary, on_standby = Seen(primary_db), Seen(standby_db)
    seq = 0

    def push(n: int, every: float) -> None:
        nonlocal seq
        next_at = time.monotonic()
        for _ in range(n):
            if stop.is_set():
                return
            seq += 1
            agent.sink({"source": "bench", "boot": "b1", "seq": seq, "gate": 5, "edge": "B",
                        "t_us": seq * 1000})
            next_at += every
            time.sleep(max(0.0, next_at - time.monotonic()))

    push(int(rate * seconds), 1 / rate)
    last = seq
    deadline = time.monotonic() + 60
    while on_standby.high < last and time.monotonic() < deadline:
        time.sleep(0.05)
    lags = [on_standby.at[s] - on_primary.at[s] for s in range(1, last + 1)
            if s in on_standby.at and s in on_primary.at]
    print(f"standby lag at {rate:.0f} edges/s for {seconds:.0f} s ({len(lags)} edges): "
          f"p50 {pct(lags, 50) * 1000:.0f} ms, p99 {pct(lags, 99) * 1000:.0f} ms, "
          f"max {max(lags) * 1000:.0f} ms")

    pusher = threading.Thread(target=push, args=(3000, 0.01), daemon=True)
    pusher.start()
    time.sleep(1.0)
    primary.send_signal(signal.SIGKILL)
    killed = time.monotonic()
    first_after = seq + 1
    started = time.monotonic()
    cli("promote", "--wait", "120", env={"KEJURDA_INSTANCE": str(work / "s-inst")})
    promote_s = time.monotonic() - started
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done = [on_standby.at[s] for s in range(first_after, seq + 1) if s in on_standby.at]
        if done:
            print(f"failover: first new edge stored on the promoted standby "
                  f"{min(done) - killed:.2f} s after the kill (`kejurda promote` took "
                  f"{promote_s:.2f} s)")
            break
        time.sleep(0.02)
    stop.set()
    pusher.join(5)
    on_primary.stop.set()
    on_standby.stop.set()
    standby.send_signal(signal.SIGTERM)
    standby.wait(20)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--teams", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=20000)
    parser.add_argument("--sheets", type=int, default=3000)
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-standby", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="bench-data-") as tmp:
        work = Path(tmp)
        url = f"sqlite:///{work / 'blitar.db'}"
        started = time.perf_counter()
        counts = build_championship(url, args.teams, args.runs, args.sheets)
        print(f"built: {counts['team']} teams, {counts['run']} runs, {counts['gate_event']} "
              f"gate edges, {counts['score_sheet']} score sheets in "
              f"{time.perf_counter() - started:.1f} s; SQLite file "
              f"{(work / 'blitar.db').stat().st_size / 1e6:.1f} MB")
        measure_backup(url, work, "sqlite")
        if not args.skip_pg:
            sys.path.insert(0, str(ROOT))
            from tests.support.pgdb import pg_database

            with pg_database("kejurda_bench") as pg_url:
                pg = Database(pg_url)
                with pg.engine.begin() as conn:
                    tables.clear(conn)
                source = Database(url)
                tables.copy_all(source.engine, pg.engine)
                source.dispose()
                pg.dispose()
                measure_backup(pg_url, work, "postgresql")
        if not args.skip_standby:
            measure_standby(work, args.rate, args.seconds)


if __name__ == "__main__":
    main()
