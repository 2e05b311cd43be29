"""The schedule in the scoreboard: the event file's keys, generating versions that keep
what happened, `GET /api/v1/schedule` and its errors, the ETA and the call-up queue."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from judging.schedule import check
from scoreboard.errors import LoadError
from scoreboard.models import Place, ScheduleCalendar, ScheduleSlot, ScheduleVersion
from scoreboard.services import schedule, schedule_build, schedule_callup
from scoreboard.services.event_file import load_event, parse_event_file
from scoreboard.services.teams_csv import import_teams

DEMO = Path(__file__).resolve().parents[2] / "scoreboard" / "demo"
# the demo's first day, 07:00: the schedule starts then
DAY1 = datetime(2027, 7, 5, 7, 0)


@pytest.fixture
def demo_db(bare_app):
    db = bare_app.extensions["kejurda_db"]
    with db.transaction() as session:
        load_event(session, DEMO / "event.toml")
    with db.transaction() as session:
        import_teams(session, DEMO / "teams.csv")
    return db


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    text = (DEMO / "event.toml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "event.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_the_demo_file_has_days_places_and_slots():
    parsed = parse_event_file(DEMO / "event.toml")
    calendar = parsed["schedule"]["calendar"]
    assert [d.isoformat() for d in calendar.days] == ["2027-07-05", "2027-07-06"]
    assert (calendar.day_start, calendar.day_end, calendar.breaks) == (420, 1260, ((720, 750),))
    assert [(p.slug, p.kind) for p in parsed["schedule"]["places"]] == [
        ("lintasan-a", "track"), ("lintasan-b", "track"), ("ring-1", "ring"),
        ("lapangan-1", "field"), ("ruang-juri-1", "judging_room")]
    lf = next(c for c in parsed["categories"] if c["slug"] == "lf-smp")
    assert lf["options"]["schedule"] == {"slot_min": 2, "sessions": 3, "rest_min": 4,
                                         "days": {}, "places": ["lintasan-a"], "kind": "track"}


@pytest.mark.parametrize(("old", "new", "message"), [
    ('day_start = "07:00"', 'day_start = "7 pagi"',
     r'event.toml:\d+: \[schedule\] key \'day_start\': must be a time "HH:MM"'),
    ('kind = "ring"', 'kind = "arena"',
     r"event.toml:\d+: \[place 'ring-1'\] key 'kind': must be one of ring, field, judging_room"),
    ('schedule = { slot_min = 4, rest_min = 4, places = ["ring-1"] }',
     'schedule = { slot_min = 4, rest_min = 4, places = ["ring-9"] }',
     r"event.toml:\d+: \[category 'sumo-sma'\] key 'schedule.places': 'ring-9' is not a \[\[place\]\]"),
    ('schedule = { slot_min = 2, sessions = 3, rest_min = 4 }',
     'schedule = { slot_min = 2, sessions = 3, rest = 4 }',
     r"event.toml:\d+: \[category 'lf-smp'\] key 'schedule.rest': unknown key"),
    ('slug = "ring-1"', 'slug = "lintasan-a"',
     r"\[place 'lintasan-a'\] key 'slug': 'lintasan-a' is already a track or place"),
    ('days = ["2027-07-05", "2027-07-06"]', 'days = ["2027-07-05", "besok"]',
     r"\[schedule\] key 'days': 'besok' is not a date"),
])
def test_a_bad_schedule_key_loads_nothing_and_names_file_line_key(demo_db, tmp_path, old, new,
                                                                   message, snapshot):
    before = snapshot()
    with pytest.raises(LoadError, match=message) as caught:
        with demo_db.transaction() as session:
            load_event(session, _variant(tmp_path, old, new))
    line = int(re.search(r"event.toml:(\d+):", caught.value.message).group(1))
    text = _variant(tmp_path, old, new).read_text(encoding="utf-8").splitlines()
    key = re.search(r"key '([a-z_]+)", caught.value.message).group(1)
    assert text[line - 1].lstrip().startswith((key, "[")), (line, text[line - 1])
    assert snapshot() == before


def test_loading_stores_calendar_and_places(demo_db):
    with demo_db.transaction() as session:
        row = session.scalar(select(ScheduleCalendar))
        assert (row.days, row.day_start, row.day_end, row.breaks) == (
            ["2027-07-05", "2027-07-06"], 420, 1260, [[720, 750]])
        assert [(p.slug, p.kind) for p in session.scalars(select(Place).order_by(Place.id))] \
            == [("ring-1", "ring"), ("lapangan-1", "field"), ("ruang-juri-1", "judging_room")]


def _generate(db, now=DAY1, **kw):
    with db.transaction() as session:
        version = schedule.generate(session, "test", now=now, time_limit_s=2, **kw)
        return version.id, version.report


def test_generate_places_every_attempt_and_interview_checked(demo_db):
    version_id, report = _generate(demo_db)
    # 24 timed teams x 3 attempts + 4 interviews (no draw yet: no match is known)
    assert (report["placed"], report["kept"], report["impossible"]) == (76, 0, {})
    with demo_db.transaction() as session:
        built = schedule_build.build(session, DAY1)
        slots = session.scalars(select(ScheduleSlot).where(
            ScheduleSlot.version_id == version_id)).all()
        assert len(slots) == 76
        assert min(s.start for s in slots) == DAY1
        from judging.schedule import Placed, Plan
        plan = Plan(placed={s.key: Placed(s.key, s.place,
                                          schedule_build.to_minute(built.problem.calendar, s.start),
                                          schedule_build.to_minute(built.problem.calendar, s.end))
                            for s in slots})
        assert check(built.problem, plan) == []


def test_api_lists_slots_by_start_with_filters_and_errors(demo_db, bare_app):
    _generate(demo_db)
    client = bare_app.test_client()
    rows = client.get("/api/v1/schedule?team=LF-SD-001").get_json()
    assert [(r["category"], r["place"], r["kind"], r["ref"], r["status"]) for r in rows] == [
        ("lf-sd", "lintasan-b", "attempt", str(k), "planned") for k in (1, 2, 3)]
    starts = [datetime.fromisoformat(r["start"]) for r in rows]
    assert starts == sorted(starts) and starts[0] == DAY1
    assert all(datetime.fromisoformat(r["end"]) - datetime.fromisoformat(r["start"])
               == timedelta(minutes=2) for r in rows)
    assert set(rows[0]) >= {"team", "category", "place", "kind", "start", "end", "status"}
    place = client.get("/api/v1/schedule?place=ruang-juri-1&day=2027-07-05").get_json()
    assert [r["team"] for r in place] == ["KRE-SD-001", "KRE-SD-002", "KRE-SD-003",
                                          "KRE-SD-004"]
    assert client.get("/api/v1/schedule?day=2027-07-06").get_json() == []
    every = client.get("/api/v1/schedule").get_json()
    assert len(every) == 76
    assert [r["start"] for r in every] == sorted(r["start"] for r in every)
    bad = client.get("/api/v1/schedule?day=05-07-2027")
    assert bad.status_code == 422 and bad.get_json()["error"].startswith("day: must be a date")
    assert client.get("/api/v1/schedule?team=NOPE-1").status_code == 404
    assert client.get("/api/v1/schedule?place=nowhere").get_json()["error"].startswith("place:")
    doc = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/schedule"]["get"]
    assert [p["name"] for p in doc["parameters"]] == ["team", "place", "day"]
    assert set(doc["responses"]) == {"200", "404", "422"}


def test_regenerating_keeps_what_happened(demo_db, bare_app):
    _generate(demo_db)
    from scoreboard.services.accounts import create_token
    with demo_db.transaction() as session:
        token = create_token(session, "timekeeper", "tk")
    client = bare_app.test_client()
    resp = client.post("/api/v1/runs", json={"category": "lf-sd", "team": "LF-SD-005"},
                       headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 201
    armed = schedule_build.local(datetime.now().astimezone())
    now = armed.replace(second=0) + timedelta(minutes=1)
    with demo_db.transaction() as session:  # the championship's days as if they were today
        row = session.scalar(select(ScheduleCalendar))
        row.days = [armed.date().isoformat(), (armed.date() + timedelta(days=1)).isoformat()]
        row.day_start, row.day_end, row.breaks = 0, 1439, []
    _, report = _generate(demo_db, now=now, reason="after the first run")
    assert (report["placed"], report["kept"]) == (75, 1)
    rows = client.get("/api/v1/schedule?team=LF-SD-005").get_json()
    first = rows[0]
    assert (first["ref"], first["status"]) == ("1", "running")
    assert first["start"] == armed.replace(second=0).isoformat()
    assert all(datetime.fromisoformat(r["start"]) >= now for r in rows[1:])
    with demo_db.transaction() as session:
        assert session.scalar(select(ScheduleVersion).order_by(ScheduleVersion.id.desc())
                              ).reason == "after the first run"


def test_the_eta_moves_when_a_place_runs_late_and_the_queue_follows(demo_db, bare_app):
    # the clock is the test's: with the real one, a run after 23:00 put the late slots
    # across midnight and the queue's order with them
    now = DAY1 + timedelta(hours=3)
    start = now - timedelta(minutes=30)
    with demo_db.transaction() as session:
        row = session.scalar(select(ScheduleCalendar))
        row.days = [start.date().isoformat(), (start.date() + timedelta(days=1)).isoformat()]
        row.day_start, row.day_end, row.breaks = 0, 1439, []
    _generate(demo_db, now=start)
    with demo_db.transaction() as session:
        before = schedule_callup.next_turn(session, "LF-SD-004", now=now)
        order = [code for code, _ in schedule_callup.upcoming(session, "lintasan-b", now=now)]
    assert order[:4] == ["LF-SD-001", "LF-SD-002", "LF-SD-003", "LF-SD-004"]
    # nothing ran for 30 minutes: lintasan-b is late, its next slots move to now onwards
    assert before["place_name"] == "Lintasan B (putaran)"
    assert before["start"] == start + timedelta(minutes=6)
    assert before["eta"] >= now + timedelta(minutes=6)
    assert before["late_min"] >= 29
    with demo_db.transaction() as session:
        joined = schedule_callup.fill(session, "lintasan-b", now=now)
        assert joined == ["LF-SD-001", "LF-SD-002", "LF-SD-003"]
        schedule_callup.came(session, "lintasan-b", "LF-SD-001", "desk", now=now)
        from scoreboard.services import callup
        assert [e.team.code for e in callup.queue(session, "lintasan-b")] == [
            "LF-SD-002", "LF-SD-003", "LF-SD-004"]


def test_bracket_matches_get_slots_as_soon_as_their_teams_are_known(demo_db):
    from scoreboard.demo import _inspect
    from scoreboard.services import matches

    _generate(demo_db)  # before any draw: no match is known
    with demo_db.transaction() as session:
        _inspect(session)  # the demo's sumo robots pass inspection first, as in the demo
    with demo_db.transaction() as session:
        matches.generate_draw(session, "sumo-sma", "admin")
        matches.publish_draw(session, "sumo-sma", "admin")  # round 1 becomes known
    with demo_db.transaction() as session:
        current = schedule.latest(session)
        keys = {s.key for s in current.slots if s.kind == "match"}
        assert keys == {f"sumo-sma/W1-{i}" for i in range(1, 5)}
        assert current.reason == "new matches known"
        assert {s.place for s in current.slots if s.kind == "match"} == {"ring-1"}
        before = {s.key: s.start for s in current.slots if s.kind != "match"}
    for match_id in ("W1-1", "W1-2"):
        with demo_db.transaction() as session:
            matches.record_result(session, "sumo-sma", match_id,
                                  {"home_yuko": 2, "away_yuko": 0}, "wasit", None)
    with demo_db.transaction() as session:
        current = schedule.latest(session)
        new = {s.key: s for s in current.slots if s.kind == "match"}
        assert "sumo-sma/W2-1" in new  # the winners of W1-1 and W1-2 meet next
        assert new["sumo-sma/W2-1"].start >= max(new[f"sumo-sma/W1-{i}"].end for i in (1, 2))
        # nobody else moved
        assert {s.key: s.start for s in current.slots if s.kind != "match"} == before
