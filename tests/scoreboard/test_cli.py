"""The `kejurda` command (docs/contract.md §1), run as a real subprocess against a temporary database.

A user's mistake is one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from scoreboard.db import Database
from scoreboard.models import Category, Event, Team, Track, User
from tests.support.venue import event_variant

KEJURDA = shutil.which("kejurda") or "kejurda"  # installed by `pip install -e .`
DATA = Path(__file__).parent.parent / "data"


class Cli:
    def __init__(self, folder: Path):
        self.folder = folder
        self.url = f"sqlite:///{folder / 'x.db'}"
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith("KEJURDA_")}
        self.env["KEJURDA_INSTANCE"] = str(folder / "instance")

    def __call__(self, *args: str, stdin: str | None = None, db: bool = True):
        argv = [KEJURDA, *args] + (["--db", self.url] if db else [])
        return subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=60,
                              cwd=self.folder, env=self.env)

    def many(self, argvs: list[tuple[str, ...]], stdin: str = "") -> list:
        """Run several commands at once (each costs about a second of imports)."""
        procs = [subprocess.Popen([KEJURDA, *args, "--db", self.url], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  cwd=self.folder, env=self.env) for args in argvs]
        done = []
        for proc in procs:
            out, err = proc.communicate(stdin, timeout=60)
            done.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
        return done

    def ok(self, *args: str, stdin: str | None = None):
        done = self(*args, stdin=stdin)
        assert done.returncode == 0, (done.stdout, done.stderr)
        assert "Traceback" not in done.stderr
        return done

    def counts(self) -> dict[str, int]:
        database = Database(self.url)
        try:
            with database.transaction() as s:
                return {m.__name__: s.scalar(select(func.count()).select_from(m))
                        for m in (Event, Track, Category, Team, User)}
        finally:
            database.dispose()


def one_error_line(done) -> str:
    """Insist on a non-zero exit and exactly one line on stderr without a traceback."""
    assert done.returncode != 0, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    return lines[0]


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


@pytest.fixture(scope="module")
def _loaded_db(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A database loaded by the CLI itself, once per module (each command costs ~1 s),
    with what the first load and import printed."""
    once = Cli(tmp_path_factory.mktemp("cli-loaded"))
    printed = {"event": once.ok("event", "load", str(DATA / "event.toml")).stdout,
               "teams": once.ok("teams", "import", str(DATA / "teams.csv")).stdout}
    return once.folder / "x.db", printed


@pytest.fixture
def loaded_cli(cli: Cli, _loaded_db) -> Cli:
    path = _loaded_db[0]
    for suffix in ("", "-wal", "-shm"):
        source = path.with_name(path.name + suffix)
        if source.exists():
            shutil.copyfile(source, cli.folder / ("x.db" + suffix))
    return cli


def test_event_load_and_teams_import_are_idempotent(loaded_cli, _loaded_db):
    first = _loaded_db[1]
    assert first["event"].strip().splitlines()[-1] == \
        "loaded event 'kejurda-uji': 4 tracks, 6 categories"
    assert first["teams"].strip() == "teams: 10 created, 0 updated"
    after_first = loaded_cli.counts()
    assert after_first == {"Event": 1, "Track": 4, "Category": 6, "Team": 10, "User": 0}
    again = loaded_cli.ok("event", "load", str(DATA / "event.toml"))
    assert again.stdout == first["event"]
    assert loaded_cli.ok("teams", "import", str(DATA / "teams.csv")).stdout.strip() == \
        "teams: 0 created, 10 updated"
    assert loaded_cli.counts() == after_first


def test_token_create_prints_the_token_alone_and_it_works(loaded_cli):
    from scoreboard.app import create_app
    from scoreboard.services import publish

    tokens = {}
    roles = ("timekeeper", "agent")
    runs = loaded_cli.many([("token", "create", "--role", role, "--name", f"{role}-1")
                            for role in roles])
    for role, done in zip(roles, runs, strict=True):
        assert done.returncode == 0, done.stderr
        tokens[role] = done.stdout.splitlines()[-1]
        assert re.fullmatch(r"kj_[A-Za-z0-9_-]{20,}", tokens[role]), done.stdout
        assert tokens[role] not in done.stderr
    assert tokens["timekeeper"] != tokens["agent"]

    app = create_app({"DATABASE_URL": loaded_cli.url, "SECRET_KEY": "test"})
    try:
        client = app.test_client()
        resp = client.post("/api/v1/runs", json={"category": "lf-smp", "team": "LF-SMP-001"},
                           headers={"Authorization": f"Bearer {tokens['timekeeper']}"})
        assert resp.status_code == 201, resp.get_json()
        assert resp.get_json()["status"] == "armed"
        resp = client.post("/api/v1/runs", json={"category": "lf-sd", "team": "LF-SD-001"},
                           headers={"Authorization": f"Bearer {tokens['timekeeper']}x"})
        assert resp.status_code == 401
        resp = client.post("/api/v1/runs", json={"category": "lf-sd", "team": "LF-SD-001"},
                           headers={"Authorization": f"Bearer {tokens['agent']}"})
        assert resp.status_code == 403
        sio = app.extensions["socketio"].test_client(app, namespace="/timing", auth={"token": tokens["agent"]})
        assert sio.is_connected("/timing")
        sio.disconnect(namespace="/timing")
        sio = app.extensions["socketio"].test_client(app, namespace="/timing",
                                   auth={"token": tokens["timekeeper"]})
        assert not sio.is_connected("/timing")
    finally:
        publish.disconnect_all(app)
        app.extensions["kejurda_db"].dispose()


def test_user_create_with_password_stdin(cli):
    from scoreboard.services.accounts import authenticate

    done = cli.ok("user", "create", "--role", "head_judge", "--name", "bu-sari",
                  "--password-stdin", stdin="rahasia-123\n")
    assert "bu-sari" in done.stdout
    database = Database(cli.url)
    try:
        with database.transaction() as s:
            user = authenticate(s, "bu-sari", "rahasia-123")
            assert user is not None and user.role == "head_judge"
            assert authenticate(s, "bu-sari", "rahasia-124") is None
    finally:
        database.dispose()


def test_bad_role_is_one_line_on_stderr(cli):
    cases = [
        ("token", "create", "--role", "boss", "--name", "x"),
        ("token", "create", "--role", "head_judge", "--name", "x"),  # a person's role only
        ("user", "create", "--role", "agent", "--name", "x", "--password-stdin"),
    ]
    for done in cli.many(cases, stdin="rahasia-123\n"):
        line = one_error_line(done)
        assert "--role" in line, line
    assert not (cli.folder / "x.db").exists() or cli.counts()["User"] == 0


def test_short_password_is_one_line_and_creates_nothing(loaded_cli):
    line = one_error_line(loaded_cli("user", "create", "--role", "judge", "--name", "pak-budi",
                                     "--password-stdin", stdin="pendek\n"))
    assert "password" in line
    assert loaded_cli.counts()["User"] == 0


def test_event_load_of_a_bad_file_names_file_and_key(loaded_cli, tmp_path):
    before = loaded_cli.counts()
    bad = tmp_path / "rusak.toml"
    event_variant(DATA / "event.toml", bad, "attempts = 2", 'attempts = "dua"')
    missing = tmp_path / "tidak-ada.toml"
    bad_done, missing_done = loaded_cli.many([("event", "load", str(bad)),
                                              ("event", "load", str(missing))])
    line = one_error_line(bad_done)
    assert str(bad) in line and "key 'attempts'" in line
    assert str(missing) in one_error_line(missing_done)
    assert loaded_cli.counts() == before


def test_teams_import_of_a_bad_row_names_the_line(loaded_cli, tmp_path):
    before = loaded_cli.counts()
    bad = tmp_path / "tim.csv"
    rows = (DATA / "teams.csv").read_text().splitlines()
    rows.append("NEW-001,Tim Baru,SMAN 3,lf-smp,SMA,Ana,0")
    rows[3] = rows[3].replace(",lf-smp,", ",lf-xyz,")
    bad.write_text("\n".join(rows) + "\n")
    line = one_error_line(loaded_cli("teams", "import", str(bad)))
    assert f"{bad}:4:" in line and "'lf-xyz'" in line
    assert loaded_cli.counts() == before


def test_an_error_on_a_fresh_database_is_still_one_line(cli):
    """No log chatter (e.g. a schema-upgrade INFO line) may join the error on stderr."""
    line = one_error_line(cli("teams", "import", str(DATA / "teams.csv")))
    assert "teams.csv:2:" in line


def test_an_unopenable_database_is_one_line(cli, tmp_path):
    argv = ["event", "load", str(DATA / "event.toml"), "--db",
            f"sqlite:///{tmp_path / 'no-such-dir' / 'x.db'}"]
    line = one_error_line(cli(*argv, db=False))
    assert "no-such-dir" in line or "database" in line


@pytest.mark.parametrize("command", ["serve", "demo"])
def test_serve_on_a_busy_port_is_one_line_before_anything_starts(cli, command):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = cli(command, "--port", str(port), db=command == "serve")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"kejurda: error: port: 127.0.0.1:{port} cannot be used (Address already in use); "
        "stop the other program or choose another --port (port sudah dipakai)"]
    assert done.stdout == ""  # no banner, no "serving" for a server that never started
