"""The event file (docs/contract.md §2): loading, updating, and every way an organiser can get it wrong.

Every error is a LoadError whose message is `<file>:<line>: ... key '<key>': <reason>`,
and a failed load leaves the database exactly as it was.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from scoreboard.errors import LoadError
from scoreboard.models import Category, Event, Track
from scoreboard.services.event_file import load_event, parse_event_file

# Line numbers matter below: line 1 is "[event]".
SMALL = """\
[event]
name = "Uji Kecil"
slug = "uji-kecil"

[[track]]
slug = "t1"
name = "Trek 1"
start  = { source = "esp32-a", gate = 0 }
finish = { source = "esp32-a", gate = 1 }
min_run_ms = 1500

[[category]]
slug = "c1"
name = "Kategori 1"
format = "timed"
track = "t1"
attempts = 2
time_limit_s = 90

[[category]]
slug = "c2"
name = "Kategori 2"
format = "judged"
criteria = [ { key = "teknis", name = "Teknis", weight = 1, max = 10 } ]
"""


def write(tmp_path: Path, text: str, name: str = "event.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path) -> str:
    with pytest.raises(LoadError) as info:
        parse_event_file(path)
    return info.value.message


def rows(db) -> dict:
    """Every event, track and category as plain values, by slug."""
    with db.transaction() as s:
        return {
            "events": {e.slug: (e.id, e.name, e.language) for e in s.scalars(select(Event))},
            "tracks": {t.slug: (t.id, t.event_id, t.name, t.start_source, t.start_gate,
                                t.finish_source, t.finish_gate, t.checkpoints, t.min_run_ms)
                       for t in s.scalars(select(Track))},
            "categories": {c.slug: (c.id, c.event_id, c.name, c.format, c.track_id, c.attempts,
                                    c.time_limit_s, c.ranking, c.options)
                           for c in s.scalars(select(Category))},
        }


# ------------------------------------------------------------------ valid files


def test_the_contract_example_parses_with_defaults(tmp_path):
    parsed = parse_event_file(write(tmp_path, SMALL))
    assert parsed["event"] == {"slug": "uji-kecil", "name": "Uji Kecil", "language": "id"}
    assert parsed["tracks"] == [{
        "slug": "t1", "name": "Trek 1", "start": {"source": "esp32-a", "gate": 0},
        "finish": {"source": "esp32-a", "gate": 1}, "checkpoints": [], "min_run_ms": 1500}]
    c1, c2 = parsed["categories"]
    assert (c1["slug"], c1["format"], c1["track"], c1["attempts"], c1["time_limit_s"],
            c1["ranking"]) == ("c1", "timed", "t1", 2, 90, "best")
    assert c2["format"] == "judged" and c2["track"] is None
    assert c2["options"]["criteria"] == [
        {"key": "teknis", "name": "Teknis", "weight": 1, "max": 10}]


def test_documented_options_are_accepted_and_kept(tmp_path):
    text = SMALL.replace("time_limit_s = 90", 'time_limit_s = 90\nlevels = ["SMP"]\n'
                         "team_size = [1, 2]\npenalties = { sentuh = 5, keluar-jalur = 10 }")
    text += ('\n[[category]]\nslug = "s"\nname = "S"\nformat = "match"\nmatch = "sumo"\n'
             'bracket = "double_elimination"\nseeding = "as_listed"\ngrand_final = "simple"\n'
             "best_of = 3\n")
    c1, _, s = parse_event_file(write(tmp_path, text))["categories"]
    assert c1["options"] == {"levels": ["SMP"], "team_size": [1, 2],
                             "penalties": {"sentuh": 5, "keluar-jalur": 10}}
    assert s["options"] == {"match": "sumo", "bracket": "double_elimination",
                            "seeding": "as_listed", "grand_final": "simple", "best_of": 3}


def test_load_test_event_stores_every_table(bare_app, data_dir):
    db = bare_app.extensions["kejurda_db"]
    with db.transaction() as s:
        load_event(s, data_dir / "event.toml")
    got = rows(db)
    assert list(got["events"]) == ["kejurda-uji"]
    assert got["events"]["kejurda-uji"][1:] == ("Kejurda Uji", "id")
    assert sorted(got["tracks"]) == ["lintasan-a", "lintasan-b", "lintasan-c", "lintasan-d"]
    a = got["tracks"]["lintasan-a"]
    assert a[2:] == ("Lintasan A", "esp32-a", 0, "esp32-a", 1,
                     [{"source": "esp32-a", "gate": 2}], 2000)
    assert got["tracks"]["lintasan-d"][-1] == 0  # min_run_ms defaults to 0
    assert sorted(got["categories"]) == ["kreatif-sd", "lf-cepat", "lf-sd", "lf-sma",
                                         "lf-smp", "sumo-sma"]
    lf = got["categories"]["lf-smp"]
    assert lf[2:4] == ("Line Follower SMP", "timed")
    assert lf[4] == a[0]
    assert lf[5:8] == (3, 60, "best")
    sumo = got["categories"]["sumo-sma"]
    assert sumo[3:5] == ("match", None)
    assert sumo[8] == {"match": "sumo", "bracket": "double_elimination"}


def test_loading_twice_is_idempotent_and_updates_values(bare_app, tmp_path):
    db = bare_app.extensions["kejurda_db"]
    path = write(tmp_path, SMALL)
    with db.transaction() as s:
        load_event(s, path)
    first = rows(db)
    with db.transaction() as s:
        load_event(s, path)
    assert rows(db) == first

    changed = (SMALL.replace('name = "Uji Kecil"', 'name = "Uji Kecil 2"')
               .replace("min_run_ms = 1500", "min_run_ms = 2500")
               .replace("attempts = 2", "attempts = 4")
               .replace('name = "Kategori 2"', 'name = "Kategori Dua"')
               .replace('[event]\n', '[event]\nlanguage = "en"\n'))
    with db.transaction() as s:
        load_event(s, write(tmp_path, changed))
    second = rows(db)
    # same rows (same ids), new values
    assert {k: sorted(v) for k, v in second.items()} == {k: sorted(v) for k, v in first.items()}
    assert second["events"]["uji-kecil"] == (first["events"]["uji-kecil"][0], "Uji Kecil 2", "en")
    assert second["tracks"]["t1"][0] == first["tracks"]["t1"][0]
    assert second["tracks"]["t1"][-1] == 2500
    assert second["categories"]["c1"][0] == first["categories"]["c1"][0]
    assert second["categories"]["c1"][5] == 4
    assert second["categories"]["c2"][2] == "Kategori Dua"


# ------------------------------------------------------------------ errors

CASES = [
    # (id, edit of SMALL, line, key, part of the reason)
    ("unknown top-level key", lambda t: "venue = 'GOR'\n" + t, 1, "venue", "unknown key"),
    ("unknown top-level table", lambda t: t + "\n[venue]\nname = 'GOR'\n", 26, "venue",
     "unknown key"),
    ("unknown event key", lambda t: t.replace('slug = "uji-kecil"\n',
                                              'slug = "uji-kecil"\ncity = "Blitar"\n'),
     4, "city", "unknown key"),
    ("unknown track key", lambda t: t.replace("min_run_ms = 1500\n",
                                              "min_run_ms = 1500\nlength_m = 12\n"),
     11, "length_m", "unknown key"),
    ("unknown category key", lambda t: t.replace("time_limit_s = 90\n",
                                                 "time_limit_s = 90\nprize = 5\n"),
     19, "prize", "unknown key"),
    ("key of another format", lambda t: t.replace('criteria = [', 'attempts = 2\ncriteria = ['),
     24, "attempts", "unknown key"),
    ("attempts as a string", lambda t: t.replace("attempts = 2", 'attempts = "2"'),
     17, "attempts", "must be an integer >= 1, got '2'"),
    ("attempts zero", lambda t: t.replace("attempts = 2", "attempts = 0"),
     17, "attempts", "must be an integer >= 1, got 0"),
    ("attempts as a bool", lambda t: t.replace("attempts = 2", "attempts = true"),
     17, "attempts", "got True"),
    ("time limit as a float", lambda t: t.replace("time_limit_s = 90", "time_limit_s = 90.5"),
     18, "time_limit_s", "must be an integer"),
    ("negative min_run_ms", lambda t: t.replace("min_run_ms = 1500", "min_run_ms = -1"),
     10, "min_run_ms", "must be an integer from 0"),
    ("gate as a string", lambda t: t.replace('gate = 1 }', 'gate = "1" }'),
     9, "finish", "gate must be an integer"),
    ("gate without a source", lambda t: t.replace('start  = { source = "esp32-a", gate = 0 }',
                                                  "start = { gate = 0 }"),
     8, "start", "must be"),
    ("missing finish", lambda t: t.replace('finish = { source = "esp32-a", gate = 1 }\n', ""),
     5, "finish", "must be"),
    ("checkpoints not a list", lambda t: t.replace("min_run_ms = 1500",
                                                   "min_run_ms = 1500\ncheckpoints = 3"),
     11, "checkpoints", "must be a list"),
    ("bad format", lambda t: t.replace('format = "judged"', 'format = "race"'),
     23, "format", "must be one of timed, match, judged (got 'race')"),
    ("missing format", lambda t: t.replace('format = "judged"\n', ""),
     20, "format", "must be one of"),
    ("bad ranking", lambda t: t.replace("time_limit_s = 90", 'time_limit_s = 90\nranking = "fastest"'),
     19, "ranking", "must be one of best"),
    ("bad language", lambda t: t.replace('[event]\n', '[event]\nlanguage = "jv"\n'),
     2, "language", "must be one of id, en (got 'jv')"),
    ("bad slug", lambda t: t.replace('slug = "c2"', 'slug = "Kategori 2"'),
     21, "slug", "lowercase"),
    ("empty name", lambda t: t.replace('name = "Kategori 1"', 'name = "  "'),
     14, "name", "required, a non-empty string"),
    ("missing name of the 1st category", lambda t: t.replace('name = "Kategori 1"\n', ""),
     12, "name", "required"),  # names its own table, not the next one's name
    ("reference to a missing track", lambda t: t.replace('track = "t1"', 'track = "t9"'),
     16, "track", "must name a track of this file (got 't9')"),
    ("track as a list", lambda t: t.replace('track = "t1"', 'track = ["t1"]'),
     16, "track", "must name a track of this file"),
    ("no track for a timed category", lambda t: t.replace('track = "t1"\n', ""),
     12, "track", "must name a track"),
    ("duplicate track slug", lambda t: t.replace("[[category]]", """[[track]]
slug = "t1"
name = "Trek 1 lagi"
start  = { source = "esp32-b", gate = 0 }
finish = { source = "esp32-b", gate = 1 }

[[category]]""", 1), 13, "slug", "used twice"),
    ("a gate on two tracks", lambda t: t.replace("[[category]]", """[[track]]
slug = "t2"
name = "Trek 2"
start  = { source = "esp32-b", gate = 0 }
finish = { source = "esp32-a", gate = 1 }

[[category]]""", 1), 16, "finish", "is already the finish of track 't1'"),
    ("a checkpoint on the finish gate", lambda t: t.replace(
        "min_run_ms = 1500", 'min_run_ms = 1500\ncheckpoints = [ { source = "esp32-a", gate = 1 } ]'),
     11, "checkpoints", "a checkpoint is also the start or finish gate"),
    ("the same checkpoint twice", lambda t: t.replace(
        "min_run_ms = 1500", "min_run_ms = 1500\ncheckpoints = [ { source = \"x\", gate = 2 }, "
        "{ source = \"x\", gate = 2 } ]"), 11, "checkpoints", "a gate is listed twice"),
    ("duplicate category slug", lambda t: t.replace('slug = "c2"', 'slug = "c1"'),
     21, "slug", "used twice"),
    ("bad match kind", lambda t: t + '\n[[category]]\nslug = "s"\nname = "S"\nformat = "match"\n'
     'match = "karate"\n', 30, "match", "must be one of sumo"),
    ("bad bracket", lambda t: t + '\n[[category]]\nslug = "s"\nname = "S"\nformat = "match"\n'
     'match = "sumo"\nbracket = "ladder"\n', 31, "bracket", "must be one of single_elimination"),
    ("empty criteria", lambda t: t.replace(
        '[ { key = "teknis", name = "Teknis", weight = 1, max = 10 } ]', "[]"),
     24, "criteria", "non-empty list"),
    ("negative weight", lambda t: t.replace("weight = 1", "weight = -1"),
     24, "criteria", "got -1 (criteria[0].weight)"),
    ("infinite max", lambda t: t.replace("max = 10", "max = inf"),
     24, "criteria", "finite"),
    ("a date as an option", lambda t: t.replace("time_limit_s = 90", "time_limit_s = 90\n"
                                                "levels = 2026-05-01"),
     19, "levels", "got date"),
    ("levels not a list", lambda t: t.replace("time_limit_s = 90", "time_limit_s = 90\nlevels = 5"),
     19, "levels", "must be a list of strings, got 5"),
    ("team_size upside down", lambda t: t.replace("time_limit_s = 90",
                                                  "time_limit_s = 90\nteam_size = [3, 2]"),
     19, "team_size", "got [3, 2]"),
    ("penalty not a number", lambda t: t.replace("time_limit_s = 90",
                                                 'time_limit_s = 90\npenalties = { sentuh = "lima" }'),
     19, "penalties", "must be an integer >= 0, got 'lima' (penalties.sentuh)"),
    ("even best_of", lambda t: t + '\n[[category]]\nslug = "s"\nname = "S"\nformat = "match"\n'
     'match = "sumo"\nbracket = "single_elimination"\nbest_of = 2\n', 32, "best_of", "odd"),
    ("third_place not a bool", lambda t: t + '\n[[category]]\nslug = "s"\nname = "S"\n'
     'format = "match"\nmatch = "sumo"\nbracket = "single_elimination"\nthird_place = "ya"\n',
     32, "third_place", "must be true or false"),
    ("best_n with ranking best", lambda t: t.replace("time_limit_s = 90",
                                                     "time_limit_s = 90\nbest_n = 2"),
     19, "best_n", "only with ranking"),
    ("sum_best_n without best_n", lambda t: t.replace("time_limit_s = 90",
                                                      'time_limit_s = 90\nranking = "sum_best_n"'),
     12, "best_n", "required with ranking = 'sum_best_n'"),
    ("best_n over attempts", lambda t: t.replace(
        "time_limit_s = 90", 'time_limit_s = 90\nranking = "average_best_n"\nbest_n = 3'),
     20, "best_n", "must be at most attempts (2), got 3"),
    ("event not a table", lambda t: 'event = "uji"\n' + t.split("\n", 3)[3],
     1, "event", "a [event] table is required"),
    ("track not an array of tables", lambda t: t.replace("[[track]]", "[track]"),
     5, "track", "must be an array of tables"),
]


@pytest.mark.parametrize("edit,line,key,reason", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_error_names_file_line_key_and_reason(tmp_path, edit, line, key, reason):
    path = write(tmp_path, edit(SMALL))
    message = load_error(path)
    assert message.startswith(f"{path}:{line}: "), message
    assert f"key '{key}'" in message, message
    assert reason in message, message
    assert "\n" not in message


def test_toml_syntax_error_names_file_and_line(tmp_path):
    path = write(tmp_path, SMALL.replace("min_run_ms = 1500", "min_run_ms = = 1500"))
    message = load_error(path)
    assert message.startswith(f"{path}:10: invalid TOML: "), message
    assert "line 10" in message


def test_missing_file(tmp_path):
    path = tmp_path / "tidak-ada.toml"
    assert load_error(path) == f"{path}: cannot read the file (No such file or directory)"


def test_directory_instead_of_a_file(tmp_path):
    assert load_error(tmp_path) == f"{tmp_path}: cannot read the file (Is a directory)"


def test_not_utf8(tmp_path):
    path = tmp_path / "event.toml"
    path.write_bytes(SMALL.replace("Uji Kecil", "Uji K\xe9cil").encode("latin-1"))
    assert load_error(path) == f"{path}: not UTF-8 text"


# ------------------------------------------------------------------ nothing half-loaded

BAD_SECOND_CATEGORY = SMALL.replace("weight = 1", "weight = 0")


def test_failed_load_on_an_empty_database_stores_nothing(bare_app, tmp_path, snapshot):
    db = bare_app.extensions["kejurda_db"]
    before = snapshot()
    with pytest.raises(LoadError), db.transaction() as s:
        load_event(s, write(tmp_path, BAD_SECOND_CATEGORY))
    assert snapshot() == before
    assert rows(db) == {"events": {}, "tracks": {}, "categories": {}}


def test_failed_update_leaves_the_loaded_event_as_it_was(app, tmp_path, snapshot):
    db = app.extensions["kejurda_db"]
    with db.transaction() as s:
        load_event(s, write(tmp_path, SMALL, "first.toml"))
    before = snapshot()
    # the valid event and track would change values; the second category is bad
    bad = (BAD_SECOND_CATEGORY.replace('name = "Uji Kecil"', 'name = "Berubah"')
           .replace("min_run_ms = 1500", "min_run_ms = 9999"))
    with pytest.raises(LoadError) as info, db.transaction() as s:
        load_event(s, write(tmp_path, bad, "bad.toml"))
    assert "key 'criteria'" in info.value.message
    assert snapshot() == before
