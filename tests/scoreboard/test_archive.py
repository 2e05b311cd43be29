"""The event archive (`kejurda archive export/import`; scoreboard/services/archive.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from scoreboard.db import Database
from scoreboard.services import archive, runs, tables
from scoreboard.services.restore import RestoreRefused
from tests.conftest import EVENT_FILE
from tests.support.pgdb import pg_database

ROOT = Path(__file__).resolve().parents[2]


def kejurda(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scoreboard.cli", *args], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)


@pytest.fixture
def exported(app, db, tokens, tmp_path):
    """An archive of the test championship with a run, its edges, an upload and the event file."""
    with db.transaction() as session:
        runs.arm_run(session, "lf-smp", "LF-SMP-001", "test")
    with db.transaction() as session:
        runs.record_edges(session, [
            {"source": "esp32-a", "boot": "b1", "seq": 1, "gate": 0, "edge": "B", "t_us": 1_000_000},
            {"source": "esp32-a", "boot": "b1", "seq": 2, "gate": 1, "edge": "B", "t_us": 9_000_001}])
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "REG-7.pdf").write_bytes(b"%PDF bukti bayar")
    path = tmp_path / "blitar.zip"
    counts = archive.export_archive(db.engine, path, uploads, EVENT_FILE)
    assert counts["gate_event"] == 2 and counts["run"] == 1
    return path, db


def test_an_archive_carries_every_row_upload_and_the_event_file(exported, tmp_path):
    path, db = exported
    url = f"sqlite:///{tmp_path / 'other.db'}"
    loaded = archive.import_archive(path, url, upload_dir=tmp_path / "u",
                                    event_out=tmp_path / "event.toml")
    assert loaded["gate_event"] == 2
    other = Database(url)
    assert tables.snapshot(other.engine) == tables.snapshot(db.engine)
    other.dispose()
    assert (tmp_path / "u" / "REG-7.pdf").read_bytes() == b"%PDF bukti bayar"
    assert (tmp_path / "event.toml").read_bytes() == EVENT_FILE.read_bytes()


def test_an_archive_moves_a_championship_from_sqlite_to_postgresql(exported):
    path, db = exported
    with pg_database() as url:
        archive.import_archive(path, url)
        other = Database(url)
        assert tables.snapshot(other.engine) == tables.snapshot(db.engine)
        with other.transaction() as session:  # ids go on after the copied ones
            run = runs.arm_run(session, "lf-smp", "LF-SMP-002", "test")
            assert run.id == 2
        other.dispose()


def test_next_years_event_takes_only_the_settings(exported, tmp_path):
    path, db = exported
    url = f"sqlite:///{tmp_path / 'next.db'}"
    proc = kejurda("archive", "import", str(path), "--settings-only", "--db", url)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1].endswith("rows (settings only)")
    copy = Database(url)
    with copy.engine.connect() as conn:
        counts = tables.row_counts(conn)
    copy.dispose()
    with db.engine.connect() as conn:
        before = tables.row_counts(conn)
    for name in archive.SETTINGS_TABLES:
        assert counts[name] == before[name], name
    assert counts["category"] > 0 and counts["track"] > 0
    empty = set(counts) - set(archive.SETTINGS_TABLES)
    assert {name: counts[name] for name in empty} == {name: 0 for name in empty}


def test_import_refuses_a_non_empty_database_a_damaged_file_and_a_newer_schema(exported, tmp_path):
    path, db = exported
    url = db.engine.url.render_as_string(False)
    busy = kejurda("archive", "import", str(path), "--db", url)
    assert busy.returncode == 1
    assert busy.stderr.strip().splitlines() == [
        "kejurda: error: target: the database already holds a championship; "
        "add --force to replace it"]
    cut = tmp_path / "cut.zip"
    cut.write_bytes(path.read_bytes()[:200])
    with pytest.raises(archive.ArchiveDamaged):
        archive.import_archive(cut, f"sqlite:///{tmp_path / 'x.db'}")

    def rewrite(name: str, change) -> Path:
        out = tmp_path / name
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
            for item in src.infolist():
                body = src.read(item)
                dst.writestr(item, change(item.filename, body))
        return out

    newer = rewrite("newer.zip", lambda n, b: json.dumps(
        {**json.loads(b), "schema": ["9999"]}).encode() if n == "manifest.json" else b)
    with pytest.raises(RestoreRefused) as refused:
        archive.import_archive(newer, f"sqlite:///{tmp_path / 'y.db'}")
    assert refused.value.message == ("archive: made by a newer kejurda (schema 9999); "
                                     "upgrade kejurda on this machine first")

    def extra_column(n, b):
        if n != "tables/team.json":
            return b
        return json.dumps([{**row, "shirt_colour": "merah"} for row in json.loads(b)]).encode()

    with pytest.raises(RestoreRefused) as unknown:
        archive.import_archive(rewrite("col.zip", extra_column), f"sqlite:///{tmp_path / 'z.db'}")
    assert unknown.value.message == ("archive: column team.shirt_colour is unknown to this "
                                     "kejurda; upgrade kejurda first")
    empty = Database(f"sqlite:///{tmp_path / 'z.db'}")
    with empty.engine.connect() as conn:
        assert not tables.row_counts(conn)["team"]
    empty.dispose()
