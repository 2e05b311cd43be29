"""Every stored table, engine-independent: count, read, write and compare whole tables.

Backups, restores, the event archive and the standby all move a championship as rows of
the model tables (scoreboard.models), in the order foreign keys need (parents first, and
within a table by id, so a row that refers to an earlier row of its own table, such as a
corrected match result, always finds it).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, LargeBinary, Table, delete, func, insert, select, text
from sqlalchemy.engine import Connection, Engine

from scoreboard.models import Base

# Bookkeeping tables that belong to one installation, never to the championship's facts
# (server_setting holds the session-signing key: it is not copied into backups or standbys).
LOCAL_TABLES = frozenset({"replication_change", "replication_cursor", "server_setting"})
CHUNK = 500


def tables() -> list[Table]:
    """The championship's tables, parents before children."""
    return [t for t in Base.metadata.sorted_tables if t.name not in LOCAL_TABLES]


def table_named(name: str) -> Table | None:
    return next((t for t in tables() if t.name == name), None)


def _order(table: Table) -> list:
    return list(table.primary_key.columns) or list(table.columns)


def row_counts(conn: Connection) -> dict[str, int]:
    """Rows per table, as one reader sees them."""
    return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
            for t in tables()}


def is_empty(engine: Engine) -> bool:
    """True when no championship table holds a row."""
    with engine.connect() as conn:
        return not any(row_counts(conn).values())


def read_rows(conn: Connection, table: Table) -> Iterator[dict[str, Any]]:
    """Every row of `table` as a dict, in primary-key order."""
    result = conn.execution_options(stream_results=True).execute(
        select(table).order_by(*_order(table)))
    for row in result.mappings():
        yield dict(row)


def snapshot(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table (for comparisons in tests and checks)."""
    with engine.connect() as conn:
        return {t.name: list(read_rows(conn, t)) for t in tables()}


def clear(conn: Connection) -> None:
    """Delete every championship row (children first)."""
    for table in reversed(tables()):
        conn.execute(delete(table))


def write_rows(conn: Connection, table: Table, rows: Iterable[dict[str, Any]]) -> int:
    """Insert `rows` into `table` in chunks; returns how many."""
    names = set(table.columns.keys())
    count, chunk = 0, []
    for row in rows:
        chunk.append({k: v for k, v in row.items() if k in names})
        if len(chunk) >= CHUNK:
            conn.execute(insert(table), chunk)
            count, chunk = count + len(chunk), []
    if chunk:
        conn.execute(insert(table), chunk)
        count += len(chunk)
    return count


def reset_sequences(conn: Connection) -> None:
    """PostgreSQL: the next id of each table follows the highest id copied in."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables():
        if "id" in table.columns and table.c.id.autoincrement in (True, "auto"):
            conn.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))


def copy_all(source: Engine, target: Engine) -> dict[str, int]:
    """Copy every row of `source` into the (empty) `target`, one transaction; rows per table."""
    copied: dict[str, int] = {}
    with source.connect() as src, target.begin() as dst:
        for table in tables():
            copied[table.name] = write_rows(dst, table, read_rows(src, table))
        reset_sequences(dst)
    return copied


def to_json(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """A row as plain JSON values (dates as ISO text, bytes as base64)."""
    out = {}
    for key, value in row.items():
        if isinstance(value, datetime | date):
            value = value.isoformat()
        elif isinstance(value, bytes | bytearray | memoryview):
            value = base64.b64encode(bytes(value)).decode("ascii")
        out[key] = value
    return out


def from_json(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """The inverse of `to_json`, driven by the column types of the current schema."""
    out = {}
    for key, value in row.items():
        column = table.columns.get(key)
        if column is None or value is None:
            out[key] = value
            continue
        kind = column.type
        if isinstance(kind, DateTime) and isinstance(value, str):
            value = datetime.fromisoformat(value)
        elif isinstance(kind, Date) and isinstance(value, str):
            value = date.fromisoformat(value)
        elif isinstance(kind, LargeBinary) and isinstance(value, str):
            value = base64.b64decode(value)
        elif isinstance(kind, JSON):
            pass  # already plain JSON
        out[key] = value
    return out
