"""Verified backups of a running championship: one zip file per backup.

A backup file holds the database as its own engine's standard tool writes it (SQLite's
online backup API, a consistent snapshot taken while the server keeps writing; or
PostgreSQL's `pg_dump` custom format, taken on an exported snapshot), every uploaded file
(payment proofs) and `manifest.json`: the engine, the schema revision, the rows of every
table counted in the very snapshot that was written, and the SHA-256 of every member.

A backup is written to a hidden temporary name, read back and verified (zip CRCs, member
hashes, the database opened and integrity-checked, rows counted again and compared), and
only then renamed to its final name. A full disk or a failed check leaves no file that
looks like a backup, so "the latest backup" is always a verified one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import zipfile
import zlib
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine

from scoreboard.errors import KejurdaError
from scoreboard.services import tables

FORMAT = "kejurda-backup"
FORMAT_VERSION = 1
PREFIX = "kejurda-backup-"
SUFFIX = ".zip"
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.pgdump"


class BackupError(KejurdaError):
    """A backup could not be written (full disk, missing folder, failed check)."""


class BackupDamaged(KejurdaError):
    """A backup file failed verification: it must never be restored."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    created_at: datetime
    engine: str
    schema: list[str]
    counts: dict[str, int]
    size: int


def backup_name(now: datetime) -> str:
    return f"{PREFIX}{now.strftime('%Y%m%d-%H%M%S-%f')}{SUFFIX}"


def parse_name(name: str) -> datetime | None:
    """The time in a backup's file name, or None for any other file."""
    if not (name.startswith(PREFIX) and name.endswith(SUFFIX)):
        return None
    stamp = name[len(PREFIX):-len(SUFFIX)]
    try:
        return datetime.strptime(stamp, "%Y%m%d-%H%M%S-%f").replace(tzinfo=UTC)
    except ValueError:
        return None


def schema_of(conn) -> list[str]:
    return sorted(MigrationContext.configure(conn).get_current_heads())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _upload_files(upload_dir: Path | None) -> list[Path]:
    if upload_dir is None or not upload_dir.is_dir():
        return []
    return sorted(p for p in upload_dir.rglob("*") if p.is_file())


# -- snapshots of the database --------------------------------------------------------------


def _sqlite_snapshot(url: str, out: Path) -> tuple[dict[str, int], list[str]]:
    """SQLite's online backup API: a consistent copy even while the server writes."""
    path = make_url(url).database
    if not path or not Path(path).exists():
        raise BackupError(f"database: SQLite file {path!r} not found")
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    target = sqlite3.connect(out)
    try:
        source.backup(target, pages=0)
    except sqlite3.Error as exc:
        raise BackupError(f"backup: writing the database copy failed ({exc})") from exc
    finally:
        target.close()
        source.close()
    return _sqlite_counts(out)


def _sqlite_counts(path: Path) -> tuple[dict[str, int], list[str]]:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            return _present_counts(conn), schema_of(conn)
    finally:
        engine.dispose()


def _present_counts(conn) -> dict[str, int]:
    """Rows per table, for the tables this file has (an older schema may lack some)."""
    present = set(conn.dialect.get_table_names(conn))
    counts = {}
    for table in tables.tables():
        if table.name in present:
            counts[table.name] = int(conn.execute(
                text(f'SELECT COUNT(*) FROM "{table.name}"')).scalar_one())
    return counts


def _pg_env(url) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password (which goes in the environment,
    not on a command line that `ps` shows)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    dsn = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return dsn, env


def _pg_snapshot(engine: Engine, out: Path) -> tuple[dict[str, int], list[str]]:
    """`pg_dump` on a snapshot exported by the transaction that counted the rows."""
    dsn, env = _pg_env(engine.url)
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        with conn.begin():
            snap = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            counts = _present_counts(conn)
            schema = schema_of(conn)
            proc = subprocess.run(
                ["pg_dump", "--format=custom", "--no-owner", f"--snapshot={snap}",
                 f"--file={out}", f"--dbname={dsn}"],
                capture_output=True, text=True, env=env, timeout=3600)
    if proc.returncode != 0:
        reason = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        raise BackupError(f"backup: pg_dump failed ({reason})")
    return counts, schema


def _pg_dump_counts(dump: Path) -> dict[str, int]:
    """Rows per table as they come out of the dump (`pg_restore` to SQL, COPY blocks)."""
    proc = subprocess.Popen(["pg_restore", "--data-only", "--file=-", str(dump)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    counts: dict[str, int] = {}
    current = None
    assert proc.stdout is not None
    for raw in proc.stdout:
        if current is None:
            if raw.startswith(b"COPY "):
                name = raw.split()[1].decode().split(".")[-1].strip('"')
                current, counts[name] = name, 0
        elif raw == b"\\.\n":
            current = None
        else:
            counts[current] += 1
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.wait() != 0:
        raise BackupDamaged(f"backup: the PostgreSQL dump cannot be read "
                            f"({(err.strip().splitlines() or ['pg_restore failed'])[-1]})")
    return counts


# -- writing -----------------------------------------------------------------------------------


def write_backup(engine: Engine, folder: Path, upload_dir: Path | None = None,
                 now: datetime | None = None) -> BackupInfo:
    """Write one verified backup of `engine`'s database (and uploads) into `folder`."""
    folder = Path(folder)
    if not folder.is_dir():
        raise BackupError(f"backup folder: {folder} does not exist or is not a folder")
    now = now or datetime.now(UTC)
    final = folder / backup_name(now)
    tmp = folder / f".{final.name}.part"
    try:
        with tempfile.TemporaryDirectory(prefix=".kejurda-backup-", dir=folder) as work:
            engine_name = engine.dialect.name
            if engine_name == "sqlite":
                member, dbfile = SQLITE_MEMBER, Path(work) / SQLITE_MEMBER
                counts, schema = _sqlite_snapshot(engine.url.render_as_string(False), dbfile)
            elif engine_name == "postgresql":
                member, dbfile = PG_MEMBER, Path(work) / PG_MEMBER
                counts, schema = _pg_snapshot(engine, dbfile)
            else:
                raise BackupError(f"database: no backup method for {engine_name!r}")
            _pack(tmp, member, dbfile, upload_dir, {
                "format": FORMAT, "version": FORMAT_VERSION, "engine": engine_name,
                "schema": schema, "created_at": now.isoformat(), "tables": counts})
        info = verify_backup(tmp)
        os.replace(tmp, final)
        _fsync_dir(folder)
    except OSError as exc:
        raise BackupError(f"backup folder: cannot write in {folder} "
                          f"({exc.strerror or exc})") from exc
    except BackupDamaged as exc:
        raise BackupError(f"backup: the copy just written failed its check ({exc.message})") from exc
    finally:
        with suppress(OSError):
            tmp.unlink()
    return BackupInfo(final, info.created_at, info.engine, info.schema, info.counts, info.size)


def _pack(out: Path, member: str, dbfile: Path, upload_dir: Path | None,
          manifest: dict[str, Any]) -> None:
    files = {member: _sha256(dbfile)}
    uploads = _upload_files(upload_dir)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.write(dbfile, member)
        for path in uploads:
            name = "uploads/" + path.relative_to(upload_dir).as_posix()
            files[name] = _sha256(path)
            zf.write(path, name)
        zf.writestr("manifest.json", json.dumps({**manifest, "files": files}, indent=1))
    with out.open("rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# -- verifying --------------------------------------------------------------------------------


def read_manifest(zf: zipfile.ZipFile) -> dict[str, Any]:
    try:
        manifest = json.loads(zf.read("manifest.json"))
    except (KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise BackupDamaged(f"backup: no readable manifest ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupDamaged("backup: not a kejurda backup file")
    for key, kind in (("engine", str), ("schema", list), ("tables", dict), ("files", dict),
                      ("created_at", str)):
        if not isinstance(manifest.get(key), kind):
            raise BackupDamaged(f"backup: manifest field {key!r} is missing or malformed")
    return manifest


@contextmanager
def opened(path: Path):
    """The backup as an open zip file; a file that is not one is damaged."""
    try:
        with zipfile.ZipFile(path) as zf:
            yield zf
    except (zipfile.BadZipFile, EOFError) as exc:
        raise BackupDamaged(f"backup: {Path(path).name} is not a complete backup file ({exc})") from None


def verify_backup(path: Path, extract_to: Path | None = None) -> BackupInfo:
    """Check a backup file end to end; raises BackupDamaged naming what is wrong.

    With `extract_to`, the database member (and uploads) are left there for a restore.
    """
    path = Path(path)
    if not path.is_file():
        raise BackupDamaged(f"backup: {path} does not exist")
    with opened(path) as zf, tempfile.TemporaryDirectory(prefix="kejurda-verify-") as scratch:
        manifest = read_manifest(zf)
        out = Path(extract_to) if extract_to else Path(scratch)
        names = set(zf.namelist()) - {"manifest.json"}
        if names != set(manifest["files"]):
            raise BackupDamaged("backup: its members differ from its manifest")
        for name, digest in manifest["files"].items():
            if name.startswith("/") or ".." in Path(name).parts:
                raise BackupDamaged(f"backup: unsafe member name {name!r}")
            try:
                target = Path(zf.extract(name, out))
            except (zipfile.BadZipFile, OSError, zlib.error) as exc:
                raise BackupDamaged(f"backup: member {name} is damaged ({exc})") from None
            if _sha256(target) != digest:
                raise BackupDamaged(f"backup: member {name} does not match its checksum")
        counts = _check_database(manifest, out)
        if counts != manifest["tables"]:
            raise BackupDamaged("backup: row counts differ from the manifest")
    return BackupInfo(path, datetime.fromisoformat(manifest["created_at"]), manifest["engine"],
                      list(manifest["schema"]), dict(manifest["tables"]), path.stat().st_size)


def _check_database(manifest: dict[str, Any], out: Path) -> dict[str, int]:
    if manifest["engine"] == "sqlite":
        dbfile = out / SQLITE_MEMBER
        if not dbfile.is_file():
            raise BackupDamaged("backup: the database member is missing")
        try:
            conn = sqlite3.connect(f"file:{dbfile}?mode=ro", uri=True)
            try:
                verdict = conn.execute("PRAGMA integrity_check").fetchall()
            finally:
                conn.close()
        except sqlite3.Error as exc:
            raise BackupDamaged(f"backup: the database cannot be opened ({exc})") from None
        if verdict != [("ok",)]:
            raise BackupDamaged(f"backup: integrity check failed ({verdict[0][0]})")
        try:
            return _sqlite_counts(dbfile)[0]
        except Exception as exc:
            raise BackupDamaged(f"backup: the database cannot be read ({exc})") from None
    if manifest["engine"] == "postgresql":
        dump = out / PG_MEMBER
        if not dump.is_file():
            raise BackupDamaged("backup: the database member is missing")
        found = _pg_dump_counts(dump)
        return {name: found.get(name, 0) for name in manifest["tables"]}
    raise BackupDamaged(f"backup: unknown engine {manifest['engine']!r}")


def latest_verified(folder: Path) -> Path | None:
    """The newest backup file in `folder` (only verified backups get a backup's name)."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    found = sorted((parse_name(p.name), p) for p in folder.iterdir()
                   if parse_name(p.name) is not None)
    return found[-1][1] if found else None


def copy_tree(src: Path, dst: Path) -> int:
    """Copy uploaded files from `src` into `dst` (existing files replaced); how many."""
    count = 0
    if not src.is_dir():
        return 0
    for path in sorted(src.rglob("*")):
        if path.is_file():
            target = dst / path.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            count += 1
    return count
