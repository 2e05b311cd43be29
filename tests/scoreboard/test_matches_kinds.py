"""Every match kind and bracket type through the API, and migration 0004 against the models."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.scoreboard.matches_support import add_match_categories


@pytest.fixture
def matches(app, api):
    add_match_categories(app)
    return api


def published(api, slug):
    assert api.post(f"/api/v1/categories/{slug}/draw", role="admin").status_code == 201
    resp = api.post(f"/api/v1/categories/{slug}/draw/publish", role="admin")
    assert resp.status_code == 200
    return resp.get_json()


def post(api, slug, match_id, body):
    return api.post(f"/api/v1/categories/{slug}/matches/{match_id}/result", body)


def enter(api, slug, match_id, body):
    resp = post(api, slug, match_id, body)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def bracket(api, slug):
    return api.get(f"/api/v1/categories/{slug}/bracket").get_json()


def by_id(body):
    return {m["id"]: m for m in body["matches"]}


# ------------------------------------------------------------------ sumo


def test_sumo_rounds_with_warnings_and_the_third_place_match(matches):
    body = published(matches, "sumo-4")
    assert [(m["id"], m["home"], m["away"]) for m in body["matches"]] == [
        ("W1-1", "SM-1", "SM-4"), ("W1-2", "SM-2", "SM-3"), ("3P", None, None),
        ("W2-1", None, None)]
    bout = enter(matches, "sumo-4", "W1-1", {"rounds": [
        {"end": "away_yuko"}, {"end": "rematch"},
        {"end": "time_up", "home_warnings": 0, "away_warnings": 2}, {"end": "home_yuko"}]})
    result = bout["result"]
    assert (bout["winner"], result["home_score"], result["away_score"],
            result["away_fouls"], result["decided_by"]) == ("SM-1", 2, 1, 2, "score")
    enter(matches, "sumo-4", "W1-2", {"home_yuko": 0, "away_yuko": 2})
    state = by_id(bracket(matches, "sumo-4"))
    assert (state["3P"]["home"], state["3P"]["away"]) == ("SM-4", "SM-2")
    assert (state["W2-1"]["home"], state["W2-1"]["away"]) == ("SM-1", "SM-3")


@pytest.mark.parametrize("body, message", [
    ({"home_yuko": 3, "away_yuko": 0}, "sumo: round 3 recorded after the bout was decided"),
    ({"rounds": [{"end": "home_yuko"}]}, "W1-1: the bout is not decided yet; next is round"),
    ({"rounds": [{"end": "knockout"}]}, "rounds[0].end: one of home_yuko, away_yuko, time_up, "
                                        "rematch"),
    ({"rounds": []}, "rounds: a list of 1 to 50 rounds"),
    ({"rounds": [{"end": "home_yuko", "yuko": 1}]}, "rounds[0].yuko: not a field of a round"),
    ({"rounds": [{"end": "time_up"}] * 3, "judges_decision": "referee"},
     "judges_decision: 'home' or 'away'"),
    ({}, "rounds: required, the bout's rounds [{\"end\": \"home_yuko\"|\"away_yuko\"|"
         "\"time_up\"|\"rematch\"}, ...]"),
    ({"home_score": 2, "away_score": 0}, "away_score: not a field of a sumo match (allowed: "
     "away_yuko, expected_version, home_yuko, idempotency_key, judges_decision, reason, "
     "rounds, void, walkover)"),
])
def test_sumo_results_the_rules_reject_are_422(matches, snapshot, body, message):
    published(matches, "sumo-4")
    before = snapshot()
    resp = post(matches, "sumo-4", "W1-1", body)
    assert (resp.status_code, resp.get_json()) == (422, {"error": message})
    assert snapshot() == before


def test_sumo_extension_then_judges(matches):
    published(matches, "sumo-4")
    level = [{"end": "home_yuko"}, {"end": "away_yuko"}, {"end": "time_up"}]
    assert post(matches, "sumo-4", "W1-1", {"rounds": level}).status_code == 422
    decided = enter(matches, "sumo-4", "W1-1", {"rounds": [*level, {"end": "time_up"}],
                                                "judges_decision": "away"})
    assert (decided["winner"], decided["result"]["decided_by"]) == ("SM-4", "judges")


# ------------------------------------------------------------------ soccer round robin


def test_soccer_round_robin_draws_and_the_table(matches):
    body = published(matches, "bola-rr")
    assert len(body["matches"]) == 6 and body["standings"][""][0]["points"] == 0
    pairs = {(m["home"], m["away"]): m["id"] for m in body["matches"]}

    def play(a, b, ga, gb):
        if (a, b) in pairs:
            return enter(matches, "bola-rr", pairs[(a, b)], {"home_goals": ga, "away_goals": gb})
        return enter(matches, "bola-rr", pairs[(b, a)], {"home_goals": gb, "away_goals": ga})

    drawn = play("BL-1", "BL-2", 1, 1)
    assert (drawn["winner"], drawn["result"]["decided_by"]) == (None, "draw")
    play("BL-1", "BL-3", 3, 0)
    play("BL-1", "BL-4", 2, 0)
    play("BL-2", "BL-3", 0, 1)
    play("BL-2", "BL-4", 4, 4)
    assert matches.ranking("bola-rr")["entries"][0]["status"] == "in_play"
    play("BL-3", "BL-4", 2, 1)
    table = matches.get("/api/v1/categories/bola-rr/standings").get_json()
    rows = [(r["rank"], r["team"], r["points"], r["goal_difference"])
            for r in table["standings"][""]]
    assert rows == [(1, "BL-1", 7, 5), (2, "BL-3", 6, -1), (3, "BL-2", 2, -1),
                    (4, "BL-4", 1, -3)]
    entries = matches.ranking("bola-rr")["entries"]
    assert [(e["rank"], e["team"], e["status"]) for e in entries] == [
        (1, "BL-1", "champion"), (2, "BL-3", "placed"), (3, "BL-2", "placed"),
        (4, "BL-4", "placed")]
    assert bracket(matches, "bola-rr")["champion"] == "BL-1"


def test_soccer_beyond_the_mercy_lead_is_422(matches):
    published(matches, "bola-rr")
    first = bracket(matches, "bola-rr")["matches"][0]["id"]
    resp = post(matches, "bola-rr", first, {"home_first": 11, "away_first": 0})
    assert resp.get_json() == {"error": "soccer: the first half cannot end beyond a 10-goal lead"}


# ------------------------------------------------------------------ groups, then knockout


def test_groups_then_a_cross_seeded_knockout(matches):
    body = published(matches, "grup-8")
    assert [(g["name"], g["teams"]) for g in body["groups"]] == [
        ("A", ["GR-1", "GR-4", "GR-5", "GR-8"]), ("B", ["GR-2", "GR-3", "GR-6", "GR-7"])]
    assert len(body["matches"]) == 12
    seed_rank = {f"GR-{n}": n for n in range(1, 9)}
    for match in body["matches"]:  # the better seed wins every group match 1-0
        home_wins = seed_rank[match["home"]] < seed_rank[match["away"]]
        enter(matches, "grup-8", match["id"],
              {"home_score": int(home_wins), "away_score": int(not home_wins)})
    state = bracket(matches, "grup-8")
    knockout = [(m["id"], m["home"], m["away"]) for m in state["matches"] if m["group"] ==
                "knockout"]
    assert knockout == [("W1-1", "GR-1", "GR-3"), ("W1-2", "GR-2", "GR-4"),
                        ("W2-1", None, None)]
    assert [r["team"] for r in state["standings"]["A"]] == ["GR-1", "GR-4", "GR-5", "GR-8"]
    enter(matches, "grup-8", "W1-1", {"home_score": 2, "away_score": 0})
    enter(matches, "grup-8", "W1-2", {"home_score": 2, "away_score": 0})
    enter(matches, "grup-8", "W2-1", {"home_score": 1, "away_score": 0})
    entries = matches.ranking("grup-8")["entries"]
    assert [(e["rank"], e["team"], e["status"]) for e in entries] == [
        (1, "GR-1", "champion"), (2, "GR-2", "placed"), (3, "GR-3", "placed"),
        (3, "GR-4", "placed"), (5, "GR-5", "out_in_groups"), (5, "GR-6", "out_in_groups"),
        (7, "GR-7", "out_in_groups"), (7, "GR-8", "out_in_groups")]


# ------------------------------------------------------------------ Swiss


def test_swiss_pairs_the_next_round_once_a_round_is_decided(matches):
    body = published(matches, "swiss-5")
    first = [(m["id"], m["home"], m["away"], m["status"]) for m in body["matches"]]
    assert first == [("S1-1", "SW-1", "SW-2", "ready"), ("S1-2", "SW-3", "SW-4", "ready"),
                     ("S1-3", "SW-5", None, "bye")]
    enter(matches, "swiss-5", "S1-1", {"home_score": 1, "away_score": 0})
    assert len(bracket(matches, "swiss-5")["matches"]) == 3
    enter(matches, "swiss-5", "S1-2", {"home_score": 0, "away_score": 1})
    second = bracket(matches, "swiss-5")["matches"][3:]
    assert [(m["id"], m["home"], m["away"]) for m in second] == [
        ("S2-1", "SW-1", "SW-4"), ("S2-2", "SW-5", "SW-2"), ("S2-3", "SW-3", None)]
    for m in second[:2]:
        enter(matches, "swiss-5", m["id"], {"home_score": 2, "away_score": 1})
    state = bracket(matches, "swiss-5")
    assert len(state["matches"]) == 6  # swiss_rounds = 2: no third round
    assert state["champion"] == "SW-1"
    assert [(r["rank"], r["team"], r["points"]) for r in state["standings"][""]] == [
        (1, "SW-1", 6), (2, "SW-5", 6), (3, "SW-4", 3), (4, "SW-3", 3), (5, "SW-2", 0)]


# ------------------------------------------------------------------ double elimination


def test_double_elimination_reset_grand_final(matches):
    body = published(matches, "de-4")
    assert [m["id"] for m in body["matches"]] == ["W1-1", "W1-2", "W2-1", "L1-1", "L2-1",
                                                  "GF", "GF2"]
    for match_id, home, away in [("W1-1", 1, 0), ("W1-2", 1, 0), ("W2-1", 1, 0),
                                 ("L1-1", 1, 0), ("L2-1", 0, 1), ("GF", 0, 1)]:
        enter(matches, "de-4", match_id, {"home_score": home, "away_score": away})
    state = by_id(bracket(matches, "de-4"))
    assert (state["GF"]["home"], state["GF"]["away"], state["GF"]["winner"]) == (
        "DE-1", "DE-2", "DE-2")
    assert state["GF2"]["status"] == "ready"
    enter(matches, "de-4", "GF2", {"home_score": 3, "away_score": 2})
    assert bracket(matches, "de-4")["champion"] == "DE-1"


# ------------------------------------------------------------------ best of 3


def test_a_best_of_three_series(matches):
    published(matches, "seri-2")
    games = [{"home_score": 1, "away_score": 1}, {"home_score": 0, "away_score": 2},
             {"home_score": 3, "away_score": 0}, {"home_score": 0, "away_score": 1}]
    series = enter(matches, "seri-2", "W1-1", {"games": games})
    assert (series["winner"], series["result"]["home_score"], series["result"]["away_score"],
            series["result"]["decided_by"]) == ("SR-2", 1, 2, "series")
    late = post(matches, "seri-2", "W1-1", {"games": [*games, games[0]], "reason": "x"})
    assert late.get_json() == {"error": "series: game 5 recorded after the series was decided"}
    flat = post(matches, "seri-2", "W1-1", {"home_score": 1, "away_score": 0, "reason": "x"})
    assert flat.status_code == 422


# ------------------------------------------------------------------ migration


def test_migration_0004_matches_the_models(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from scoreboard.db import Database
    from scoreboard.models import Base

    database = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    mine = {"match_draw", "match_record"}
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "compare_type": True,
            "include_object": lambda obj, name, type_, reflected, other: (
                name in mine if type_ == "table" else obj.table.name in mine)})
        diff = compare_metadata(context, Base.metadata)
    database.dispose()
    assert diff == []
    with database.engine.connect() as conn:  # and both tables are really there
        assert mine <= set(sa.inspect(conn).get_table_names())


def test_the_demo_publishes_its_sumo_and_soccer_draws(tmp_path):
    from scoreboard.db import Database
    from scoreboard.demo import prepare
    from scoreboard.services.matches_state import bracket_dict, load_view

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    prepare(url)
    prepare(url)  # a second demo on the same database keeps the draws
    database = Database(url)
    try:
        sumo = bracket_dict(load_view(database.session, "sumo-sma"))
        soccer = bracket_dict(load_view(database.session, "soccer-smp"))
    finally:
        database.dispose()
    assert (sumo["status"], soccer["status"]) == ("published", "published")
    assert sorted(sumo["seeded"]) == sorted(sumo["teams"]) and len(sumo["seeded"]) >= 2
    assert len(soccer["matches"]) == len(soccer["seeded"]) * (len(soccer["seeded"]) - 1) // 2
    assert any(m["status"] == "ready" for m in sumo["matches"])


GARBAGE = [
    {"rounds": [1, 2]}, {"rounds": "x"}, {"rounds": [{"end": []}]}, {"rounds": [{"end": {}}]},
    {"rounds": [{"end": "home_yuko", "home_warnings": -1}]}, {"home_yuko": 1.5, "away_yuko": 0},
    {"home_yuko": 10**30, "away_yuko": 0}, {"judges_decision": ["home"]},
    {"home_first": 1, "away_first": [0]}, {"home_goals": 1, "away_goals": 1, "shootout": "3-2"},
    {"home_goals": 1, "away_goals": 1, "shootout": [3]}, {"home_goals": 1, "away_goals": 1,
                                                          "shootout": {"home": None}},
    {"home_goals": 2, "away_goals": 1, "golden_goal": 1}, {"games": [1]}, {"games": "x"},
    {"walkover": ["home"]}, {"void": "yes", "reason": "x"}, {"expected_version": 2**70},
    {"reason": ["a"], "home_score": 1, "away_score": 0}, {"idempotency_key": {"a": 1}},
    {"home_score": None, "away_score": 0}, {"": 1}, {"home_score": 1, "away_score": 0,
                                                      "reason": "x" * 301},
]


@pytest.mark.parametrize("slug", ["sumo-4", "bola-rr", "ko-8", "seri-2"])
def test_garbage_results_are_4xx_and_store_nothing(matches, count, slug):
    from scoreboard.models import MatchRecord

    body = published(matches, slug)
    match_id = next(m["id"] for m in body["matches"] if m["status"] == "ready")
    for garbage in GARBAGE:
        resp = post(matches, slug, match_id, garbage)
        assert resp.status_code in (400, 404, 409, 422), (garbage, resp.get_json())
        assert "error" in resp.get_json()
    long_key = {"Idempotency-Key": "k" * 101}
    resp = matches.post(f"/api/v1/categories/{slug}/matches/{match_id}/result",
                        {"home_score": 1}, headers=long_key)
    assert resp.status_code == 422
    assert count(MatchRecord) == 0
    assert matches.get(f"/api/v1/categories/{slug}/matches/{'x' * 5000}").status_code == 404


def test_short_forms_of_sumo_rounds_and_soccer_totals(matches):
    published(matches, "sumo-4")
    words = enter(matches, "sumo-4", "W1-1", {"rounds": ["home", "rematch", "away", "home"]})
    assert (words["winner"], words["result"]["home_score"], words["result"]["away_score"]) == (
        "SM-1", 2, 1)
    yuko = enter(matches, "sumo-4", "W1-2", {"rounds": [{"yuko": "away"}, {"yuko": None},
                                                        {"yuko": "away"}]})
    assert (yuko["winner"], yuko["result"]["away_score"]) == ("SM-3", 2)
    bad = post(matches, "sumo-4", "W2-1", {"rounds": [7]})
    assert bad.get_json() == {"error": "rounds[0]: a round, e.g. {\"end\": \"home_yuko\"}"}
    body = published(matches, "bola-rr")
    first = body["matches"][0]
    got = enter(matches, "bola-rr", first["id"], {"home_score": 2, "away_score": 2})
    assert (got["winner"], got["result"]["decided_by"]) == (None, "draw")
    mixed = post(matches, "bola-rr", body["matches"][1]["id"],
                 {"home_score": 1, "away_goals": 0})
    assert mixed.get_json() == {"error": "home_goals: give the goals one way only: home_goals "
                                         "and away_goals, home_score and away_score, or per half"}


def test_groups_as_drawn_on_stage(matches, api):
    matches.post("/api/v1/categories/grup-8/draw", role="admin")
    stage = {"A": ["GR-8", "GR-1", "GR-2"], "B": ["GR-3", "GR-4", "GR-5", "GR-6", "GR-7"]}
    resp = api.client.put("/api/v1/categories/grup-8/draw", json={"groups": stage},
                          headers=api.headers("admin"))
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["groups"] == [{"name": "A", "teams": stage["A"]},
                              {"name": "B", "teams": stage["B"]}]
    assert body["seeded"] == stage["A"] + stage["B"]
    assert len(body["matches"]) == 3 + 10
    for groups, message in [
        ({"A": stage["A"]}, "groups: an object with the groups A, B, each a list of team codes"),
        ({"A": ["GR-1"], "B": [f"GR-{n}" for n in range(2, 9)]},
         "groups.A: a list of at least 2 team codes"),
        ({"A": ["GR-1", "GR-2"], "B": ["GR-3", "GR-4"]}, "seeded: missing GR-5, GR-6, GR-7, GR-8"),
        ({"A": ["GR-1", "GR-2", "GR-3", "GR-4"], "B": ["GR-4", "GR-5", "GR-6", "GR-7", "GR-8"]},
         "seeded: 'GR-4' listed twice"),
    ]:
        bad = api.client.put("/api/v1/categories/grup-8/draw", json={"groups": groups},
                             headers=api.headers("admin"))
        assert (bad.status_code, bad.get_json()) == (422, {"error": message})
    other = api.client.put("/api/v1/categories/ko-8/draw", json={"groups": stage},
                           headers=api.headers("admin"))
    assert other.status_code == 409  # ko-8 has no draw yet
    matches.post("/api/v1/categories/ko-8/draw", role="admin")
    other = api.client.put("/api/v1/categories/ko-8/draw", json={"groups": stage},
                           headers=api.headers("admin"))
    assert other.get_json() == {"error": "groups: only for groups_knockout, not "
                                         "single_elimination"}


EVENT = """
[event]
name = "Kejurda Pertandingan"
slug = "kejurda-pertandingan"

[[category]]
slug = "sumo-besar"
name = "Sumo Besar"
format = "match"
match = "sumo"
bracket = "single_elimination"
sumo = { yuko_to_win = 3, max_rounds = 5 }

[[category]]
slug = "bola-grup"
name = "Bola Grup"
format = "match"
match = "soccer"
bracket = "groups_knockout"
groups = 2
advance_per_group = 1
soccer = { mercy_difference = 3 }
"""


def test_categories_from_an_event_file_use_their_own_rules(bare_app, tmp_path):
    from scoreboard.services.accounts import create_token
    from scoreboard.services.event_file import load_event
    from scoreboard.services.teams_csv import import_teams

    (tmp_path / "event.toml").write_text(EVENT, encoding="utf-8")
    rows = ["code,name,institution,category,level,members,contact"]
    rows += [f"SB-{n},Sumo {n},Sekolah {n},sumo-besar,SMA,A,08123456789" for n in (1, 2)]
    rows += [f"BG-{n},Bola {n},Sekolah {n},bola-grup,SMA,A,08123456789" for n in range(1, 5)]
    (tmp_path / "teams.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    database = bare_app.extensions["kejurda_db"]
    with database.transaction() as session:
        load_event(session, tmp_path / "event.toml")
    with database.transaction() as session:
        import_teams(session, tmp_path / "teams.csv")
        token = create_token(session, "admin", "panitia")
    client = bare_app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    for slug in ("sumo-besar", "bola-grup"):
        assert client.post(f"/api/v1/categories/{slug}/draw", headers=auth).status_code == 201
        assert client.post(f"/api/v1/categories/{slug}/draw/publish",
                           headers=auth).status_code == 200
    bout = client.post("/api/v1/categories/sumo-besar/matches/W1-1/result", headers=auth,
                       json={"home_yuko": 3, "away_yuko": 0})  # first to 3 in this category
    assert bout.status_code == 201 and bout.get_json()["winner"] == "SB-1"
    group = client.get("/api/v1/categories/bola-grup/bracket").get_json()
    first = group["matches"][0]["id"]
    mercy = client.post(f"/api/v1/categories/bola-grup/matches/{first}/result", headers=auth,
                        json={"home_goals": 4, "away_goals": 0})
    assert mercy.get_json() == {"error": "soccer: the first half cannot end beyond a 3-goal lead"}
