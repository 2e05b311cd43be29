"""Engine, sessions and schema migrations.

One `Database` per app (or CLI command). SQLite runs in WAL mode so the projector's
reads never block the timing writes; the schema is brought to the newest Alembic
revision before anything else touches it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from scoreboard.config import private_file

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"
# Alembic's command API is not re-entrant; serialise upgrades within one process.
_upgrade_lock = threading.Lock()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _private_sqlite_file(engine: Engine) -> None:
    """The database file is created 0600 before SQLite opens it (SQLite gives its -wal and
    -shm files the same mode): pupils' names and contacts are for the server's user only."""
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if path.parent.is_dir():
        private_file(path)


def engine_url(url: str) -> str:
    """`postgresql://` (and `postgres://`) mean psycopg 3, the driver the `scale` extra
    installs: SQLAlchemy 2.0 would ask for psycopg2, 2.1 for psycopg, whichever is
    installed. An explicit driver (`postgresql+psycopg2://`) is kept as written."""
    for bare in ("postgresql://", "postgres://"):
        if url.startswith(bare):
            return "postgresql+psycopg://" + url[len(bare):]
    return url


def make_engine(url: str) -> Engine:
    """Create an engine with the settings a venue needs for `url`."""
    url = engine_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        _private_sqlite_file(engine)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision (idempotent, cheap when already there)."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    # Features add their tables in their own revisions branching from the baseline, so
    # there may be several heads; all of them are applied.
    heads = set(ScriptDirectory.from_config(cfg).get_heads())
    with _upgrade_lock, engine.begin() as conn:
        if set(MigrationContext.configure(conn).get_current_heads()) == heads:
            return
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")
        log.info("database schema upgraded to %s", ", ".join(sorted(heads)))


class Database:
    """An engine plus a thread-scoped session registry."""

    def __init__(self, url: str, migrate: bool = True):
        self.url = url
        self.engine = make_engine(url)
        if migrate:
            upgrade(self.engine)
        self.session_factory = sessionmaker(bind=self.engine, expire_on_commit=False)
        self.scoped = scoped_session(self.session_factory)

    @property
    def session(self) -> Session:
        """The current thread's session (request, socket handler or CLI)."""
        return self.scoped()

    def remove(self) -> None:
        self.scoped.remove()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A fresh session committed on success and rolled back on error."""
        session = self.session_factory()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.scoped.remove()
        self.engine.dispose()
