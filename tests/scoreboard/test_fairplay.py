"""Fair play through the API: inspection keeps teams out until they pass, protests are
filed inside their window and decided once (a correction re-flows bracket and medals),
and a category's result turns official."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.scoreboard.matches_support import add_match_categories, sign_in

SUMO_CHECKS = [
    {"key": "massa", "name": "Massa", "kind": "max", "limit": 3000, "unit": "g"},
    {"key": "ukuran", "name": "Ukuran", "kind": "box", "limit": [20, 20, 20], "unit": "cm"},
    {"key": "tanpa_mcu", "name": "Tanpa mikrokontroler", "kind": "yes"},
]
GOOD = {"massa": 2900, "ukuran": [20, 18, 10], "tanpa_mcu": True}
HEAVY = {"massa": 3100, "ukuran": [20, 18, 10], "tanpa_mcu": True}


def set_options(app, slug, **options):
    from scoreboard.models import Category

    with app.extensions["kejurda_db"].transaction() as session:
        category = session.scalar(select(Category).where(Category.slug == slug))
        category.options = {**(category.options or {}), **options}


def inspect(api, slug, team, values, status=201):
    resp = api.post("/api/v1/inspections", {"category": slug, "team": team, "values": values},
                    role="admin")
    assert resp.status_code == status, resp.get_json()
    return resp.get_json()


@pytest.fixture
def sumo(app, api):
    add_match_categories(app)
    set_options(app, "sumo-4", inspection=SUMO_CHECKS, protest_window_min=15)
    return api


def test_an_uninspected_sumo_team_cannot_be_drawn_until_it_passes(sumo):
    for team in ("SM-1", "SM-2", "SM-3"):
        assert inspect(sumo, "sumo-4", team, GOOD)["status"] == "passed"
    draw = sumo.post("/api/v1/categories/sumo-4/draw", role="admin")
    assert draw.status_code == 201
    assert sorted(draw.get_json()["seeded"]) == ["SM-1", "SM-2", "SM-3"]
    assert inspect(sumo, "sumo-4", "SM-4", HEAVY)["status"] == "failed"
    again = sumo.post("/api/v1/categories/sumo-4/draw", role="admin").get_json()
    assert "SM-4" not in again["seeded"]
    inspect(sumo, "sumo-4", "SM-4", GOOD)  # repaired, inspected again
    drawn = sumo.post("/api/v1/categories/sumo-4/draw", role="admin").get_json()
    assert sorted(drawn["seeded"]) == ["SM-1", "SM-2", "SM-3", "SM-4"]


def test_the_inspection_board_names_what_failed_for_the_projector(sumo):
    inspect(sumo, "sumo-4", "SM-4", {**HEAVY, "tanpa_mcu": False})
    row = [r for r in sumo.get("/api/v1/inspections?category=sumo-4").get_json()
           if r["team"] == "SM-4"][0]
    assert (row["status"], row["failed"]) == ("failed", ["massa", "tanpa_mcu"])
    assert row["failed_names"] == ["Massa", "Tanpa mikrokontroler"]


def test_an_uninspected_timed_team_cannot_be_armed_and_a_failed_reinspection_blocks_again(
        app, api):
    set_options(app, "lf-smp", inspection=[
        {"key": "tegangan", "name": "Tegangan", "kind": "max", "limit": 12, "unit": "V"}])
    refused = api.post("/api/v1/runs", {"category": "lf-smp", "team": "LF-SMP-001"})
    assert refused.status_code == 409
    assert refused.get_json()["error"] == (
        "team: 'LF-SMP-001' (Merapi Tim 1) belum lolos pemeriksaan teknis / not yet inspected")
    inspect(api, "lf-smp", "LF-SMP-001", {"tegangan": 11.1})
    run = api.arm("lf-smp", "LF-SMP-001")
    assert api.post(f"/api/v1/runs/{run['id']}/abort").status_code == 200
    assert inspect(api, "lf-smp", "LF-SMP-001", {"tegangan": 14.8})["items"] == [
        {"key": "tegangan", "passed": False, "reason": "above the limit"}]
    blocked = api.post("/api/v1/runs", {"category": "lf-smp", "team": "LF-SMP-001"})
    assert blocked.status_code == 409 and "failed technical inspection" in blocked.get_json()[
        "error"]


def test_the_call_up_refuses_a_team_that_has_not_passed(app, sumo):
    from scoreboard.errors import Conflict
    from scoreboard.services import callup

    with app.app_context():
        session = app.extensions["kejurda_db"].session
        with pytest.raises(Conflict, match="belum lolos pemeriksaan teknis"):
            callup._apply(session, "sumo-4", "SM-1", "join", "test")
        session.rollback()
        inspect(sumo, "sumo-4", "SM-1", GOOD)
        assert callup._apply(session, "sumo-4", "SM-1", "join", "test").code == "SM-1"


@pytest.mark.parametrize("values, field", [
    ({"massa": "berat"}, "values.massa: a number"),
    ({"warna": "merah"}, "values.warna: not an item of this checklist"),
    ("massa", "values: an object"),
])
def test_bad_inspection_values_are_422_naming_the_item_and_store_nothing(sumo, count, values,
                                                                         field):
    from scoreboard.models import Inspection

    resp = sumo.post("/api/v1/inspections", {"category": "sumo-4", "team": "SM-1",
                                             "values": values}, role="admin")
    assert resp.status_code == 422 and resp.get_json()["error"].startswith(field)
    assert count(Inspection) == 0


def test_inspection_needs_an_inspector_or_head_judge(sumo):
    body = {"category": "sumo-4", "team": "SM-1", "values": GOOD}
    assert sumo.post("/api/v1/inspections", body, role=None).status_code == 401
    assert sumo.post("/api/v1/inspections", body, role="timekeeper").status_code == 403
    assert sumo.post("/api/v1/inspections", body, role="judge").status_code == 403


# ------------------------------------------------------------------ protests


def _play_sumo(api):
    for team in ("SM-1", "SM-2", "SM-3", "SM-4"):
        inspect(api, "sumo-4", team, GOOD)
    assert api.post("/api/v1/categories/sumo-4/draw", role="admin").status_code == 201
    assert api.post("/api/v1/categories/sumo-4/draw/publish", role="admin").status_code == 200
    # home wins every bout 2-0 (sumo: first to two Yuko)
    while ready := api.get("/api/v1/matches?category=sumo-4&status=ready").get_json():
        resp = api.post(f"/api/v1/categories/sumo-4/matches/{ready[0]['id']}/result",
                        {"home_yuko": 2, "away_yuko": 0})
        assert resp.status_code == 201, resp.get_json()
    return {m["id"]: m for m in api.get("/api/v1/matches?category=sumo-4").get_json()}


def _age(app, model, minutes):
    """Move every stored result `minutes` into the past (as if that time had gone by)."""
    from scoreboard.models.base import utcnow

    with app.extensions["kejurda_db"].transaction() as session:
        session.execute(update(model).values(at=utcnow() - timedelta(minutes=minutes)))


def _final(matches):
    """The final: the last round of the winners' bracket (sumo-4 also has a 3rd-place bout)."""
    return max((m for m in matches.values() if m["stage"] == "winners"),
               key=lambda m: m["round"])


def _file(app, team_code, body):
    from scoreboard.models import Team
    from scoreboard.services import protests

    with app.app_context():
        session = app.extensions["kejurda_db"].session
        team = session.scalar(select(Team).where(Team.code == team_code))
        return protests.file_protest(session, team, body, f"team:{team_code}")


def _medals(api):
    return {r["institution"]: (r["gold"], r["silver"], r["bronze"])
            for r in api.get("/api/v1/medals").get_json()}


def test_an_accepted_protest_with_a_corrected_result_reflows_bracket_and_medals(app, sumo):
    matches = _play_sumo(sumo)
    final = _final(matches)
    loser = final["away"] if final["winner"] == final["home"] else final["home"]
    before = _medals(sumo)
    assert before[f"Sekolah {final['winner']}"][0] == 1
    protest = _file(app, loser, {"target": "match", "target_id": final["id"],
                                 "reason": "Robot lawan keluar arena lebih dulu"})
    assert protest["status"] == "open"
    state = sumo.get("/api/v1/categories/sumo-4/official").get_json()
    assert state == {"category": "sumo-4", "state": "provisional", "official_at": None,
                     "open_protests": 1}
    head = sign_in(app, "head_judge", "ketua-1")
    corrected = ({"home_yuko": 0, "away_yuko": 2} if final["winner"] == final["home"]
                 else {"home_yuko": 2, "away_yuko": 0})
    decided = head.post(f"/api/v1/protests/{protest['id']}/decision",
                        {"accept": True, "reason": "Rekaman video", "correction": corrected})
    assert decided.status_code == 200, decided.get_json()
    assert decided.get_json()["status"] == "accepted"
    after = {m["id"]: m for m in sumo.get("/api/v1/matches?category=sumo-4").get_json()}
    assert after[final["id"]]["winner"] == loser
    medals = _medals(sumo)
    assert medals[f"Sekolah {loser}"][0] == 1 and medals[f"Sekolah {final['winner']}"][1] == 1
    again = head.post(f"/api/v1/protests/{protest['id']}/decision",
                      {"accept": False, "reason": "lagi"})
    assert again.status_code == 409 and again.get_json()["error"] == "protest: already decided"


def test_a_rejected_protest_leaves_bracket_and_medals(app, sumo):
    matches = _play_sumo(sumo)
    final = _final(matches)
    before, bracket = _medals(sumo), sumo.get("/api/v1/categories/sumo-4/bracket").get_json()
    protest = _file(app, final["away"], {"target": "match", "target_id": final["id"],
                                         "reason": "Tidak terima"})
    head = sign_in(app, "head_judge", "ketua-2")
    resp = head.post(f"/api/v1/protests/{protest['id']}/decision",
                     {"accept": False, "reason": "Tidak ada bukti"})
    assert resp.status_code == 200 and resp.get_json()["status"] == "rejected"
    assert _medals(sumo) == before
    assert sumo.get("/api/v1/categories/sumo-4/bracket").get_json() == bracket


def test_a_protest_after_the_window_or_against_another_teams_result_is_refused(app, sumo):
    from scoreboard.errors import Conflict, NotFound
    from scoreboard.models import MatchRecord

    matches = _play_sumo(sumo)
    first = matches[sorted(matches)[0]]
    other = next(t for t in ("SM-1", "SM-2", "SM-3", "SM-4")
                 if t not in (first["home"], first["away"]))
    with pytest.raises(NotFound, match="is not a match of team"):
        _file(app, other, {"target": "match", "target_id": first["id"], "reason": "x"})
    _age(app, MatchRecord, minutes=16)
    with pytest.raises(Conflict, match="window for this result has closed"):
        _file(app, first["home"], {"target": "match", "target_id": first["id"],
                                   "reason": "terlambat"})


def test_a_category_turns_official_when_its_window_closes_or_the_head_judge_finalises(
        app, sumo):
    from scoreboard.models import MatchRecord

    _play_sumo(sumo)
    official = "/api/v1/categories/sumo-4/official"
    assert sumo.get(official).get_json()["state"] == "provisional"
    head = sign_in(app, "head_judge", "ketua-3")
    final = head.post("/api/v1/categories/sumo-4/finalise", {"reason": "upacara"})
    assert final.status_code == 200 and final.get_json()["state"] == "official"
    # a category whose window simply closed is official too, from the window's end
    set_options(app, "ko-8", protest_window_min=5)
    assert sumo.post("/api/v1/categories/ko-8/draw", role="admin").status_code == 201
    sumo.post("/api/v1/categories/ko-8/draw/publish", role="admin")
    ready = sumo.get("/api/v1/matches?category=ko-8&status=ready").get_json()
    sumo.post(f"/api/v1/categories/ko-8/matches/{ready[0]['id']}/result",
              {"home_score": 2, "away_score": 1})
    assert sumo.get("/api/v1/categories/ko-8/official").get_json()["state"] == "provisional"
    _age(app, MatchRecord, minutes=6)
    assert sumo.get("/api/v1/categories/ko-8/official").get_json()["state"] == "official"


def test_names_are_fixed_at_the_first_certificate_of_a_result_official_by_its_window(app, sumo):
    from scoreboard.models import MatchRecord, ResultFinal, Team
    from scoreboard.services.certificates import participants

    set_options(app, "ko-8", protest_window_min=5)
    assert sumo.post("/api/v1/categories/ko-8/draw", role="admin").status_code == 201
    sumo.post("/api/v1/categories/ko-8/draw/publish", role="admin")
    while ready := sumo.get("/api/v1/matches?category=ko-8&status=ready").get_json():
        sumo.post(f"/api/v1/categories/ko-8/matches/{ready[0]['id']}/result",
                  {"home_score": 2, "away_score": 1})
    _age(app, MatchRecord, minutes=6)  # the window closed: official, never finalised by hand
    db = app.extensions["kejurda_db"]
    with app.app_context(), db.transaction() as session:
        first = {(p.team, p.team_name) for p in participants(session, "s", "ko-8")}
        assert session.scalar(select(ResultFinal)) is not None
    with db.transaction() as session:
        session.scalar(select(Team).where(Team.code == "KO-1")).name = "Nama Baru"
    with app.app_context(), db.transaction() as session:
        again = {(p.team, p.team_name) for p in participants(session, "s", "ko-8")}
    assert ("KO-1", "Tim KO-1") in first and again == first
