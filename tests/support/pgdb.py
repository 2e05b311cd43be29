"""Throw-away PostgreSQL databases on the local server (one uniquely named database each)."""

from __future__ import annotations

import gc
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

ADMIN = "host=127.0.0.1 user=postgres dbname=test"


def reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


@contextmanager
def pg_database(prefix: str = "kejurda_data") -> Iterator[str]:
    """A new empty database; yields its SQLAlchemy URL and drops it afterwards."""
    if not reachable():
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        # A connection a test left checked out inside a reference cycle is given back (rolled
        # back) only when the garbage collector runs. Run it now, while the database exists:
        # later, its rollback fails on the dropped database and the error it logs can land
        # inside another test (on Python 3.11.7 even inside an ast.parse, which then raises
        # "AST constructor recursion depth mismatch").
        gc.collect()
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
