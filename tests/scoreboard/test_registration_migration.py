"""Migration 0003 builds exactly what the registration models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from scoreboard.db import Database
from scoreboard.models import Base

MINE = {"registration", "callup_entry"}
ADDED_COLUMNS = {("team", "checked_in_at"), ("event", "require_checkin")}


def _touches_mine(diff) -> bool:
    op = diff[0] if isinstance(diff, tuple) else diff[0][0]
    items = diff if isinstance(diff, tuple) else diff[0]
    if op in ("add_table", "remove_table"):
        return items[1].name in MINE
    if op in ("add_column", "remove_column"):
        return items[2] in MINE or (items[2], items[3].name) in ADDED_COLUMNS
    if op.startswith("modify_"):
        return items[2] in MINE or (items[2], items[3]) in ADDED_COLUMNS
    if op in ("add_index", "remove_index"):
        return items[1].table.name in MINE
    if op in ("add_constraint", "remove_constraint", "add_fk", "remove_fk"):
        return items[1].table.name in MINE
    return False


def test_migration_matches_the_models(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        with database.engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
            columns = {
                (t, c["name"]): c for t in ("team", "event")
                for c in inspect(conn).get_columns(t)}
            tables = set(inspect(conn).get_table_names())
    finally:
        database.dispose()
    assert [d for d in diffs if _touches_mine(d)] == []
    assert MINE <= tables
    assert columns[("team", "checked_in_at")]["nullable"] is True
    assert columns[("event", "require_checkin")]["nullable"] is False


def test_existing_events_do_not_require_checkin(bare_app, tmp_path):
    from sqlalchemy import text

    database = bare_app.extensions["kejurda_db"]
    with database.engine.begin() as conn:
        conn.execute(text("INSERT INTO event (slug, name, language) VALUES ('x', 'X', 'id')"))
        assert conn.scalar(text("SELECT require_checkin FROM event WHERE slug = 'x'")) == 0
