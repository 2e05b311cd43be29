"""Alembic environment: runs on the connection handed in by scoreboard.db.upgrade, or (a
plain `alembic upgrade head` with the repository's alembic.ini) on the configured database."""

from alembic import context
from sqlalchemy import create_engine

from scoreboard.config import database_url
from scoreboard.db import engine_url
from scoreboard.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        engine = create_engine(engine_url(config.get_main_option("sqlalchemy.url") or database_url()))
        with engine.begin() as conn:
            _migrate(conn)
        return
    _migrate(connection)


def _migrate(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run()
