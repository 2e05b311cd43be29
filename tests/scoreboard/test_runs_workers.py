"""Two workers on one PostgreSQL database take the edges of one run (docs/deployment.md).

Each worker is an app of its own, as in `kejurda serve --workers 2`: its own run lock, its
own connections. The start edge's transaction on worker A is held open at its commit; the
finish edge on worker B must wait for it (the track row's lock) and then time the run,
not read the run as armed and pass it by.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, text

from scoreboard.services import runs
from scoreboard.services.event_file import load_event
from scoreboard.services.teams_csv import import_teams
from tests.conftest import EVENT_FILE, TEAMS_FILE
from tests.support.pgdb import pg_database

EPOCH = 1_764_452_840_000_000
START = {"source": "esp32-c1", "boot": "b1", "seq": 1, "gate": 0, "edge": "B", "t_us": 5,
         "t_epoch_us": EPOCH}
FINISH = {"source": "esp32-c2", "boot": "b1", "seq": 1, "gate": 0, "edge": "B", "t_us": 9,
          "t_epoch_us": EPOCH + 4_321_000}


@pytest.fixture
def workers() -> Iterator[tuple[Any, Any]]:
    from scoreboard.app import create_app
    from scoreboard.services import publish

    with pg_database("kejurda_workers") as url:
        apps = [create_app({"DATABASE_URL": url, "SECRET_KEY": "test", "TESTING": True})
                for _ in range(2)]
        with apps[0].extensions["kejurda_db"].transaction() as session:
            load_event(session, EVENT_FILE)
        with apps[0].extensions["kejurda_db"].transaction() as session:
            import_teams(session, TEAMS_FILE)
        yield apps[0], apps[1]
        for app in apps:
            publish.disconnect_all(app)
            app.extensions["kejurda_db"].dispose()


def _waiting_on_a_lock(app: Any) -> bool:
    with app.extensions["kejurda_db"].engine.connect() as connection:
        return bool(connection.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'")))


def _until(condition, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)


def _record(app: Any, edge: dict, before_commit: Any = None) -> list[dict]:
    with app.app_context():
        session = app.extensions["kejurda_db"].session
        if before_commit is not None:
            event.listen(session, "before_commit", before_commit)
        try:
            return runs.record_edges(session, [edge])
        finally:
            app.extensions["kejurda_db"].remove()


def _arm(app: Any, *edges: dict) -> int:
    with app.app_context():
        run_id = runs.arm_run(app.extensions["kejurda_db"].session, "lf-sma", "LF-SMA-001",
                              "test").id
        app.extensions["kejurda_db"].remove()
    for edge in edges:
        assert _record(app, edge) == [{"ok": True}]
    return run_id


def _while_committing(app: Any, edge: dict, other: Any) -> tuple[Any, Any]:
    """Record `edge` on worker `app` with its commit held open; meanwhile run `other()` in
    a thread until it waits on a lock (or, without the lock, is done); then let the commit
    go. The two results, each an exception if one was raised."""
    at_commit, go_on = threading.Event(), threading.Event()
    results: list[Any] = [None, None]

    def hold(_session: Any) -> None:
        at_commit.set()
        assert go_on.wait(30)

    def held() -> None:
        results[0] = _guarded(lambda: _record(app, edge, before_commit=hold))

    def meanwhile() -> None:
        results[1] = _guarded(other)

    first = threading.Thread(target=held)
    first.start()
    assert at_commit.wait(30)
    second = threading.Thread(target=meanwhile)
    second.start()
    _until(lambda: not second.is_alive() or _waiting_on_a_lock(app))
    go_on.set()
    first.join(30)
    second.join(30)
    return results[0], results[1]


def _guarded(call: Any) -> Any:
    try:
        return call()
    except Exception as exc:  # reported as the result, for the assertion to show
        return exc


def _outcome(app: Any, run_id: int) -> tuple:
    with app.app_context(), app.extensions["kejurda_db"].transaction() as session:
        run = runs.get_run(session, run_id)
        return run.status, run.elapsed_us


def test_a_finish_on_one_worker_waits_for_the_start_another_is_committing(workers):
    a, b = workers
    run_id = _arm(a)
    assert _while_committing(a, START, lambda: _record(b, FINISH)) == (
        [{"ok": True}], [{"ok": True}])
    assert _outcome(a, run_id) == ("finished", 4_321_000)


def test_a_timekeeper_s_abort_waits_for_the_finish_another_worker_is_committing(workers):
    """The abort reads the run after the finish is committed: the run has a result and the
    abort is refused, instead of a stale write (or a finish overwritten)."""
    from scoreboard.errors import Conflict

    a, b = workers
    run_id = _arm(a, START)

    def abort() -> Any:
        with b.app_context():
            try:
                return runs.abort_run(b.extensions["kejurda_db"].session, run_id, "timekeeper")
            finally:
                b.extensions["kejurda_db"].remove()

    acks, refused = _while_committing(a, FINISH, abort)
    assert acks == [{"ok": True}]
    assert isinstance(refused, Conflict)
    assert str(refused) == "status: cannot abort a run that is finished"
    assert _outcome(a, run_id) == ("finished", 4_321_000)


def test_the_server_s_timeout_waits_for_a_finish_another_worker_is_committing(
        workers, monkeypatch):
    """Run expiry (on the worker holding the duties) reads the run after the finish is
    committed: nothing to time out, no timeout pushed to the screens."""
    a, b = workers
    run_id = _arm(a, START)
    later = runs.now_us() + 3_600_000_000  # an hour on: far past the 60 s limit
    monkeypatch.setattr(runs, "now_us", lambda: later)

    def expire() -> Any:
        with b.app_context():
            try:
                return [r.id for r in runs.expire_runs(b.extensions["kejurda_db"].session)]
            finally:
                b.extensions["kejurda_db"].remove()

    assert _while_committing(a, FINISH, expire) == ([{"ok": True}], [])
    assert _outcome(a, run_id) == ("finished", 4_321_000)


def test_a_finish_stored_by_one_worker_before_the_start_reached_another(workers):
    """The start device's outbox caught up late, through the other worker: the finish
    stored first is the run's, read back by the start's worker (docs/internals.md §2)."""
    a, b = workers
    run_id = _arm(a)
    assert _record(b, FINISH) == [{"ok": True}]
    assert _record(a, START) == [{"ok": True}]
    assert _outcome(a, run_id) == ("finished", 4_321_000)
