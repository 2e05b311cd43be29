"""Every model matches the schema the migrations build (all heads applied)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from scoreboard.db import Database
from scoreboard.models import Base


def test_migrations_build_exactly_the_models(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        db.dispose()
    assert diff == []


def test_upgrading_twice_changes_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'twice.db'}"
    Database(url).dispose()
    db = Database(url)  # a second start must find the schema current
    try:
        with db.engine.connect() as conn:
            heads = set(MigrationContext.configure(conn).get_current_heads())
    finally:
        db.dispose()
    assert heads == {"0002", "0003", "0004", "0005", "0006"}
