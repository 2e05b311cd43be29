"""A team that has not passed its category's technical inspection is not scheduled to
compete: it waits, named with the reason, and gets its slots once it passes (issue 17)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from scoreboard.services import inspection, schedule
from scoreboard.services.accounts import create_token
from scoreboard.services.event_file import load_event
from scoreboard.services.teams_csv import import_teams
from tests.scoreboard.people import add_user, sign_in

DEMO = Path(__file__).resolve().parents[2] / "scoreboard" / "demo"
DAY1 = datetime(2027, 7, 5, 7, 0)
LF = [f"LF-SMP-{i:03d}" for i in range(1, 13)]
SUMO = [f"SUMO-SMA-{i:03d}" for i in range(1, 9)]  # the demo's sumo: weighed before the draw
WAITING, FAILED = "not_inspected", "failed"  # report.waiting: the inspection status
CHECKLIST = ('schedule = { slot_min = 2, sessions = 3, rest_min = 4 }\n'
             'inspection = [ { key = "massa", name = "Massa", kind = "max", limit = 1000, '
             'unit = "g" } ]\n')


@pytest.fixture
def db(bare_app, tmp_path):
    """The demo event, its line followers weighed before they run (a checklist)."""
    text = (DEMO / "event.toml").read_text(encoding="utf-8")
    old = 'schedule = { slot_min = 2, sessions = 3, rest_min = 4 }\n'
    assert text.count(old) >= 1
    event = tmp_path / "event.toml"
    event.write_text(text.replace(old, CHECKLIST, 1), encoding="utf-8")
    database = bare_app.extensions["kejurda_db"]
    with database.transaction() as session:
        load_event(session, event)
    with database.transaction() as session:
        import_teams(session, DEMO / "teams.csv")
    return database


def _current(db):
    with db.transaction() as session:
        version = schedule.latest(session)
        slots = {s.key: (s.place, s.start) for s in version.slots}
        return version.reason, version.report, slots


def _weigh(db, code, grams):
    with db.transaction() as session:
        inspection.record(session, "lf-smp", code, {"massa": grams}, "", "pemeriksa")
        schedule.extend_known(session, "pemeriksa")


def test_uninspected_teams_wait_and_a_passed_team_gets_its_slots_without_moving_others(db):
    with db.transaction() as session:
        schedule.generate(session, "admin", now=DAY1, time_limit_s=2)
    _, report, slots = _current(db)
    # 24 timed teams x 3 attempts + 4 interviews = 76; the 12 line followers wait
    assert report["placed"] == 76 - 12 * 3
    assert report["waiting"] == {code: WAITING for code in LF + SUMO}
    assert not [k for k in slots if k.startswith("lf-smp/")]

    _weigh(db, "LF-SMP-001", 950)
    reason, report, after = _current(db)
    assert reason == schedule.EXTENDED
    assert sorted(k for k in after if k.startswith("lf-smp/")) == [
        f"lf-smp/LF-SMP-001/{k}" for k in (1, 2, 3)]
    assert {k: v for k, v in after.items() if not k.startswith("lf-smp/")} == slots
    assert report["waiting"] == {code: WAITING for code in LF[1:] + SUMO}

    _weigh(db, "LF-SMP-001", 1200)  # re-inspected after a change: too heavy now
    _, report, again = _current(db)
    assert not [k for k in again if k.startswith("lf-smp/")]
    assert again == slots
    assert report["waiting"]["LF-SMP-001"] == FAILED


def test_a_failed_inspection_stores_no_new_version_when_the_team_had_no_slot(db):
    with db.transaction() as session:
        first = schedule.generate(session, "admin", now=DAY1, time_limit_s=2).id
    _weigh(db, "LF-SMP-002", 1500)
    with db.transaction() as session:
        assert schedule.latest(session).id == first


def test_an_inspection_through_the_api_schedules_the_team_and_the_admin_page_names_who_waits(
        db, bare_app):
    with db.transaction() as session:
        schedule.generate(session, "admin", now=DAY1, time_limit_s=2)
        token = create_token(session, "admin", "test-admin")  # admin may do every role's work
    client = bare_app.test_client()
    resp = client.post("/api/v1/inspections", json={
        "category": "lf-smp", "team": "LF-SMP-003", "values": {"massa": 800}},
        headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 201, resp.get_json()
    rows = client.get("/api/v1/schedule?team=LF-SMP-003").get_json()
    assert [(r["category"], r["kind"], r["ref"]) for r in rows] == [
        ("lf-smp", "attempt", str(k)) for k in (1, 2, 3)]
    assert client.get("/api/v1/schedule?team=LF-SMP-004").get_json() == []
    _, report, _ = _current(db)
    assert "LF-SMP-003" not in report["waiting"] and report["waiting"]["LF-SMP-004"] == WAITING
    add_user(bare_app, "admin", "admin1")
    page = sign_in(bare_app, "admin1").get("/admin/jadwal").get_data(as_text=True)
    assert "Menunggu pemeriksaan teknis (19)" in page
    assert "<li><code>LF-SMP-004</code>: belum lolos pemeriksaan teknis</li>" in page
    assert "<code>LF-SMP-003</code>" not in page
    # the team's public page says why it has no turn yet, and what to do
    team_page = client.get("/tim/LF-SMP-004").get_data(as_text=True)
    assert 'data-waiting="not_inspected"' in team_page
    assert "Belum dijadwalkan: robot belum lolos pemeriksaan teknis" in team_page
    assert 'id="next-turn" data-place="lintasan-a"' in client.get("/tim/LF-SMP-003").get_data(
        as_text=True)
