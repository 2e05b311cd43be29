"""Restoring a verified backup file into a database (`kejurda restore FILE --db URL`).

Nothing is written before every check has passed: the file is verified end to end, its
schema must be one this version knows (a backup from a newer kejurda is refused rather
than half understood), and the target must hold no championship rows unless the
operator said `--force`. An older backup is brought to the newest schema on a scratch
copy first, then copied row by row into the target in one transaction.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, make_url

from scoreboard.db import Database, alembic_config, upgrade
from scoreboard.errors import KejurdaError
from scoreboard.services import backup, tables


class RestoreRefused(KejurdaError):
    """The restore was refused before anything was written."""


@dataclass(frozen=True)
class RestoreResult:
    rows: int
    uploads: int
    backup: backup.BackupInfo


def known_revisions(url: str) -> set[str]:
    script = ScriptDirectory.from_config(alembic_config(url))
    return {rev.revision for rev in script.walk_revisions()}


def check_schema(schema: list[str], url: str, what: str = "backup") -> None:
    """Refuse a schema revision this version of kejurda does not know (a newer one)."""
    unknown = sorted(set(schema) - known_revisions(url))
    if unknown:
        raise RestoreRefused(
            f"{what}: made by a newer kejurda (schema {', '.join(unknown)}); "
            "upgrade kejurda on this machine first")


def restore_backup(path: Path, db_url: str, force: bool = False,
                   upload_dir: Path | None = None) -> RestoreResult:
    """Restore the backup at `path` into `db_url` (see the module's docstring)."""
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="kejurda-restore-") as scratch:
        info = backup.verify_backup(path, extract_to=Path(scratch))
        check_schema(info.schema, db_url)
        target_is_pg = make_url(db_url).get_backend_name() == "postgresql"
        if info.engine == "postgresql" and not target_is_pg:
            raise RestoreRefused("backup: a PostgreSQL backup restores into PostgreSQL only; "
                                 "use `kejurda archive export/import` to change engines")
        target = Database(db_url)
        try:
            if not tables.is_empty(target.engine) and not force:
                raise RestoreRefused(
                    "target: the database already holds a championship; "
                    "add --force to replace it")
            if info.engine == "sqlite":
                rows = _restore_sqlite(Path(scratch) / backup.SQLITE_MEMBER, target)
            else:
                rows = _restore_pg(Path(scratch) / backup.PG_MEMBER, target)
        finally:
            target.dispose()
        uploads = 0
        if upload_dir is not None:
            uploads = backup.copy_tree(Path(scratch) / "uploads", Path(upload_dir))
    return RestoreResult(rows, uploads, info)


def _restore_sqlite(dbfile: Path, target: Database) -> int:
    source = create_engine(f"sqlite:///{dbfile}")
    try:
        upgrade(source)  # an older backup: its own copy is brought to this version first
        with target.engine.begin() as conn:
            tables.clear(conn)
        return sum(tables.copy_all(source, target.engine).values())
    finally:
        source.dispose()


def _restore_pg(dump: Path, target: Database) -> int:
    dsn, env = backup._pg_env(target.engine.url)
    target.engine.dispose()
    proc = subprocess.run(
        ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
         f"--dbname={dsn}", str(dump)], capture_output=True, text=True, env=env, timeout=3600)
    if proc.returncode != 0:
        reason = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        raise KejurdaError(f"restore: pg_restore failed ({reason})")
    upgrade(target.engine)
    with target.engine.connect() as conn:
        return sum(tables.row_counts(conn).values())
