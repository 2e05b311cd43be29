"""The agent's durable outbox: gate edges waiting for the server's ack.

SQLite in WAL mode with ``synchronous=FULL``: once ``put`` returns, the edge survives
a power cut, so a device may be acknowledged. Edges are stored in columns. An edge is
identified by ``(source, boot, seq)``; putting it twice stores it once. Edges the
server refused (``{"ok": false}``) move to the ``rejected`` table: kept, never dropped.
Delivered edges stay in the ``acked`` table for ``acked_window_s`` seconds, so that they
can be sent again to a standby server that took over before it had them
(``requeue_acked``); the server stores an edge it already has once.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterable

from hardware.source import Edge, validate_edge

log = logging.getLogger(__name__)

_COLUMNS = ("source", "boot", "seq", "gate", "edge", "t_us", "t_epoch_us", "t_epoch_err_us")
_COLUMN_LIST = ", ".join(_COLUMNS)
_PLACEHOLDERS = ", ".join("?" for _ in _COLUMNS)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS edges (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    boot TEXT NOT NULL,
    seq INTEGER NOT NULL,
    gate INTEGER NOT NULL,
    edge TEXT NOT NULL CHECK (edge IN ('B', 'C')),
    t_us INTEGER NOT NULL,
    t_epoch_us INTEGER,
    t_epoch_err_us INTEGER,
    queued_at REAL NOT NULL,
    UNIQUE (source, boot, seq)
);
CREATE TABLE IF NOT EXISTS rejected (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    boot TEXT NOT NULL,
    seq INTEGER NOT NULL,
    gate INTEGER NOT NULL,
    edge TEXT NOT NULL,
    t_us INTEGER NOT NULL,
    t_epoch_us INTEGER,
    t_epoch_err_us INTEGER,
    queued_at REAL NOT NULL,
    rejected_at REAL NOT NULL,
    error TEXT NOT NULL,
    UNIQUE (source, boot, seq)
);
CREATE TABLE IF NOT EXISTS acked (
    source TEXT NOT NULL,
    boot TEXT NOT NULL,
    seq INTEGER NOT NULL,
    gate INTEGER NOT NULL,
    edge TEXT NOT NULL,
    t_us INTEGER NOT NULL,
    t_epoch_us INTEGER,
    t_epoch_err_us INTEGER,
    acked_at REAL NOT NULL,
    UNIQUE (source, boot, seq)
);
"""
ACKED_WINDOW_S = 300.0

# An edge already parked in `rejected` is not queued again: the server would refuse it again.
_INSERT = f"""
INSERT OR IGNORE INTO edges ({_COLUMN_LIST}, queued_at)
SELECT {_PLACEHOLDERS}, ?
WHERE NOT EXISTS (SELECT 1 FROM rejected WHERE source = ? AND boot = ? AND seq = ?)
"""


def _row_to_edge(row: tuple) -> Edge:
    edge = dict(zip(_COLUMNS, row, strict=True))
    for key in ("t_epoch_us", "t_epoch_err_us"):
        if edge[key] is None:
            del edge[key]
    return edge


def _edge_params(edge: Edge, now: float) -> tuple:
    clean = validate_edge(edge)
    values = tuple(clean.get(key) for key in _COLUMNS)
    return (*values, now, clean["source"], clean["boot"], clean["seq"])


class Outbox:
    """A thread-safe durable FIFO of gate edges backed by one SQLite file."""

    def __init__(self, path: str | os.PathLike, acked_window_s: float = ACKED_WINDOW_S) -> None:
        self.path = os.fspath(path)
        self.acked_window_s = acked_window_s
        parent = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(parent, exist_ok=True)
        self._lock = threading.Lock()
        # One connection shared under a lock: SQLite serialises writers anyway, and it
        # keeps commit order equal to id order.
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.executescript(_SCHEMA)
        log.info("outbox opened path=%s depth=%d", self.path, self.depth())

    def put(self, edge: Edge) -> bool:
        """Store ``edge`` durably; False if its (source, boot, seq) is already here."""
        params = _edge_params(edge, time.time())
        with self._lock:
            cursor = self._db.execute(_INSERT, params)
        return cursor.rowcount == 1

    def put_many(self, edges: Iterable[Edge]) -> int:
        """Store several edges in one transaction; returns how many were new."""
        now = time.time()
        params = [_edge_params(edge, now) for edge in edges]
        added = 0
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for row in params:
                    added += self._db.execute(_INSERT, row).rowcount
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return added

    def peek(self, limit: int, after_id: int = 0) -> list[tuple[int, Edge]]:
        """Up to ``limit`` queued edges with id > ``after_id``, oldest first, as (id, edge)."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT id, {_COLUMN_LIST} FROM edges WHERE id > ? ORDER BY id LIMIT ?",
                (after_id, limit),
            ).fetchall()
        return [(row[0], _row_to_edge(row[1:])) for row in rows]

    def delete(self, ids: Iterable[int]) -> int:
        """Drop delivered edges by id (unknown ids are ignored); returns how many went."""
        id_list = [(int(i),) for i in ids]
        if not id_list:
            return 0
        with self._lock:
            # A delete need not survive a power cut: a lost one only sends an edge again,
            # and the server dedupes. Skipping its fsync is safe in WAL mode: the next
            # FULL commit syncs the log up to and including it.
            self._db.execute("PRAGMA synchronous=NORMAL")
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    now = time.time()
                    if self.acked_window_s > 0:
                        self._db.executemany(
                            f"INSERT OR IGNORE INTO acked ({_COLUMN_LIST}, acked_at)"
                            f" SELECT {_COLUMN_LIST}, ? FROM edges WHERE id = ?",
                            [(now, i) for (i,) in id_list])
                    self._db.execute("DELETE FROM acked WHERE acked_at < ?",
                                     (now - self.acked_window_s,))
                    before = self._db.total_changes
                    self._db.executemany("DELETE FROM edges WHERE id = ?", id_list)
                    removed = self._db.total_changes - before
                    self._db.execute("COMMIT")
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
            finally:
                self._db.execute("PRAGMA synchronous=FULL")
        return removed

    def requeue_acked(self) -> int:
        """Queue again every edge delivered within the window (for a server that took
        over from the one that acked them); returns how many were queued."""
        with self._lock:
            cutoff = time.time() - self.acked_window_s
            return self._db.execute(
                f"INSERT OR IGNORE INTO edges ({_COLUMN_LIST}, queued_at)"
                f" SELECT {_COLUMN_LIST}, ? FROM acked WHERE acked_at >= ? ORDER BY acked_at",
                (time.time(), cutoff)).rowcount

    def reject(self, edge_id: int, error: str) -> bool:
        """Move a queued edge to ``rejected`` with the server's reason; False if not queued."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                moved = self._db.execute(
                    f"INSERT OR IGNORE INTO rejected (id, {_COLUMN_LIST}, queued_at,"
                    f" rejected_at, error) SELECT id, {_COLUMN_LIST}, queued_at, ?, ?"
                    " FROM edges WHERE id = ?",
                    (time.time(), str(error), edge_id),
                ).rowcount
                self._db.execute("DELETE FROM edges WHERE id = ?", (edge_id,))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return moved == 1

    def rejected(self, limit: int = 1000) -> list[tuple[int, Edge, str]]:
        """Edges the server refused, oldest first, as (id, edge, error)."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT id, {_COLUMN_LIST}, error FROM rejected ORDER BY id LIMIT ?",
                (limit,),
            ).fetchall()
        return [(row[0], _row_to_edge(row[1:-1]), row[-1]) for row in rows]

    def depth(self) -> int:
        """How many edges wait for delivery."""
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM edges").fetchone()[0]

    def rejected_count(self) -> int:
        """How many edges the server refused."""
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM rejected").fetchone()[0]

    def close(self) -> None:
        """Close the database; the outbox must not be used afterwards."""
        with self._lock:
            self._db.close()
