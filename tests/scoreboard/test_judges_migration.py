"""The 0002 migration builds exactly the tables the judges' models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from scoreboard.db import Database
from scoreboard.models import Base

TABLES = {"judge_assignment", "score_sheet", "category_judging"}


def _touches_ours(diff) -> bool:
    items = diff if isinstance(diff, list) else [diff]
    for item in items:
        for part in item:
            if isinstance(part, str) and part in TABLES:
                return True
            table = getattr(part, "table", None)
            name = getattr(part, "name", None)
            if name in TABLES or getattr(table, "name", None) in TABLES:
                return True
    return False


def test_migration_matches_models(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        with database.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diffs = compare_metadata(context, Base.metadata)
            tables = {t for t in database.engine.dialect.get_table_names(conn)}
        assert TABLES <= tables
        assert [d for d in diffs if _touches_ours(d)] == []
    finally:
        database.dispose()
