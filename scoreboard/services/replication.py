"""Replication for a warm standby: the primary's change feed and applying it elsewhere.

Capture: a trigger on every championship table adds `(table, row id)` to
`replication_change` for each row inserted, updated or deleted; the change's id is its
place in the feed. On SQLite one writer at a time makes ids follow commit order. On
PostgreSQL each writing statement first takes one transaction-wide advisory lock, so
writing transactions commit one after another and a reader can never see change N+1
before change N has committed.

Feed: `changes(after)` lists the tables and ids changed after a cursor together with
those rows' *current* content (or that they are gone). Applying it is idempotent: a row
is replaced by its current content, so reading a change twice, or a change whose content
is newer than the change itself, does no harm, and a standby that applies every batch
in order ends equal to the primary. A first copy is `snapshot()`: the cursor is read
first, then every table; the feed after that cursor repairs whatever moved meanwhile.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, func, select, text
from sqlalchemy.engine import Connection, Engine

from scoreboard.models import ReplicationChange
from scoreboard.services import tables

FEED_LOCK = 15015  # the advisory lock's key (any constant shared by every writer)
TRIGGER = "kejurda_repl_"

_PG_FUNCTIONS = [
    """CREATE OR REPLACE FUNCTION kejurda_replication_lock() RETURNS trigger AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(15015);
  RETURN NULL;
END $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE FUNCTION kejurda_replication_log() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO replication_change (tbl, row_id) VALUES (TG_TABLE_NAME, OLD.id);
    RETURN OLD;
  END IF;
  INSERT INTO replication_change (tbl, row_id) VALUES (TG_TABLE_NAME, NEW.id);
  RETURN NEW;
END $$ LANGUAGE plpgsql""",
]


def replicated_tables() -> list:
    """Championship tables with an `id` (every one today; a table without is not followed)."""
    return [t for t in tables.tables() if "id" in t.columns]


def install_triggers(engine: Engine) -> int:
    """Create the capture triggers that are missing (idempotent); how many tables are followed."""
    with engine.begin() as conn:
        present = set(conn.dialect.get_table_names(conn))
        followed = [t.name for t in replicated_tables() if t.name in present]
        if conn.dialect.name == "sqlite":
            for name in followed:
                for op, ref in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
                    conn.exec_driver_sql(
                        f'CREATE TRIGGER IF NOT EXISTS {TRIGGER}{name}_{op.lower()} '
                        f'AFTER {op} ON "{name}" BEGIN INSERT INTO replication_change '
                        f"(tbl, row_id) VALUES ('{name}', {ref}.id); END")
        elif conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": FEED_LOCK})
            for sql in _PG_FUNCTIONS:
                conn.exec_driver_sql(sql)
            for name in followed:
                conn.exec_driver_sql(
                    f'CREATE OR REPLACE TRIGGER {TRIGGER}{name}_lock BEFORE INSERT OR UPDATE '
                    f'OR DELETE ON "{name}" FOR EACH STATEMENT '
                    "EXECUTE FUNCTION kejurda_replication_lock()")
                conn.exec_driver_sql(
                    f'CREATE OR REPLACE TRIGGER {TRIGGER}{name}_log AFTER INSERT OR UPDATE '
                    f'OR DELETE ON "{name}" FOR EACH ROW '
                    "EXECUTE FUNCTION kejurda_replication_log()")
    return len(followed)


def last_change(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(ReplicationChange.id), 0))).scalar_one())


def _rows(conn: Connection, table, ids: list[int]) -> list[dict[str, Any]]:
    found = []
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        query = select(table).where(table.c.id.in_(bindparam("ids", expanding=True)))
        found += [tables.to_json(table, dict(r))
                  for r in conn.execute(query, {"ids": part}).mappings()]
    return found


def changes(engine: Engine, after: int, limit: int = 2000) -> dict[str, Any]:
    """The feed after cursor `after`: `{"last", "rows": {table: [row]}, "gone": {table: [id]}}`."""
    with engine.connect() as conn:
        listed = conn.execute(
            select(ReplicationChange.id, ReplicationChange.tbl, ReplicationChange.row_id)
            .where(ReplicationChange.id > after).order_by(ReplicationChange.id)
            .limit(limit)).all()
        last = listed[-1].id if listed else after
        wanted: dict[str, set[int]] = {}
        for _cid, name, row_id in listed:
            wanted.setdefault(name, set()).add(int(row_id))
        rows, gone = {}, {}
        for table in replicated_tables():
            ids = sorted(wanted.get(table.name, ()))
            if not ids:
                continue
            current = _rows(conn, table, ids)
            rows[table.name] = current
            missing = set(ids) - {r["id"] for r in current}
            if missing:
                gone[table.name] = sorted(missing)
        newest = last_change(conn)
    return {"last": last, "newest": newest, "rows": rows, "gone": gone}


def snapshot(engine: Engine) -> dict[str, Any]:
    """Every row of every followed table plus the cursor to follow the feed from."""
    with engine.connect() as conn:
        last = last_change(conn)  # first: the feed after it covers what moves meanwhile
        rows = {t.name: [tables.to_json(t, r) for r in tables.read_rows(conn, t)]
                for t in replicated_tables()}
    return {"last": last, "rows": rows}


def _without_constraints(conn: Connection) -> None:
    """A batch may name a row before the row it refers to (a later change of the feed);
    references are checked by the primary, so the standby applies rows as they come."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL session_replication_role = replica"))


def apply(engine: Engine, feed: dict[str, Any], replace_all: bool = False) -> int:
    """Apply a snapshot (`replace_all`) or a feed batch in one transaction; rows written."""
    by_name = {t.name: t for t in replicated_tables()}
    written = 0
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # only outside a transaction
            conn.commit()
        try:
            with conn.begin():
                _without_constraints(conn)
                if replace_all:
                    tables.clear(conn)
                for name, ids in (feed.get("gone") or {}).items():
                    if name in by_name:
                        conn.execute(delete(by_name[name]).where(by_name[name].c.id.in_(ids)))
                for table in replicated_tables():
                    rows = [tables.from_json(table, r) for r in (feed.get("rows") or {}).get(
                        table.name, [])]
                    if not rows:
                        continue
                    if not replace_all:
                        conn.execute(delete(table).where(table.c.id.in_([r["id"] for r in rows])))
                    written += tables.write_rows(conn, table, rows)
                tables.reset_sequences(conn)
        finally:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()
    return written
