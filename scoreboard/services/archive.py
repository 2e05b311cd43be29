"""The event archive: a whole championship as one zip file, independent of the engine.

`manifest.json` names the format, the schema revision that wrote it and the rows of each
table; `tables/<name>.json` holds each table's rows as plain JSON (dates as ISO text);
`uploads/` the uploaded files; `event.toml` the event file when one was given. An archive
written by an older kejurda loads into a newer one (columns it lacks take their
defaults); one that carries a table or column this version does not know is refused
rather than loaded with that data silently dropped.

`settings_only` loads only what next year's event reuses: the event, its tracks and
categories, projector screens, people's accounts and judges' assignments; no teams,
registrations, runs, scores, results or device tokens.
"""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from scoreboard.db import Database
from scoreboard.errors import KejurdaError
from scoreboard.services import backup, tables
from scoreboard.services.restore import RestoreRefused, check_schema

FORMAT = "kejurda-archive"
FORMAT_VERSION = 1
SETTINGS_TABLES = ("event", "track", "category", "display_screen", "slide", "user_account",
                   "judge_assignment")


class ArchiveDamaged(KejurdaError):
    """The file is not a readable kejurda archive."""


def export_archive(engine: Engine, out: Path, upload_dir: Path | None,
                   event_file: Path | None) -> dict[str, int]:
    """Write the championship in `engine` to `out`; rows per table."""
    counts: dict[str, int] = {}
    tmp = out.with_name(f".{out.name}.part")
    try:
        with engine.connect() as conn, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            schema = backup.schema_of(conn)
            for table in tables.tables():
                rows = [tables.to_json(table, r) for r in tables.read_rows(conn, table)]
                counts[table.name] = len(rows)
                zf.writestr(f"tables/{table.name}.json", json.dumps(rows, ensure_ascii=False))
            files = backup._upload_files(upload_dir)
            for path in files:
                zf.write(path, "uploads/" + path.relative_to(upload_dir).as_posix())
            if event_file is not None:
                zf.write(event_file, "event.toml")
            zf.writestr("manifest.json", json.dumps({
                "format": FORMAT, "version": FORMAT_VERSION, "schema": schema,
                "created_at": datetime.now(UTC).isoformat(), "tables": counts,
                "uploads": len(files), "event_file": event_file is not None}, indent=1))
        tmp.replace(out)
    except OSError as exc:
        raise KejurdaError(f"archive: cannot write {out} ({exc.strerror or exc})") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return counts


def _read(zf: zipfile.ZipFile, name: str):
    try:
        return json.loads(zf.read(name))
    except KeyError:
        raise ArchiveDamaged(f"archive: member {name} is missing") from None
    except (ValueError, zipfile.BadZipFile, OSError) as exc:
        raise ArchiveDamaged(f"archive: member {name} is damaged ({exc})") from None


def import_archive(path: Path, db_url: str, settings_only: bool = False, force: bool = False,
                   upload_dir: Path | None = None, event_out: Path | None = None) -> dict[str, int]:
    """Load the archive at `path` into `db_url`; rows per table loaded."""
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise ArchiveDamaged(f"archive: {path} is not a readable archive ({exc})") from None
    with zf:
        manifest = _read(zf, "manifest.json")
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise ArchiveDamaged("archive: not a kejurda archive file")
        check_schema(list(manifest.get("schema") or []), db_url, "archive")
        wanted = [t for t in tables.tables()
                  if not settings_only or t.name in SETTINGS_TABLES]
        payload = _load_tables(zf, manifest, wanted)
        target = Database(db_url)
        try:
            if not tables.is_empty(target.engine) and not force:
                raise RestoreRefused("target: the database already holds a championship; "
                                     "add --force to replace it")
            loaded = _write(target.engine, wanted, payload)
        finally:
            target.dispose()
        if upload_dir is not None:
            _extract_uploads(zf, upload_dir)
        if event_out is not None and manifest.get("event_file"):
            event_out.write_bytes(zf.read("event.toml"))
    return loaded


def _load_tables(zf, manifest, wanted) -> dict[str, list[dict]]:
    known = {t.name: t for t in tables.tables()}
    for name, count in (manifest.get("tables") or {}).items():
        if name not in known and count:
            raise RestoreRefused(f"archive: table {name!r} is unknown to this kejurda; "
                                 "upgrade kejurda first")
    payload = {}
    for table in wanted:
        if table.name not in (manifest.get("tables") or {}):
            continue  # an archive from before this table existed
        rows = _read(zf, f"tables/{table.name}.json")
        if not isinstance(rows, list) or len(rows) != manifest["tables"][table.name]:
            raise ArchiveDamaged(f"archive: tables/{table.name}.json does not hold "
                                 f"{manifest['tables'][table.name]} rows")
        for row in rows[:1]:
            extra = set(row) - set(table.columns.keys())
            if extra:
                raise RestoreRefused(f"archive: column {table.name}.{sorted(extra)[0]} is "
                                     "unknown to this kejurda; upgrade kejurda first")
        payload[table.name] = [tables.from_json(table, r) for r in rows]
    return payload


def _write(engine: Engine, wanted, payload) -> dict[str, int]:
    loaded = {}
    with engine.begin() as conn:
        tables.clear(conn)
        for table in wanted:
            loaded[table.name] = tables.write_rows(conn, table, payload.get(table.name, []))
        tables.reset_sequences(conn)
    return loaded


def _extract_uploads(zf: zipfile.ZipFile, upload_dir: Path) -> None:
    for name in zf.namelist():
        if not name.startswith("uploads/") or name.endswith("/"):
            continue
        rel = Path(name).relative_to("uploads")
        if rel.is_absolute() or ".." in rel.parts:
            raise ArchiveDamaged(f"archive: unsafe member name {name!r}")
        target = upload_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(zf.read(name))
