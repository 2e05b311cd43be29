"""The event file's registration keys: `[event] require_checkin`, category `capacity` and
`registration_closes` (docs/engine.md §1): stored when good, refused naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from judging.categories import parse_category
from judging.errors import RuleViolation
from scoreboard.errors import LoadError
from scoreboard.models import Category, Event
from scoreboard.services.event_file import load_event, parse_event_file

BASE = """\
[event]
name = "Uji"
slug = "uji"
{event}
[[track]]
slug = "t1"
name = "Trek 1"
start  = {{ source = "esp32-a", gate = 0 }}
finish = {{ source = "esp32-a", gate = 1 }}

[[category]]
slug = "c1"
name = "Kategori 1"
format = "timed"
track = "t1"
{category}
"""


def _file(tmp_path: Path, event: str = "", category: str = "") -> Path:
    path = tmp_path / "event.toml"
    path.write_text(BASE.format(event=event, category=category), encoding="utf-8")
    return path


def test_good_keys_are_stored_and_reloads_update_them(bare_app, tmp_path):
    db = bare_app.extensions["kejurda_db"]
    path = _file(tmp_path, "require_checkin = true",
                 "capacity = 32\nregistration_closes = 2026-12-01T23:59:00+07:00")
    with db.transaction() as session:
        load_event(session, path)
    with db.transaction() as session:
        assert session.scalar(select(Event.require_checkin)) is True
        assert session.scalar(select(Category.options)) == {
            "capacity": 32, "registration_closes": "2026-12-01T23:59:00+07:00"}
    with db.transaction() as session:
        load_event(session, _file(tmp_path, "", 'registration_closes = "2026-11-30T12:00:00Z"'))
    with db.transaction() as session:
        assert session.scalar(select(Event.require_checkin)) is False
        assert session.scalar(select(Category.options)) == {
            "registration_closes": "2026-11-30T12:00:00+00:00"}


@pytest.mark.parametrize("event, category, message", [
    ('require_checkin = "ya"', "", ":4: [event] key 'require_checkin': must be true or false "
                                   "(got 'ya')"),
    ("", "capacity = 0", ":16: [category 'c1'] key 'capacity': must be an integer >= 1, "
                         "got 0"),
    ("", 'capacity = "32"', ":16: [category 'c1'] key 'capacity': must be an integer >= 1, "
                            "got '32'"),
    ("", "registration_closes = 2026-12-01T23:59:00",
     ":16: [category 'c1'] key 'registration_closes': give the UTC offset, e.g. "
     "2026-12-01T23:59:00+07:00"),
    ("", 'registration_closes = "besok"',
     ":16: [category 'c1'] key 'registration_closes': 'besok' is not a date and time like "
     "2026-12-01T23:59:00+07:00"),
    ("", "registration_closes = 2026-12-01",
     ":16: [category 'c1'] key 'registration_closes': datetime.date(2026, 12, 1) is not a "
     "date and time like 2026-12-01T23:59:00+07:00"),
])
def test_bad_values_name_the_line_and_key(tmp_path, event, category, message):
    path = _file(tmp_path, event, category)
    with pytest.raises(LoadError) as info:
        parse_event_file(path)
    assert info.value.message == f"{path}{message}"


def test_the_engine_reads_them_too():
    config = parse_category({"slug": "c", "name": "C", "format": "timed", "track": "t",
                             "capacity": 8, "registration_closes": "2026-12-01T23:59:00+07:00"})
    assert config.capacity == 8
    assert config.registration_closes.isoformat() == "2026-12-01T23:59:00+07:00"
    with pytest.raises(RuleViolation, match=r"^category 'c': capacity: must be an integer >= 1, "
                                            r"got True$"):
        parse_category({"slug": "c", "name": "C", "format": "timed", "track": "t",
                        "capacity": True})
