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
    assert heads == set(_script().get_heads())


def _script():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from scoreboard.db import MIGRATIONS
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg)


def test_the_migration_history_has_one_head():
    # a second head means two branches each added a revision on the same parent: give
    # the newer one the other's revision as down_revision (or add a merge revision)
    assert len(_script().get_heads()) == 1, _script().get_heads()
