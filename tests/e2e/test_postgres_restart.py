"""PostgreSQL restarted under a running server and a real agent: the server recovers on its
own, the edges made while the database was down wait in the agent's outbox, and each lands
once. The test runs a private PostgreSQL cluster (Debian's binaries, a free port, a temp
folder), so the machine's own server is never touched."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

from tests.support.venue import free_port, ground_truth, make_venue

pytestmark = pytest.mark.e2e
BIN = Path("/usr/lib/postgresql/15/bin")


def _as_postgres(*args: str) -> list[str]:
    # PostgreSQL refuses to run as root: its cluster belongs to the postgres user
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)


class Cluster:
    def __init__(self, port: int) -> None:
        # not under pytest's folder: the postgres user may not enter root's private one
        self.dir = Path(tempfile.mkdtemp(prefix="kejurda-pg-"))
        self.port = port
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        subprocess.run(_as_postgres(str(BIN / "initdb"), "-D", str(self.dir / "data"), "-U",
                                    "postgres", "--auth=trust", "-E", "UTF8"),
                       check=True, capture_output=True)

    def start(self) -> None:
        subprocess.run(_as_postgres(
            str(BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-l", str(self.dir / "log"),
            "-w", "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1", "start"),
            check=True, capture_output=True)

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(_as_postgres(str(BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-m",
                                    mode, "-w", "stop"), capture_output=True)


@pytest.fixture
def cluster(tmp_path):
    if not (BIN / "initdb").exists():
        pytest.skip("PostgreSQL 15 binaries are not installed")
    c = Cluster(free_port())
    c.start()
    with psycopg.connect(f"host=127.0.0.1 port={c.port} user=postgres dbname=postgres",
                         autocommit=True) as conn:
        conn.execute('CREATE DATABASE "kejurda"')
    yield c
    c.stop("immediate")
    shutil.rmtree(c.dir, ignore_errors=True)


def test_a_postgresql_restart_loses_no_edge_and_stores_each_once(tmp_path, cluster):
    url = f"postgresql://postgres@127.0.0.1:{cluster.port}/kejurda"  # the bare scheme works
    venue = make_venue(tmp_path, url)
    venue.load_event_with("time_limit_s = 4", "time_limit_s = 120")
    venue.start_server()
    try:
        # robots take ~2.4 s: the finish falls while the database is down
        venue.start_agent("--simulate", "--sim-seed", "9", "--sim-scale", "0.3",
                          "--sim-dnf-rate", "0")
        deadline = time.monotonic() + 30
        while not venue.api("GET", "/agents", token="admin").json():
            assert time.monotonic() < deadline, venue.logs()
            time.sleep(0.1)
        run = venue.api("POST", "/runs", json={"category": "lf-smp", "team": "SMP-01"})
        assert run.status_code == 201, run.text
        run_id = run.json()["id"]
        deadline = time.monotonic() + 30
        while venue.api("GET", f"/runs/{run_id}").json()["status"] != "running":
            assert time.monotonic() < deadline, venue.logs()
            time.sleep(0.05)
        cluster.stop()
        deadline = time.monotonic() + 60
        while run_id not in ground_truth(venue.tmp / "agent"):  # the robot finished meanwhile
            assert time.monotonic() < deadline, venue.logs()
            time.sleep(0.1)
        cluster.start()
        final = venue.wait_final(run_id, timeout=60)
        truth = ground_truth(venue.tmp / "agent")[run_id]
        assert (final["status"], final["elapsed_us"]) == ("finished", truth["elapsed_us"])
        # each edge once: the stored edges of that source have distinct seqs, none missing
        with psycopg.connect(f"host=127.0.0.1 port={cluster.port} user=postgres "
                             "dbname=kejurda") as conn:
            rows = conn.execute("SELECT source, boot, seq FROM gate_event").fetchall()
        assert len(rows) == len(set(rows))
        by_boot: dict[tuple, list[int]] = {}
        for source, boot, seq in rows:
            by_boot.setdefault((source, boot), []).append(seq)
        for seqs in by_boot.values():
            assert sorted(seqs) == list(range(1, len(seqs) + 1))
        # and the server serves on, with no restart
        second = venue.api("POST", "/runs", json={"category": "lf-smp", "team": "SMP-02"})
        assert second.status_code == 201, second.text
        assert venue.wait_final(second.json()["id"])["status"] == "finished"
    finally:
        for proc in reversed(venue.procs):
            proc.stop()
