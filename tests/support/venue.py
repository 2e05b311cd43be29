"""The tests' shared helpers: real `kejurda` server and agent processes (`Venue`, the
`venue` fixture, `wait_for_agent`) and event-file builders (`event_variant`).

The e2e and browser conftests take the `venue` fixture from here."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

DATA = Path(__file__).resolve().parents[1] / "e2e" / "data"
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kejurda(*args: str, stdin: str | None = None) -> str:
    """Run a `kejurda` command to completion; return stdout (fail the test on error)."""
    proc = subprocess.run([sys.executable, "-m", "scoreboard.cli", *args], input=stdin,
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@dataclass
class Proc:
    """A background process whose output goes to a log file we can show on failure."""

    args: list[str]
    log: Path
    popen: subprocess.Popen | None = None
    env: dict[str, str] = field(default_factory=dict)

    def start(self) -> Proc:
        env = dict(os.environ, PYTHONUNBUFFERED="1",
                   KEJURDA_INSTANCE=str(self.log.parent / "instance"), **self.env)
        self.popen = subprocess.Popen(self.args, stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
                                      cwd=ROOT, env=env)
        return self

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.popen and self.popen.poll() is None:
            self.popen.send_signal(sig)
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)

    def tail(self, n: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])


@dataclass
class Venue:
    """A running server (and optionally agents) on one SQLite file."""

    tmp: Path
    port: int
    db_url: str
    tokens: dict[str, str]
    procs: list[Proc] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start_server(self, port: int | None = None, env: dict[str, str] | None = None,
                     name: str = "server") -> Proc:
        port = port or self.port
        proc = Proc([sys.executable, "-m", "scoreboard.cli", "serve", "--port", str(port),
                     "--db", self.db_url], self.tmp / f"{name}.log", env=env or {}).start()
        self.procs.append(proc)
        deadline = time.monotonic() + 60  # a loaded machine: imports alone can take long
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/api/v1/categories", timeout=1).ok:
                    return proc
            except requests.RequestException:
                time.sleep(0.1)
            assert proc.popen.poll() is None, "server exited:\n" + proc.tail()
        raise AssertionError("server did not start:\n" + proc.tail())

    def start_agent(self, *extra: str, data_dir: Path | None = None,
                    server_url: str | None = None, token: str | None = None) -> Proc:
        """An agent process; ``server_url`` points it elsewhere (e.g. a proxy). Its token
        goes by environment, as a venue should pass it (a command line shows in ps)."""
        data_dir = data_dir or self.tmp / "agent"
        proc = Proc([sys.executable, "-m", "scoreboard.cli", "agent", "--server",
                     server_url or self.url, "--data-dir", str(data_dir), *extra],
                    self.tmp / f"agent-{len(self.procs)}.log",
                    env={"KEJURDA_TOKEN": token or self.tokens["agent"]}).start()
        self.procs.append(proc)
        return proc

    def load_event_with(self, old: str, new: str) -> None:
        """Reload the e2e event with one piece of its text replaced (an option under test)."""
        changed = event_variant(DATA / "event.toml", self.tmp / "event-changed.toml", old, new)
        kejurda("event", "load", str(changed), "--db", self.db_url)

    def add_user(self, role: str, name: str, password: str) -> None:
        kejurda("user", "create", "--role", role, "--name", name, "--password-stdin",
                "--db", self.db_url, stdin=password + "\n")

    def api(self, method: str, path: str, token: str = "timekeeper", **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.tokens[token]}"}
        return requests.request(method, f"{self.url}/api/v1{path}", headers=headers, timeout=10,
                                **kwargs)

    def send_edges(self, *edges: dict) -> list[dict]:
        """Gate edges sent as an agent sends them (on /timing, each acked), without an
        agent process: a test decides exactly when a run starts or ends."""
        import socketio

        client = socketio.Client(reconnection=False)
        client.connect(self.url, namespaces=["/timing"], auth={"token": self.tokens["agent"]},
                       wait_timeout=10)
        try:
            return [client.call("gate_event", edge, namespace="/timing", timeout=10)
                    for edge in edges]
        finally:
            client.disconnect()

    def wait_final(self, run_id: int, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = self.api("GET", f"/runs/{run_id}").json()
            if run["status"] not in ("armed", "running"):
                return run
            time.sleep(0.1)
        raise AssertionError(f"run {run_id} never ended: {run}\n" + self.logs())

    def logs(self) -> str:
        return "\n".join(f"--- {p.log.name}\n{p.tail()}" for p in self.procs)


def ground_truth(data_dir: Path) -> dict[int, dict]:
    path = data_dir / "ground_truth.jsonl"
    if not path.exists():
        return {}
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return {row["run_id"]: row for row in rows}


def _prepare(db_url: str) -> dict[str, str]:
    """The e2e event, its teams and one token per role, through the real commands."""
    kejurda("event", "load", str(DATA / "event.toml"), "--db", db_url)
    kejurda("teams", "import", str(DATA / "teams.csv"), "--db", db_url)
    return {role: kejurda("token", "create", "--role", role, "--name", f"e2e-{role}",
                          "--db", db_url).strip().splitlines()[-1]
            for role in ("agent", "timekeeper", "admin")}


# the prepared SQLite venue, made once per test session (five commands, ~4 s) and copied
_PREPARED: dict[str, tuple[Path, dict[str, str]]] = {}


def make_venue(tmp_path: Path, db_url: str | None = None) -> Venue:
    """A database with the e2e event, its teams and one token per role; no process yet.

    Without `db_url`: a SQLite file, a copy of one prepared for the session (each venue
    still has its own file; the tokens are the same in every copy)."""
    if db_url is not None:
        return Venue(tmp_path, free_port(), db_url, _prepare(db_url))
    if "sqlite" not in _PREPARED:
        folder = Path(tempfile.mkdtemp(prefix="kejurda-venue-"))
        atexit.register(shutil.rmtree, folder, True)
        tokens = _prepare(f"sqlite:///{folder / 'venue.db'}")
        _PREPARED["sqlite"] = (folder / "venue.db", tokens)
    source, tokens = _PREPARED["sqlite"]
    target = tmp_path / "venue.db"
    for suffix in ("", "-wal"):  # the commands ended: a -wal left behind is part of the file
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
    return Venue(tmp_path, free_port(), f"sqlite:///{target}", dict(tokens))


@pytest.fixture
def venue(tmp_path: Path):
    """A `Venue` on a fresh database; every process it started is stopped afterwards."""
    v = make_venue(tmp_path)
    yield v
    for proc in reversed(v.procs):
        proc.stop()


def wait_for_agent(venue: Venue, timeout: float = 30) -> None:
    """Until the server lists a connected agent on /timing."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        resp = venue.api("GET", "/agents", token="admin")
        if resp.ok and resp.json():
            return
        time.sleep(0.1)
    raise AssertionError("agent never connected:\n" + venue.logs())


def event_variant(source: Path, target: Path, old: str | None = None, new: str = "",
                  append: str = "") -> Path:
    """`source` (an event file) written to `target` with its first `old` replaced by `new`
    (`old` must be there: a test never changes nothing by mistake) and `append` added."""
    text = source.read_text(encoding="utf-8")
    if old is not None:
        assert old in text, old
        text = text.replace(old, new, 1)
    target.write_text(text + append, encoding="utf-8")
    return target
