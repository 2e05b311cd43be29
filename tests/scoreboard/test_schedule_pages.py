"""Schedule pages: the public schedule on phones, the team's next turn, printed sheets and
the admin's generate button."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from scoreboard.models import ScheduleCalendar, ScheduleVersion
from scoreboard.services import schedule
from scoreboard.services.event_file import load_event
from scoreboard.services.teams_csv import import_teams
from tests.scoreboard.people import add_user, sign_in

DEMO = Path(__file__).resolve().parents[2] / "scoreboard" / "demo"


@pytest.fixture
def planned(bare_app):
    """The demo championship, its days moved to today, with a schedule from this minute."""
    db = bare_app.extensions["kejurda_db"]
    with db.transaction() as session:
        load_event(session, DEMO / "event.toml")
    with db.transaction() as session:
        import_teams(session, DEMO / "teams.csv")
    now = datetime.now().replace(second=0, microsecond=0)
    with db.transaction() as session:
        row = session.scalar(select(ScheduleCalendar))
        row.days = [now.date().isoformat(), (now.date() + timedelta(days=1)).isoformat()]
        row.day_start, row.day_end, row.breaks = 0, 1439, []
    with db.transaction() as session:
        schedule.generate(session, "test", now=now, time_limit_s=2)
    return bare_app


def _pdf_text(body: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    return " ".join(text.split())  # cells wrap their lines


def test_the_public_schedule_lists_slots_and_filters(planned):
    client = planned.test_client()
    page = client.get("/jadwal?place=ruang-juri-1").get_data(as_text=True)
    assert page.count('data-team="KRE-SD-') == 4
    assert "Ruang Juri 1" in page and "Berikutnya" in page
    bad = client.get("/jadwal?day=kemarin")
    assert bad.status_code == 422
    assert "day: must be a date YYYY-MM-DD" in bad.get_data(as_text=True)
    client.get("/bahasa/en")
    english = client.get("/jadwal").get_data(as_text=True)
    assert "<h1>Schedule</h1>" in english and "Next up" in english


def test_a_team_page_shows_its_next_turn(planned):
    page = planned.test_client().get("/tim/LF-SD-002").get_data(as_text=True)
    rows = planned.test_client().get("/api/v1/schedule?team=LF-SD-002").get_json()
    eta = datetime.fromisoformat(rows[0]["eta"]).strftime("%H:%M")
    assert f"Giliran Anda ±{eta} di Lintasan B (putaran)" in page


def test_printed_team_schedule_run_sheet_and_announcer_sheet(planned):
    client = planned.test_client()
    team = client.get("/jadwal/tim/LF-SD-001.pdf")
    assert team.mimetype == "application/pdf"
    text = _pdf_text(team.data)
    assert "Jadwal tim: LF-SD-001 Penataran Squad 1" in text
    assert text.count("Lintasan B (putaran)") == 3
    assert all(f"Percobaan {k}" in text for k in (1, 2, 3))
    assert client.get("/jadwal/tim/NOPE.pdf").status_code == 404
    assert client.get("/jadwal/mc.pdf").status_code == 302  # sign in first
    add_user(planned, "timekeeper", "waktu1")
    person = sign_in(planned, "waktu1")
    sheet = _pdf_text(person.get("/jadwal/tempat/lintasan-a.pdf").data)
    assert sheet.count("LF-SMP-") == 36  # 12 teams x 3 attempts
    mc = _pdf_text(person.get("/jadwal/mc.pdf").data)
    for place in ("Lintasan A", "Lintasan B (putaran)", "Ruang Juri 1"):
        assert place in mc
    assert person.get("/jadwal/mc.pdf?day=besok").status_code == 400


def test_the_admin_generates_a_new_version_with_the_button(planned):
    add_user(planned, "admin", "admin1")
    add_user(planned, "timekeeper", "waktu1")
    assert sign_in(planned, "waktu1").get("/admin/jadwal").status_code == 403
    admin = sign_in(planned, "admin1")
    page = admin.get("/admin/jadwal").get_data(as_text=True)
    assert "Versi 1" in page and 'id="generate"' in page
    db = planned.extensions["kejurda_db"]
    refused = admin.client.post("/admin/jadwal", data={"reason": "tanpa token"})
    assert refused.status_code == 400
    planned.config["KEJURDA_SCHEDULE_TIME_LIMIT_S"] = 2  # the solver's time, not the test's
    resp = admin.form("/admin/jadwal", {"reason": "jadwal baru"})
    assert resp.status_code == 303
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(ScheduleVersion)) == 2
        latest = session.scalar(select(ScheduleVersion).order_by(ScheduleVersion.id.desc()))
        assert (latest.reason, latest.created_by) == ("jadwal baru", "admin1")


def test_a_team_subscribes_to_its_schedule_as_a_calendar(planned):
    client = planned.test_client()
    resp = client.get("/jadwal/tim/LF-SD-002.ics")
    assert resp.status_code == 200 and resp.mimetype == "text/calendar"
    text = resp.get_data(as_text=True)
    lines = text.replace("\r\n ", "").split("\r\n")  # unfold
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR"
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    slots = client.get("/api/v1/schedule?team=LF-SD-002").get_json()
    starts = [line.split(":", 1)[1] for line in lines if line.startswith("DTSTART:")]
    assert starts == [s["start"][:19].replace("-", "").replace(":", "") for s in slots]
    assert len(starts) == len(slots) > 0
    uids = [line for line in lines if line.startswith("UID:")]
    assert len(set(uids)) == len(uids)
    assert any(line.startswith("LOCATION:") for line in lines)
    assert client.get("/jadwal/tim/TIDAK-ADA.ics").status_code == 404


def test_a_version_the_server_made_shows_its_reason_in_the_page_language(planned):
    """The server's own reason ("new matches known") is stored as a key, never shown as is."""
    db = planned.extensions["kejurda_db"]
    with db.transaction() as session:
        session.scalar(select(ScheduleVersion).order_by(ScheduleVersion.id.desc())).reason = (
            schedule.EXTENDED)
    add_user(planned, "admin", "admin1")
    admin = sign_in(planned, "admin1")
    page = admin.get("/admin/jadwal").get_data(as_text=True)
    assert '<em id="schedule-reason">pertandingan baru sudah diketahui</em>' in page
    assert "new matches known" not in page
