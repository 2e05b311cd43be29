"""The change feed a warm standby follows (scoreboard/services/replication.py, api/replication.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from scoreboard.db import Database
from scoreboard.services import replication, runs, tables
from tests.conftest import EVENT_FILE, TEAMS_FILE
from tests.support.pgdb import pg_database

EDGES = [
    {"source": "esp32-a", "boot": "b1", "seq": 1, "gate": 0, "edge": "B", "t_us": 1_000_000},
    {"source": "esp32-a", "boot": "b1", "seq": 2, "gate": 2, "edge": "B", "t_us": 5_000_000},
    {"source": "esp32-a", "boot": "b1", "seq": 3, "gate": 1, "edge": "B", "t_us": 13_345_678},
]


def follow(source, target, after: int, limit: int = 3) -> int:
    """Apply the feed in small batches (so batches split transactions) until caught up."""
    while True:
        feed = replication.changes(source.engine, after, limit)
        if feed["last"] == after:
            return after
        replication.apply(target.engine, feed)
        after = feed["last"]


def championship_changes(db) -> None:
    """Writes of every kind: inserts, updates (a run's states) and a delete."""
    from scoreboard.services.teams_csv import import_teams

    with db.transaction() as session:
        import_teams(session, TEAMS_FILE)
    with db.transaction() as session:
        run_id = runs.arm_run(session, "lf-smp", "LF-SMP-001", "test").id
    for edge in EDGES:
        with db.transaction() as session:
            assert runs.record_edges(session, [edge]) == [{"ok": True}]
    with db.transaction() as session:
        assert runs.get_run(session, run_id).status == "finished"
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO display_screen (slug, playlist, updated_at) "
                          "VALUES ('gone', '[]', '2026-07-10 10:00:00')"))
        conn.execute(text("DELETE FROM display_screen WHERE slug = 'gone'"))


def _follow_a_championship(source_url: str, target_url: str) -> None:
    from scoreboard.services.event_file import load_event

    source, target = Database(source_url), Database(target_url)
    try:
        replication.install_triggers(source.engine)
        with source.transaction() as session:
            load_event(session, EVENT_FILE)
        first = replication.snapshot(source.engine)
        replication.apply(target.engine, first, replace_all=True)
        championship_changes(source)
        follow(source, target, first["last"])
        assert tables.snapshot(target.engine) == tables.snapshot(source.engine)
        with target.engine.connect() as conn:
            assert tables.row_counts(conn)["gate_event"] == 3
    finally:
        source.dispose()
        target.dispose()


def test_a_follower_of_the_feed_ends_equal_to_the_primary_sqlite(tmp_path: Path):
    _follow_a_championship(f"sqlite:///{tmp_path / 'p.db'}", f"sqlite:///{tmp_path / 's.db'}")


def test_a_follower_of_the_feed_ends_equal_to_the_primary_postgresql():
    with pg_database() as source_url, pg_database() as target_url:
        _follow_a_championship(source_url, target_url)


def test_feed_replayed_twice_changes_nothing(tmp_path: Path):
    source = Database(f"sqlite:///{tmp_path / 'p.db'}")
    target = Database(f"sqlite:///{tmp_path / 's.db'}")
    replication.install_triggers(source.engine)
    first = replication.snapshot(source.engine)
    replication.apply(target.engine, first, replace_all=True)
    from scoreboard.services.event_file import load_event

    with source.transaction() as session:
        load_event(session, EVENT_FILE)
    championship_changes(source)
    follow(source, target, first["last"])
    assert tables.snapshot(target.engine) == tables.snapshot(source.engine)
    before = tables.snapshot(target.engine)
    follow(source, target, first["last"], limit=1000)  # everything again, at once
    assert tables.snapshot(target.engine) == before
    source.dispose()
    target.dispose()


def test_the_feed_needs_an_admin_token_and_a_good_cursor(api):
    assert api.get("/api/v1/replication/changes").status_code == 401
    denied = api.get("/api/v1/replication/changes", role="timekeeper")
    assert denied.status_code == 403
    assert denied.get_json() == {"error": "role: 'timekeeper' may not do this"}
    bad = api.get("/api/v1/replication/changes?after=x", role="admin")
    assert bad.status_code == 400
    assert bad.get_json() == {"error": "after: must be an integer (got 'x')"}
    big = api.get("/api/v1/replication/changes?limit=99999", role="admin")
    assert big.get_json() == {"error": "limit: must be between 1 and 5000 (got 99999)"}
    ok = api.get("/api/v1/replication/changes?after=0", role="admin")
    assert ok.status_code == 200 and ok.get_json()["rows"] == {}
    snap = api.get("/api/v1/replication/snapshot", role="admin").get_json()
    assert [c["slug"] for c in snap["rows"]["category"]][:2] == ["lf-smp", "lf-sd"]


@pytest.mark.parametrize("role,status", [(None, 401), ("agent", 403)])
def test_backup_status_needs_a_timekeeper(api, role, status):
    assert api.get("/api/v1/backups/status", role=role).status_code == status


def test_backup_status_tells_missing_none_and_the_newest(app, api, db, tmp_path):
    from scoreboard.services import backup

    folder = tmp_path / "usb"
    app.config["KEJURDA_BACKUP_DIR"] = str(folder)
    body = api.get("/api/v1/backups/status", role="timekeeper").get_json()
    assert (body["warnings"], body["latest"], body["automatic"]) == (["missing"], None, False)
    folder.mkdir()
    body = api.get("/api/v1/backups/status", role="timekeeper").get_json()
    assert (body["warnings"], body["latest"]) == (["none"], None)
    info = backup.write_backup(db.engine, folder)
    body = api.get("/api/v1/backups/status", role="timekeeper").get_json()
    assert (body["warnings"], body["latest"], body["age_min"]) == ([], info.path.name, 0)
