"""Backups and restores (scoreboard/services/backup.py, restore.py; `kejurda backup/restore`)."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from scoreboard.db import Database
from scoreboard.services import backup, backup_duty, runs, tables
from scoreboard.services.restore import RestoreRefused, restore_backup
from tests.support.pgdb import pg_database

ROOT = Path(__file__).resolve().parents[2]


def kejurda(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scoreboard.cli", *args], capture_output=True,
                          text=True, timeout=120, cwd=ROOT, env=env)


@pytest.fixture
def championship(app, db, tokens, tmp_path):
    """The test event with runs, gate edges and an uploaded proof: a database worth keeping."""
    with db.transaction() as session:
        run = runs.arm_run(session, "lf-smp", "LF-SMP-001", "test")
        run_id = run.id
    with db.transaction() as session:
        acks = runs.record_edges(session, [
            {"source": "esp32-a", "boot": "b1", "seq": 1, "gate": 0, "edge": "B", "t_us": 1_000_000},
            {"source": "esp32-a", "boot": "b1", "seq": 2, "gate": 1, "edge": "B", "t_us": 13_345_678},
        ])
    assert acks == [{"ok": True}, {"ok": True}]
    uploads = tmp_path / "uploads"
    (uploads / "proofs").mkdir(parents=True)
    (uploads / "proofs" / "REG-1.png").write_bytes(b"\x89PNG proof bytes")
    return {"engine": db.engine, "uploads": uploads, "run_id": run_id}


def test_backup_restores_every_row_and_upload(championship, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    info = backup.write_backup(championship["engine"], folder, championship["uploads"])
    assert info.path.parent == folder and backup.parse_name(info.path.name) is not None
    assert info.counts["gate_event"] == 2 and info.counts["run"] == 1
    assert info.counts["team"] == tables.row_counts(championship["engine"].connect())["team"]
    restored = tmp_path / "restored-uploads"
    result = restore_backup(info.path, f"sqlite:///{tmp_path / 'copy.db'}", upload_dir=restored)
    assert result.uploads == 1
    assert (restored / "proofs" / "REG-1.png").read_bytes() == b"\x89PNG proof bytes"
    copy = Database(f"sqlite:///{tmp_path / 'copy.db'}")
    assert tables.snapshot(copy.engine) == tables.snapshot(championship["engine"])
    copy.dispose()


def _backup(championship, tmp_path) -> Path:
    folder = tmp_path / "b"
    folder.mkdir(exist_ok=True)
    return backup.write_backup(championship["engine"], folder, championship["uploads"]).path


def test_truncated_backup_is_refused(championship, tmp_path):
    path = _backup(championship, tmp_path)
    cut = tmp_path / "cut.zip"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    proc = kejurda("restore", str(cut), "--db", f"sqlite:///{tmp_path / 't.db'}")
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "kejurda: error: backup: cut.zip is not a complete backup file (File is not a zip file)"]
    assert not (tmp_path / "t.db").exists()


def test_altered_database_byte_is_refused(championship, tmp_path):
    path = _backup(championship, tmp_path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        member = zf.getinfo(backup.SQLITE_MEMBER)
    # a byte in the middle of the compressed database member
    offset = member.header_offset + 30 + len(member.filename) + member.compress_size // 2
    data[offset] ^= 0xFF
    altered = tmp_path / "altered.zip"
    altered.write_bytes(bytes(data))
    with pytest.raises(backup.BackupDamaged) as refused:
        restore_backup(altered, f"sqlite:///{tmp_path / 'a.db'}")
    assert refused.value.message.startswith(f"backup: member {backup.SQLITE_MEMBER} is damaged")
    assert not (tmp_path / "a.db").exists()


def test_altered_manifest_counts_are_refused(championship, tmp_path):
    path = _backup(championship, tmp_path)
    altered = tmp_path / "counts.zip"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(altered, "w") as dst:
        for item in src.infolist():
            body = src.read(item)
            if item.filename == "manifest.json":
                manifest = json.loads(body)
                manifest["tables"]["gate_event"] = 3
                body = json.dumps(manifest).encode()
            dst.writestr(item, body)
    with pytest.raises(backup.BackupDamaged) as refused:
        backup.verify_backup(altered)
    assert refused.value.message == "backup: row counts differ from the manifest"


def test_restore_into_non_empty_database_needs_force(championship, tmp_path):
    path = _backup(championship, tmp_path)
    target = f"sqlite:///{tmp_path / 'busy.db'}"
    first = kejurda("restore", str(path), "--db", target, "--uploads", str(tmp_path / "u"))
    assert first.returncode == 0, first.stderr
    again = kejurda("restore", str(path), "--db", target, "--uploads", str(tmp_path / "u"))
    assert again.returncode == 1
    assert again.stderr.strip().splitlines() == [
        "kejurda: error: target: the database already holds a championship; "
        "add --force to replace it"]
    forced = kejurda("restore", str(path), "--db", target, "--force", "--uploads",
                     str(tmp_path / "u"))
    assert forced.returncode == 0, forced.stderr
    copy = Database(target)
    assert tables.snapshot(copy.engine) == tables.snapshot(championship["engine"])
    copy.dispose()


def test_backup_from_a_newer_schema_is_refused(championship, tmp_path):
    with championship["engine"].begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    path = _backup(championship, tmp_path)
    with pytest.raises(RestoreRefused) as refused:
        restore_backup(path, f"sqlite:///{tmp_path / 'n.db'}")
    assert refused.value.message == ("backup: made by a newer kejurda (schema 9999); "
                                     "upgrade kejurda on this machine first")


def test_cli_backup_prints_the_verified_file_alone_on_the_last_line(championship, tmp_path):
    url = championship["engine"].url.render_as_string(False)
    proc = kejurda("backup", "--to", str(tmp_path / "usb"), "--db", url)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"kejurda: error: backup folder: {tmp_path / 'usb'} does not exist or is not a folder"]
    (tmp_path / "usb").mkdir()
    proc = kejurda("backup", "--to", str(tmp_path / "usb"), "--db", url,
                   "--uploads", str(championship["uploads"]))
    assert proc.returncode == 0, proc.stderr
    path = Path(proc.stdout.strip().splitlines()[-1])
    assert path.parent == tmp_path / "usb"
    assert backup.verify_backup(path).counts["gate_event"] == 2
    assert sorted(p.name for p in (tmp_path / "usb").iterdir()) == [path.name]


def test_rotation_keeps_the_newest_fifty_and_one_per_hour_and_day():
    now = datetime(2026, 7, 10, 12, 0, tzinfo=UTC)
    stamps = [now - timedelta(minutes=10 * i) for i in range(60)]  # 10 hours, every 10 min
    stamps += [now - timedelta(days=d, hours=h) for d in (3, 4) for h in (1, 2)]
    names = [backup.backup_name(s) for s in stamps]
    gone = set(backup_duty.to_delete(names + ["notes.txt"], now, keep=50))
    kept = set(names) - gone
    assert set(names[:50]) <= kept
    # 12:00 back to 02:10: the 50 newest reach 03:50; of the ten older ones (03:40..02:10)
    # only 02:50 stays, the newest of its hour. Days 3 and 4 back keep their newest each.
    hour_two = backup.backup_name(datetime(2026, 7, 10, 2, 50, tzinfo=UTC))
    assert gone == ({names[i] for i in range(50, 60)} - {hour_two}) | {names[61], names[63]}


def test_postgresql_backup_round_trip(tmp_path):
    with pg_database() as source_url, pg_database() as target_url:
        source = Database(source_url)
        from scoreboard.services.event_file import load_event
        from scoreboard.services.teams_csv import import_teams
        from tests.conftest import EVENT_FILE, TEAMS_FILE

        with source.transaction() as session:
            load_event(session, EVENT_FILE)
        with source.transaction() as session:
            import_teams(session, TEAMS_FILE)
        folder = tmp_path / "pg"
        folder.mkdir()
        info = backup.write_backup(source.engine, folder)
        assert info.engine == "postgresql" and info.counts["team"] > 0
        restore_backup(info.path, target_url)
        target = Database(target_url)
        assert tables.snapshot(target.engine) == tables.snapshot(source.engine)
        with pytest.raises(RestoreRefused):
            restore_backup(info.path, target_url)
        with pytest.raises(RestoreRefused) as other_engine:
            restore_backup(info.path, f"sqlite:///{tmp_path / 'x.db'}")
        assert "PostgreSQL backup restores into PostgreSQL only" in other_engine.value.message
        target.dispose()
        source.dispose()


def _wait(predicate, timeout: float = 30) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_the_duty_backs_up_at_start_and_after_committed_results(championship, tmp_path):
    folder = tmp_path / "auto"
    folder.mkdir()
    duty = backup_duty.BackupDuty(championship["engine"], folder, championship["uploads"],
                                  every_s=3600, min_gap_s=0.3)
    duty.start()
    try:
        _wait(lambda: duty.written == 1)
        duty.notify("display")  # not a result: no backup for it
        duty.notify("ranking")
        duty.notify("run")  # coalesced with the one before
        _wait(lambda: duty.written == 2)
        names = sorted(p.name for p in folder.iterdir() if backup.parse_name(p.name))
        assert len(names) == 2 and duty.status()["warnings"] == []
        assert duty.status()["latest"] == names[-1] == duty.last_path.name
    finally:
        duty.stop()


def test_the_duty_reports_a_missing_folder_and_keeps_going(championship, tmp_path):
    folder = tmp_path / "stick"
    duty = backup_duty.BackupDuty(championship["engine"], folder, None, every_s=3600)
    assert duty.run_once() is None
    status = duty.status()
    assert (status["warnings"], status["latest"]) == (["missing"], None)
    assert status["error"] == f"backup folder: cannot use {folder} (no such folder)"
    folder.mkdir()
    assert duty.run_once() is not None
    assert duty.status()["warnings"] == []


def test_devices_page_shows_the_backup_age_and_warnings(app, db, tmp_path):
    from tests.scoreboard.people import add_user, sign_in

    add_user(app, "admin", "admin1")
    person = sign_in(app, "admin1")
    app.config["KEJURDA_BACKUP_DIR"] = str(tmp_path / "usb")
    html = person.client.get("/admin/perangkat").get_data(as_text=True)
    assert 'data-warnings="missing"' in html
    assert "Folder cadangan tidak ada (flashdisk tercabut?). Cadangan tidak tersimpan." in html
    (tmp_path / "usb").mkdir()
    info = backup.write_backup(db.engine, tmp_path / "usb")
    html = person.client.get("/admin/perangkat").get_data(as_text=True)
    assert 'data-warnings=""' in html and "Cadangan berjalan baik." in html
    assert "Cadangan terverifikasi terakhir: 0 menit lalu" in html and info.path.name in html
