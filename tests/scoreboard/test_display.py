"""Projector screens: playlists set by an admin, read by anyone, followed live on /live."""

from __future__ import annotations

import re

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from scoreboard.db import Database
from scoreboard.models import AuditRecord, Base, DisplayScreen

PLAYLIST = [
    {"scene": "live", "seconds": 20},
    {"scene": "ranking", "category": "lf-smp"},
    {"scene": "announcement", "text": "  Istirahat 15 menit  ", "seconds": 5},
    {"scene": "bracket", "category": "sumo-sma", "seconds": 10},
    {"scene": "callup", "seconds": 8},
    {"scene": "match", "seconds": 8},
]
STORED = [
    {"scene": "live", "seconds": 20},
    {"scene": "ranking", "seconds": 15, "category": "lf-smp"},
    {"scene": "announcement", "seconds": 5, "text": "Istirahat 15 menit"},
    {"scene": "bracket", "seconds": 10, "category": "sumo-sma"},
    {"scene": "callup", "seconds": 8},
    {"scene": "match", "seconds": 8},
]


def put(api, screen, playlist, role="admin"):
    return api.client.put(f"/api/v1/display/screens/{screen}", json={"playlist": playlist},
                          headers=api.headers(role))


def test_a_screen_nobody_configured_has_an_empty_playlist(api):
    body = api.get("/api/v1/display/screens/aula").get_json()
    assert body == {"screen": "aula", "playlist": [], "updated_at": None}
    assert api.get("/api/v1/display/screens").get_json() == []


def test_admin_sets_a_playlist_that_screens_read_and_receive_live(api, live, count):
    resp = put(api, "aula", PLAYLIST)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["playlist"] == STORED
    assert api.get("/api/v1/display/screens/aula").get_json()["playlist"] == STORED
    assert [s["screen"] for s in api.get("/api/v1/display/screens").get_json()] == ["aula"]
    events = [e for e in live.get_received("/live") if e["name"] == "display"]
    assert [e["args"][0]["screen"] for e in events] == ["aula"]
    assert events[0]["args"][0]["playlist"] == STORED
    assert count(AuditRecord, action="playlist", entity_id="aula") == 1
    # the stamp reads the same pushed and fetched, so a screen can tell older from newer
    stamp = resp.get_json()["updated_at"]
    assert events[0]["args"][0]["updated_at"] == stamp
    assert api.get("/api/v1/display/screens/aula").get_json()["updated_at"] == stamp
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", stamp)
    # replacing it keeps one row per screen; other screens are untouched
    assert put(api, "aula", [{"scene": "live"}]).status_code == 200
    assert put(api, "lobi", [{"scene": "callup"}]).status_code == 200
    assert count(DisplayScreen) == 2
    assert api.get("/api/v1/display/screens/aula").get_json()["playlist"] == [
        {"scene": "live", "seconds": 15}]


def test_only_an_admin_may_set_a_playlist(api, snapshot):
    before = snapshot()
    assert put(api, "aula", PLAYLIST, role=None).status_code == 401
    for role in ("timekeeper", "judge", "agent"):
        assert put(api, "aula", PLAYLIST, role=role).status_code == 403
    assert snapshot() == before


def test_a_bad_playlist_is_refused_whole_and_stores_nothing(api, snapshot):
    before = snapshot()
    bad = [
        ("not a list", "playlist: a list of at most 30 scenes"),
        ([{"scene": "live"}] * 31, "playlist: a list of at most 30 scenes"),
        ([{"scene": "video"}], "playlist[0].scene: one of live, ranking, bracket, match, "
                               "callup, announcement, next, medals, inspection, slide"),
        ([{"scene": "live"}, "live"], "playlist[1]: must be an object with 'scene'"),
        ([{"scene": "ranking"}], "playlist[0].category: a category slug of this event"),
        ([{"scene": "live", "seconds": 2}], "playlist[0].seconds: an integer from 3 to 600"),
        ([{"scene": "live", "seconds": True}], "playlist[0].seconds: an integer from 3 to 600"),
        ([{"scene": "live", "seconds": 601}], "playlist[0].seconds: an integer from 3 to 600"),
        ([{"scene": "announcement", "text": " "}],
         "playlist[0].text: a text of 1 to 300 characters"),
        ([{"scene": "announcement", "text": "x" * 301}],
         "playlist[0].text: a text of 1 to 300 characters"),
    ]
    for playlist, error in bad:
        resp = put(api, "aula", playlist)
        assert (resp.status_code, resp.get_json()) == (422, {"error": error}), playlist
    # a well-formed slug that names nothing is a missing resource, as in POST /runs
    resp = put(api, "aula", [{"scene": "ranking", "category": "nope"}])
    assert (resp.status_code, resp.get_json()) == (
        404, {"error": "playlist[0].category: 'nope' is not a category of this event"})
    resp = api.client.put("/api/v1/display/screens/aula", data="{", headers=api.headers("admin"),
                          content_type="application/json")
    assert resp.status_code == 400
    assert snapshot() == before


def test_screen_names_are_short_slugs(api, client):
    assert put(api, "Aula Besar", []).status_code == 404
    assert put(api, "a" * 33, []).status_code == 404
    assert api.get("/api/v1/display/screens/a_b").status_code == 404
    assert client.get("/display/Aula").status_code == 404
    assert client.get("/display/" + "a" * 33).status_code == 404


def test_display_page_names_its_screen_and_serves_only_local_assets(client):
    page = client.get("/display/aula").get_data(as_text=True)
    assert 'data-screen="aula"' in page
    assert '<html lang="id">' in page
    assert "Bersiap di lintasan" in page and "Belum tersedia" in page
    assert "http://" not in page and "https://" not in page and "//cdn" not in page
    for asset in ("/static/vendor/socket.io.min.js", "/static/js/clock.js",
                  "/static/js/display.js", "/static/css/display.css"):
        assert asset in page
        assert client.get(asset).status_code == 200
    assert 'data-screen="utama"' in client.get("/display").get_data(as_text=True)


def test_display_page_in_english(client):
    client.get("/bahasa/en")
    page = client.get("/display").get_data(as_text=True)
    assert "Get ready on the track" in page and "Not available yet" in page


def test_openapi_documents_the_display_endpoints(api):
    paths = api.get("/api/v1/openapi.json").get_json()["paths"]
    assert set(paths["/api/v1/display/screens/{screen}"]) == {"get", "put"}
    assert "/api/v1/display/screens" in paths


def test_migration_0005_matches_the_display_model(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        with database.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diffs = compare_metadata(context, Base.metadata)
            assert "display_screen" in database.engine.dialect.get_table_names(conn)
        ours = [d for d in diffs if "display_screen" in repr(d)]
        assert ours == []
    finally:
        database.dispose()


def test_callup_queues_for_the_projector(app, api):
    from scoreboard.services import callup

    db = app.extensions["kejurda_db"]
    with app.app_context():
        for code in ("LF-SMP-003", "LF-SMP-001"):
            callup.join(db.session, "lintasan-a", code, "test")
        callup.join(db.session, "sumo-sma", "SUMO-001", "test")
        db.remove()
    body = api.get("/api/v1/display/callup").get_json()
    assert body == [
        {"arena": "lintasan-a", "name": "Lintasan A", "queue": [
            {"position": 1, "team": "LF-SMP-003", "team_name": "Brantas Robotik 3",
             "institution": "MTsN 1 Blitar", "calls": 0},
            {"position": 2, "team": "LF-SMP-001", "team_name": "Merapi Tim 1",
             "institution": "SMPN 1 Blitar", "calls": 0}]},
        {"arena": "sumo-sma", "name": "Robot Sumo SMA", "queue": [
            {"position": 1, "team": "SUMO-001", "team_name": "Banteng Biru",
             "institution": "SMKN 1 Blitar", "calls": 0}]},
    ]
    one = api.get("/api/v1/display/callup?arena=lintasan-b").get_json()
    assert one == [{"arena": "lintasan-b", "name": "Lintasan B (putaran)", "queue": []}]
    assert api.get("/api/v1/display/callup?arena=nope").status_code == 404


def test_a_callup_scene_may_name_its_arena(api):
    resp = put(api, "gerbang", [{"scene": "callup", "arena": "lintasan-a", "seconds": 10}])
    assert resp.get_json()["playlist"] == [{"scene": "callup", "seconds": 10,
                                           "arena": "lintasan-a"}]
    resp = put(api, "gerbang", [{"scene": "callup", "arena": "nope"}])
    assert (resp.status_code, resp.get_json()) == (
        404, {"error": "playlist[0].arena: 'nope' is not a track or category of this event"})


def test_the_medal_table_and_the_inspection_board_are_scenes(api):
    playlist = [{"scene": "medals", "seconds": 20}, {"scene": "inspection"},
                {"scene": "inspection", "category": "sumo-sma", "seconds": 10}]
    resp = put(api, "aula", playlist)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["playlist"] == [
        {"scene": "medals", "seconds": 20}, {"scene": "inspection", "seconds": 15},
        {"scene": "inspection", "seconds": 10, "category": "sumo-sma"}]
    # what the scenes read (display.js SOURCES) answers for anyone
    assert api.get("/api/v1/medals").status_code == 200
    assert api.get("/api/v1/inspections?category=sumo-sma").status_code == 200
