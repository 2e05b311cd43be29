"""Shared fixtures: a real scoreboard on a temporary SQLite file, tokens per role,
an HTTP client and Socket.IO clients for `/timing` and `/live`.

Nothing here is a mock of our own code: the app, its database, its services and its
namespaces are the ones a venue runs. No fixture is autouse, so the other test folders
(judging, hardware, firmware) are not touched by this file.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parent / "data"
EVENT_FILE = DATA / "event.toml"
TEAMS_FILE = DATA / "teams.csv"
ROLES = ("admin", "timekeeper", "judge", "agent")


@pytest.fixture
def data_dir() -> Path:
    """tests/data: the test event file and teams CSV."""
    return DATA


def _build_template(folder: Path, loaded: bool) -> Path:
    """A migrated SQLite file, optionally with the test event and teams, built once."""
    from scoreboard.db import Database
    from scoreboard.services.event_file import load_event
    from scoreboard.services.teams_csv import import_teams

    path = folder / ("loaded.db" if loaded else "empty.db")
    database = Database(f"sqlite:///{path}")
    if loaded:
        with database.transaction() as session:
            load_event(session, EVENT_FILE)
        with database.transaction() as session:
            import_teams(session, TEAMS_FILE)
    database.dispose()
    return path


@pytest.fixture(scope="session")
def _templates(tmp_path_factory) -> dict[bool, Path]:
    # Migrating and loading once per session, then copying the file, keeps each test fast.
    folder = tmp_path_factory.mktemp("templates")
    return {loaded: _build_template(folder, loaded) for loaded in (False, True)}


def _make_app(template: Path, folder: Path) -> Any:
    from scoreboard.app import create_app

    for suffix in ("", "-wal", "-shm"):
        source = template.with_name(template.name + suffix)
        if source.exists():
            shutil.copyfile(source, folder / ("kejurda.db" + suffix))
    url = f"sqlite:///{folder / 'kejurda.db'}"
    return create_app({"DATABASE_URL": url, "SECRET_KEY": "test", "TESTING": True})


def _close(app: Any) -> None:
    from scoreboard.services import publish

    publish.disconnect_all(app)
    app.extensions["kejurda_db"].dispose()


@pytest.fixture
def bare_app(_templates, tmp_path: Path) -> Iterator[Any]:
    """The app on a fresh, migrated and empty database (no event, no teams)."""
    app = _make_app(_templates[False], tmp_path)
    yield app
    _close(app)


@pytest.fixture
def app(_templates, tmp_path: Path) -> Iterator[Any]:
    """The app with tests/data/event.toml and tests/data/teams.csv loaded."""
    app = _make_app(_templates[True], tmp_path)
    yield app
    _close(app)


def _the_app(request) -> Any:
    """The app of this test, whichever of `app` and `bare_app` it uses."""
    name = "bare_app" if "bare_app" in request.fixturenames else "app"
    return request.getfixturevalue(name)


@pytest.fixture
def db(app: Any) -> Any:
    """The app's `scoreboard.db.Database`."""
    return app.extensions["kejurda_db"]


@pytest.fixture
def count(request):
    """count(Model, **filters) -> number of rows, read in a fresh session."""
    from sqlalchemy import func, select

    database = _the_app(request).extensions["kejurda_db"]

    def _count(model: Any, **filters: Any) -> int:
        query = select(func.count()).select_from(model).filter_by(**filters)
        with database.transaction() as session:
            return session.scalar(query)

    return _count


@pytest.fixture
def snapshot(request):
    """snapshot() -> every row of every table, as plain tuples (to prove nothing changed)."""
    from sqlalchemy import select

    from scoreboard.models import Base

    database = _the_app(request).extensions["kejurda_db"]

    def _snapshot() -> dict[str, list[tuple]]:
        out: dict[str, list[tuple]] = {}
        with database.transaction() as session:
            for table in Base.metadata.sorted_tables:
                rows = session.execute(select(table).order_by(*table.primary_key.columns))
                out[table.name] = [tuple(r) for r in rows]
        return out

    return _snapshot


@pytest.fixture
def tokens(app: Any) -> dict[str, str]:
    """One bearer token per role: {"admin": "kj_...", "timekeeper": ..., ...}."""
    from scoreboard.services.accounts import create_token

    database = app.extensions["kejurda_db"]
    with database.transaction() as session:
        return {role: create_token(session, role, f"test-{role}") for role in ROLES}


class Api:
    """A thin JSON client over Flask's test client: `api.post(path, body, role=...)`."""

    def __init__(self, client: Any, tokens: dict[str, str]):
        self.client = client
        self.tokens = tokens

    def headers(self, role: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}

    def get(self, path: str, role: str | None = None):
        return self.client.get(path, headers=self.headers(role))

    def post(self, path: str, body: Any = None, role: str | None = "timekeeper",
             headers: dict[str, str] | None = None, data: Any = None):
        all_headers = {**self.headers(role), **(headers or {})}
        if data is not None:
            return self.client.post(path, data=data, headers=all_headers,
                                    content_type="application/json")
        if body is None:
            return self.client.post(path, headers=all_headers)
        return self.client.post(path, json=body, headers=all_headers)

    def arm(self, category: str, team: str, role: str = "timekeeper") -> dict:
        """Arm a run and insist on 201: the run object."""
        resp = self.post("/api/v1/runs", {"category": category, "team": team}, role=role)
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()

    def run(self, run_id: int) -> dict:
        resp = self.get(f"/api/v1/runs/{run_id}")
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()

    def ranking(self, category: str) -> dict:
        resp = self.get(f"/api/v1/categories/{category}/ranking")
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def api(client: Any, tokens: dict[str, str]) -> Api:
    return Api(client, tokens)


@pytest.fixture
def socket_client(app: Any):
    """socket_client(namespace, auth=None) -> a Flask-SocketIO test client, closed at teardown."""

    opened: list[tuple[Any, str]] = []

    def _open(namespace: str, auth: Any = None) -> Any:
        sio = app.extensions["socketio"].test_client(app, namespace=namespace, auth=auth)
        opened.append((sio, namespace))
        return sio

    yield _open
    for sio, namespace in opened:
        if sio.is_connected(namespace):
            sio.disconnect(namespace=namespace)


class Agent:
    """An agent on `/timing`: builds gate edges with a running seq and returns the acks."""

    def __init__(self, sio: Any):
        self.sio = sio
        self.seqs: dict[tuple[str, str], int] = {}

    def emit(self, payload: Any) -> Any:
        return self.sio.emit("gate_event", payload, namespace="/timing", callback=True)

    def edge(self, source: str, gate: int, edge: str, t_us: int, boot: str = "b00t0001",
             seq: int | None = None, **extra: Any) -> dict:
        key = (source, boot)
        if seq is None:
            seq = self.seqs.get(key, 0) + 1
        self.seqs[key] = max(seq, self.seqs.get(key, 0))
        return {"source": source, "boot": boot, "seq": seq, "gate": gate, "edge": edge,
                "t_us": t_us, **extra}

    def send(self, source: str, gate: int, edge: str, t_us: int, **kwargs: Any) -> Any:
        """Send one edge and insist it is acked ok."""
        ack = self.emit(self.edge(source, gate, edge, t_us, **kwargs))
        assert ack == {"ok": True}, ack
        return ack


@pytest.fixture
def agent(socket_client, tokens: dict[str, str]) -> Agent:
    sio = socket_client("/timing", auth={"token": tokens["agent"]})
    assert sio.is_connected("/timing")
    return Agent(sio)


@pytest.fixture
def live(socket_client) -> Any:
    """A `/live` client with its connect-time snapshot already drained."""
    sio = socket_client("/live")
    assert sio.is_connected("/live")
    sio.get_received("/live")
    return sio


@pytest.fixture
def real_server(app: Any) -> Iterator[str]:
    """The app served by a real threaded werkzeug server (real WebSockets), by its URL."""
    import threading

    from werkzeug.serving import make_server

    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    thread.join(10)
