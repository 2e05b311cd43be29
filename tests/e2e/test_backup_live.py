"""Backups of a running server (real processes; docs/data-safety.md).

1. `kejurda backup` taken while an agent connection stores gate edges and a judge's
   tablet stores score sheets restores to the database exactly as it was at one moment:
   every table equal, row for row, to the source's rows up to that moment.
2. A full disk: the server process runs with RLIMIT_FSIZE (no file it writes may grow
   past 1 MiB), so its automatic backup, which with a 1.5 MiB payment proof is larger,
   fails as on a full device (EFBIG). The server keeps serving, says `full`, and the last
   verified backup stays the latest; no damaged or partial file is left.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
import socketio

from scoreboard.db import Database
from scoreboard.services import backup, tables
from tests.support.venue import ROOT, Venue, free_port, kejurda

pytestmark = pytest.mark.e2e
DATA = ROOT / "tests" / "data"
SCORES = {"inovasi": 70, "teknis": 80, "presentasi": 90}


def make_venue(tmp: Path) -> Venue:
    url = f"sqlite:///{tmp / 'venue.db'}"
    kejurda("event", "load", str(DATA / "event.toml"), "--db", url)
    kejurda("teams", "import", str(DATA / "teams.csv"), "--db", url)
    kejurda("user", "create", "--role", "judge", "--name", "juri1", "--password-stdin",
            "--db", url, stdin="rahasia-juri-1\n")
    tokens = {role: kejurda("token", "create", "--role", role, "--name", f"t-{role}",
                            "--db", url).strip().splitlines()[-1] for role in ("agent", "admin")}
    return Venue(tmp, free_port(), url, tokens)


@pytest.fixture
def venue(tmp_path: Path):
    v = make_venue(tmp_path)
    yield v
    for proc in reversed(v.procs):
        proc.stop()


class Writers:
    """An agent's edges and a tablet's sheets, each stored and acked one after another."""

    def __init__(self, venue: Venue):
        self.venue = venue
        self.stop = threading.Event()
        self.edges = 0
        self.sheets = 0
        self.errors: list[str] = []
        self.threads = [threading.Thread(target=self._edges, daemon=True),
                        threading.Thread(target=self._sheets, daemon=True)]

    def start(self) -> Writers:
        for t in self.threads:
            t.start()
        return self

    def _edges(self) -> None:
        client = socketio.Client(reconnection=False)
        client.connect(self.venue.url, namespaces=["/timing"],
                       auth={"token": self.venue.tokens["agent"]}, wait_timeout=10)
        try:
            while not self.stop.is_set():
                seq = self.edges + 1
                ack = client.call("gate_event", {"source": "pi-b", "boot": "live0001", "seq": seq,
                                                 "gate": 0, "edge": "BC"[seq % 2],
                                                 "t_us": 1_000 * seq}, namespace="/timing",
                                  timeout=10)
                if ack != {"ok": True}:
                    self.errors.append(f"edge {seq}: {ack}")
                    return
                self.edges = seq
        finally:
            client.disconnect()

    def _sheets(self) -> None:
        headers = {"Authorization": f"Bearer {self.venue.tokens['admin']}"}
        while not self.stop.is_set():
            n = self.sheets
            resp = requests.post(f"{self.venue.url}/api/v1/categories/kreatif-sd/scores", json={
                "team": "KRE-001", "judge": "juri1", "reason": "tablet uji", "scores": SCORES,
                "idempotency_key": f"live-{n:06d}", "base_version": n}, headers=headers,
                timeout=10)
            if resp.status_code != 201:
                self.errors.append(f"sheet {n}: {resp.status_code} {resp.text}")
                return
            self.sheets = n + 1

    def wait(self, edges: int, sheets: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while self.edges < edges or self.sheets < sheets:
            assert not self.errors, self.errors
            assert time.monotonic() < deadline, (self.edges, self.sheets, self.venue.logs())
            time.sleep(0.05)

    def finish(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(15)
        assert not self.errors, self.errors


def test_backup_while_agents_and_tablets_write_restores_one_moment(venue: Venue, tmp_path):
    venue.start_server(env={"KEJURDA_BACKUP_EVERY_MIN": "0"})
    writers = Writers(venue).start()
    writers.wait(edges=30, sheets=5)
    folder = tmp_path / "usb"
    folder.mkdir()
    path = Path(kejurda("backup", "--to", str(folder), "--db", venue.db_url,
                        "--uploads", str(tmp_path / "uploads")).strip().splitlines()[-1])
    mid = (writers.edges, writers.sheets)
    writers.wait(edges=mid[0] + 30, sheets=mid[1] + 5)
    writers.finish()

    restored_url = f"sqlite:///{tmp_path / 'restored.db'}"
    kejurda("restore", str(path), "--db", restored_url, "--uploads", str(tmp_path / "r"))
    source, restored = Database(venue.db_url), Database(restored_url)
    try:
        now, then = tables.snapshot(source.engine), tables.snapshot(restored.engine)
    finally:
        source.dispose()
        restored.dispose()
    assert then.keys() == now.keys()
    grown = {name for name in now if len(then[name]) < len(now[name])}
    assert {"gate_event", "score_sheet"} <= grown  # it was taken mid-write...
    assert 0 < len(then["gate_event"]) and 0 < len(then["score_sheet"])
    for name in now:  # ...and is the source's rows up to one moment, every row equal
        assert then[name] == now[name][:len(then[name])], name
    sheets = [r["version"] for r in then["score_sheet"]]
    assert sheets == list(range(1, len(sheets) + 1))
    seqs = [r["seq"] for r in then["gate_event"]]
    assert seqs == list(range(1, len(seqs) + 1))


def _limited_server(venue: Venue, port: int, env: dict[str, str], limit: int) -> subprocess.Popen:
    def limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    full_env = dict(os.environ, PYTHONUNBUFFERED="1", **env)
    # output to a pipe, not a file: the limit is for the files the server writes
    return subprocess.Popen([sys.executable, "-m", "scoreboard.cli", "serve", "--port",
                             str(port), "--db", venue.db_url], cwd=ROOT, env=full_env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            preexec_fn=limit_file_size)


def test_a_full_disk_fails_the_backup_not_the_server(venue: Venue, tmp_path):
    folder, uploads = tmp_path / "usb", tmp_path / "uploads"
    folder.mkdir()
    uploads.mkdir()
    good = Path(kejurda("backup", "--to", str(folder), "--db", venue.db_url, "--uploads",
                        str(uploads)).strip().splitlines()[-1])
    (uploads / "REG-0001.jpg").write_bytes(os.urandom(1536 * 1024))  # a big payment proof
    env = {"KEJURDA_BACKUP_DIR": str(folder), "KEJURDA_UPLOAD_DIR": str(uploads),
           "KEJURDA_INSTANCE": str(tmp_path / "instance"), "KEJURDA_BACKUP_EVERY_MIN": "60",
           # the good backup is seconds old: the server must still try its own at start
           "KEJURDA_BACKUP_MIN_GAP_S": "0"}
    server = _limited_server(venue, venue.port, env, 1024 * 1024)
    log: list[bytes] = []
    threading.Thread(target=lambda: log.extend(server.stdout), daemon=True).start()
    try:
        deadline = time.monotonic() + 180
        status = None
        while time.monotonic() < deadline:
            try:
                status = venue.api("GET", "/backups/status", token="admin").json()
                if status["warnings"]:
                    break
            except requests.RequestException:
                pass
            assert server.poll() is None, b"".join(log).decode(errors="replace")
            time.sleep(0.2)
        assert status is not None and status["warnings"] == ["full"], (
            status, b"".join(log).decode(errors="replace"))
        assert status["latest"] == good.name
        assert "File too large" in status["error"]
        # still serving: an edge is stored and acked
        assert venue.send_edges({"source": "pi-b", "boot": "full0001", "seq": 1, "gate": 0,
                                 "edge": "B", "t_us": 5}) == [{"ok": True}]
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            [good.name, ".kejurda-backup.lock"])
        assert backup.latest_verified(folder) == good
        backup.verify_backup(good)
    finally:
        server.terminate()
        server.wait(20)
