"""A plain `alembic upgrade head` from the repository's root migrates the configured database."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory

from scoreboard.db import alembic_config

ROOT = Path(__file__).resolve().parents[2]


def test_alembic_upgrade_head_migrates_the_configured_database(tmp_path):
    path = tmp_path / "kejurda.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KEJURDA_DATABASE_URL": f"sqlite:///{path}"}
    done = subprocess.run([sys.executable, "-m", "alembic", "upgrade", "head"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    [head] = ScriptDirectory.from_config(alembic_config(f"sqlite:///{path}")).get_heads()
    with sqlite3.connect(path) as db:
        assert db.execute("select version_num from alembic_version").fetchall() == [(head,)]
        tables = {r[0] for r in db.execute("select name from sqlite_master where type='table'")}
    assert {"gate_event", "run", "category", "team"} <= tables
