"""Match categories through the API: draw, publish, re-seed, results, corrections, locking."""

from __future__ import annotations

import pytest

from tests.scoreboard.matches_support import add_match_categories, sign_in

KO = "/api/v1/categories/ko-8"


@pytest.fixture
def matches(app, api):
    """The match categories added; returns the api client."""
    add_match_categories(app)
    return api


def put(api, path, body, role="admin"):
    return api.client.put(path, json=body, headers=api.headers(role))


def published(api, slug="ko-8"):
    assert api.post(f"/api/v1/categories/{slug}/draw", role="admin").status_code == 201
    resp = api.post(f"/api/v1/categories/{slug}/draw/publish", role="admin")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def enter(api, match_id, body, role="timekeeper", slug="ko-8", status=201, **kwargs):
    resp = api.post(f"/api/v1/categories/{slug}/matches/{match_id}/result", body, role=role,
                    **kwargs)
    assert resp.status_code == status, resp.get_json()
    return resp.get_json()


def score(home, away, **extra):
    return {"home_score": home, "away_score": away, **extra}


def by_id(bracket):
    return {m["id"]: m for m in bracket["matches"]}


def records(count):
    from scoreboard.models import MatchRecord

    return count(MatchRecord)


# ------------------------------------------------------------------ the draw


def test_generate_seeds_by_code_and_places_seeds_1_8_4_5_2_7_3_6(matches):
    resp = matches.post(f"{KO}/draw", role="admin")
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["status"] == "draft" and body["published"] is False
    assert body["seeded"] == [f"KO-{n}" for n in range(1, 9)]
    first = [(m["id"], m["home"], m["away"], m["status"]) for m in body["matches"][:4]]
    assert first == [("W1-1", "KO-1", "KO-8", "ready"), ("W1-2", "KO-4", "KO-5", "ready"),
                     ("W1-3", "KO-2", "KO-7", "ready"), ("W1-4", "KO-3", "KO-6", "ready")]
    assert [m["id"] for m in body["matches"][4:]] == ["W2-1", "W2-2", "W3-1"]
    assert {m["status"] for m in body["matches"][4:]} == {"pending"}


def test_a_draft_is_hidden_from_the_public_and_shown_to_admins(matches):
    matches.post(f"{KO}/draw", role="admin")
    public = matches.get(f"{KO}/bracket").get_json()
    assert public["status"] == "draft"
    assert (public["seeded"], public["matches"], public["champion"]) == ([], [], None)
    assert len(matches.get(f"{KO}/bracket", role="admin").get_json()["matches"]) == 7
    for role in ("timekeeper", "judge"):
        assert matches.get(f"{KO}/bracket", role=role).get_json()["matches"] == []


def test_no_draw_yet(matches):
    body = matches.get(f"{KO}/bracket").get_json()
    assert body["status"] == "none" and body["matches"] == []
    assert sorted(body["teams"]) == [f"KO-{n}" for n in range(1, 9)]
    ranking = matches.ranking("ko-8")["entries"]
    assert [(e["rank"], e["team"], e["status"], e["best_us"]) for e in ranking] == [
        (None, f"KO-{n}", "not_drawn", None) for n in range(1, 9)]


def test_publish_makes_it_public(matches):
    body = published(matches)
    assert body["status"] == "published" and len(body["matches"]) == 7
    again = matches.post(f"{KO}/draw/publish", role="admin")
    assert again.status_code == 200 and again.get_json()["status"] == "published"


def test_publish_without_a_draw_is_409(matches):
    resp = matches.post(f"{KO}/draw/publish", role="admin")
    assert resp.status_code == 409
    assert "no draw to publish" in resp.get_json()["error"]


def test_reseed_with_an_explicit_order(matches, count):
    published(matches)
    order = ["KO-8", "KO-7", "KO-6", "KO-5", "KO-4", "KO-3", "KO-2", "KO-1"]
    resp = put(matches, f"{KO}/draw", {"seeded": order})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["seeded"] == order and body["status"] == "draft"
    assert by_id(body)["W1-1"]["home"] == "KO-8" and by_id(body)["W1-1"]["away"] == "KO-1"
    from scoreboard.models import AuditRecord

    assert count(AuditRecord, entity="draw") == 3  # draw, publish, reseed


@pytest.mark.parametrize("order, message", [
    (["KO-1"] * 8, "seeded: 'KO-1' listed twice"),
    ([f"KO-{n}" for n in range(1, 8)], "seeded: missing KO-8"),
    ([f"KO-{n}" for n in range(1, 8)] + ["SM-1"], "seeded: 'SM-1' is not a team of 'ko-8'"),
    ("KO-1", "seeded: a list of team codes, seed 1 first"),
    (None, "seeded: a list of team codes, seed 1 first"),
])
def test_reseed_with_a_bad_order_is_422_and_changes_nothing(matches, snapshot, order, message):
    matches.post(f"{KO}/draw", role="admin")
    before = snapshot()
    resp = put(matches, f"{KO}/draw", {"seeded": order})
    assert (resp.status_code, resp.get_json()) == (422, {"error": message})
    assert snapshot() == before


@pytest.mark.parametrize("key", ["order", "seeding", "teams"])
def test_reseed_accepts_other_names_for_the_order(matches, key):
    matches.post(f"{KO}/draw", role="admin")
    order = [f"KO-{n}" for n in (2, 1, 3, 4, 5, 6, 7, 8)]
    assert put(matches, f"{KO}/draw", {key: order}).get_json()["seeded"] == order


def test_reseed_before_any_draw_is_409(matches):
    resp = put(matches, f"{KO}/draw", {"seeded": [f"KO-{n}" for n in range(1, 9)]})
    assert resp.status_code == 409


def test_the_draw_cannot_change_once_a_result_exists(matches, snapshot):
    published(matches)
    enter(matches, "W1-1", score(3, 1))
    before = snapshot()
    assert matches.post(f"{KO}/draw", role="admin").status_code == 409
    resp = put(matches, f"{KO}/draw", {"seeded": [f"KO-{n}" for n in range(8, 0, -1)]})
    assert resp.status_code == 409
    assert "already has match results" in resp.get_json()["error"]
    assert snapshot() == before


@pytest.mark.parametrize("slug, status", [("nope", 404), ("lf-smp", 422), ("kreatif-sd", 422)])
def test_draw_of_an_unknown_or_non_match_category(matches, slug, status):
    assert matches.post(f"/api/v1/categories/{slug}/draw", role="admin").status_code == status
    assert matches.get(f"/api/v1/categories/{slug}/bracket").status_code == status
    assert matches.get(f"/api/v1/categories/{slug}/standings").status_code == status


def test_a_draw_needs_two_teams(matches):
    resp = matches.post("/api/v1/categories/sumo-sma/draw", role="admin")
    assert resp.status_code == 422
    assert resp.get_json() == {"error": "teams: 'sumo-sma' needs at least 2 teams for a draw, "
                                        "has 1"}


# ------------------------------------------------------------------ permissions


@pytest.mark.parametrize("role, status", [
    ("admin", None), ("timekeeper", 403), ("judge", 403), ("agent", 403), (None, 401)])
def test_draw_permissions_for_every_token_role(matches, snapshot, role, status):
    matches.post(f"{KO}/draw", role="admin")
    before = snapshot()
    order = {"seeded": [f"KO-{n}" for n in range(8, 0, -1)]}
    calls = [lambda: matches.post(f"{KO}/draw", role=role),
             lambda: put(matches, f"{KO}/draw", order, role=role),
             lambda: matches.post(f"{KO}/draw/publish", role=role)]
    codes = [call().status_code for call in calls]
    if status is None:
        assert codes == [201, 200, 200]
    else:
        assert codes == [status] * 3
        assert snapshot() == before


@pytest.mark.parametrize("role, allowed", [
    ("head_judge", False), ("judge", False), ("timekeeper", False), ("admin", True)])
def test_draw_permissions_for_signed_in_people(app, matches, role, allowed):
    person = sign_in(app, role, f"orang-{role}")
    codes = [person.post(f"{KO}/draw").status_code,
             person.put(f"{KO}/draw", {"seeded": [f"KO-{n}" for n in range(1, 9)]}).status_code,
             person.post(f"{KO}/draw/publish").status_code]
    assert codes == ([201, 200, 200] if allowed else [403, 403, 403])


@pytest.mark.parametrize("role, status", [
    ("admin", 201), ("timekeeper", 201), ("judge", 403), ("agent", 403), (None, 401)])
def test_result_permissions_for_every_token_role(matches, count, role, status):
    published(matches)
    resp = matches.post(f"{KO}/matches/W1-1/result", score(1, 0), role=role)
    assert resp.status_code == status
    assert records(count) == (1 if status == 201 else 0)


@pytest.mark.parametrize("role, status", [
    ("head_judge", 201), ("timekeeper", 201), ("admin", 201), ("judge", 403)])
def test_result_permissions_for_signed_in_people(app, matches, count, role, status):
    published(matches)
    person = sign_in(app, role, f"orang-{role}")
    assert person.post(f"{KO}/matches/W1-1/result", score(1, 0)).status_code == status
    assert records(count) == (1 if status == 201 else 0)


def test_a_signed_in_referee_without_csrf_stores_nothing(app, matches, count):
    published(matches)
    person = sign_in(app, "head_judge", "ketua")
    resp = person.client.post(f"{KO}/matches/W1-1/result", json=score(1, 0))
    assert resp.status_code == 403 and records(count) == 0


# ------------------------------------------------------------------ results and advancement


def test_single_elimination_advances_winners_to_the_champion(matches):
    published(matches)
    played = {"W1-1": score(3, 1), "W1-2": score(0, 2), "W1-3": score(4, 0),
              "W1-4": score(1, 2)}
    for match_id, body in played.items():
        enter(matches, match_id, body)
    bracket = by_id(matches.get(f"{KO}/bracket").get_json())
    assert [(bracket[m]["home"], bracket[m]["away"], bracket[m]["status"])
            for m in ("W2-1", "W2-2", "W3-1")] == [
        ("KO-1", "KO-5", "ready"), ("KO-2", "KO-6", "ready"), (None, None, "pending")]
    semi = enter(matches, "W2-1", score(2, 1))
    assert (semi["winner"], semi["loser"], semi["status"], semi["version"]) == (
        "KO-1", "KO-5", "done", 1)
    enter(matches, "W2-2", score(0, 1))
    final = enter(matches, "W3-1", score(5, 4))
    assert (final["home"], final["away"], final["winner"]) == ("KO-1", "KO-6", "KO-1")
    body = matches.get(f"{KO}/bracket").get_json()
    assert body["champion"] == "KO-1" and body["warnings"] == []
    ranking = matches.ranking("ko-8")["entries"]
    assert [(e["rank"], e["team"], e["status"]) for e in ranking] == [
        (1, "KO-1", "champion"), (2, "KO-6", "placed"), (3, "KO-2", "placed"),
        (3, "KO-5", "placed"), (5, "KO-3", "placed"), (5, "KO-4", "placed"),
        (5, "KO-7", "placed"), (5, "KO-8", "placed")]
    assert {e["best_us"] for e in ranking} == {None}
    assert {e["team_name"] for e in ranking} == {f"Tim KO-{n}" for n in range(1, 9)}


def test_a_result_before_publishing_is_409(matches, count):
    matches.post(f"{KO}/draw", role="admin")
    resp = matches.post(f"{KO}/matches/W1-1/result", score(1, 0))
    assert resp.status_code == 409 and "no published draw" in resp.get_json()["error"]
    assert records(count) == 0


def test_a_match_whose_entrants_are_unknown_is_409(matches, count):
    published(matches)
    resp = matches.post(f"{KO}/matches/W2-1/result", score(1, 0))
    assert resp.status_code == 409
    assert resp.get_json() == {"error": "match: W2-1 is not ready: its entrants are not known yet"}
    assert records(count) == 0


@pytest.mark.parametrize("path, status", [
    (f"{KO}/matches/W9-9/result", 404), ("/api/v1/categories/nope/matches/W1-1/result", 404),
    ("/api/v1/categories/lf-smp/matches/W1-1/result", 422)])
def test_unknown_match_or_category(matches, count, path, status):
    published(matches)
    assert matches.post(path, score(1, 0)).status_code == status
    assert matches.get(path.removesuffix("/result")).status_code == status
    assert records(count) == 0


@pytest.mark.parametrize("body, message", [
    (score(1, 1), "W1-1: a draw is not allowed in this match"),
    ({"home_score": 1}, "away_score: required, an integer from 0 to 1000"),
    (score(-1, 2), "home_score: an integer from 0 to 1000"),
    (score(True, 2), "home_score: an integer from 0 to 1000"),
    (score("3", 2), "home_score: an integer from 0 to 1000"),
    ({"home_goals": 1, "away_goals": 0}, "away_goals: not a field of a score match (allowed: "
     "away_fouls, away_score, expected_version, home_fouls, home_score, idempotency_key, "
     "reason, void, walkover)"),
    (score(1, 0, expected_version="1"), "expected_version: an integer >= 0 (0: no result yet)"),
    (score(1, 0, walkover="both"), "walkover: 'home' or 'away'"),
    (score(1, 0, idempotency_key=""), "idempotency_key: a text of 1 to 100 characters"),
])
def test_a_bad_result_is_422_naming_the_field_and_stores_nothing(matches, snapshot, body,
                                                                  message):
    published(matches)
    before = snapshot()
    resp = matches.post(f"{KO}/matches/W1-1/result", body)
    assert (resp.status_code, resp.get_json()) == (422, {"error": message})
    assert snapshot() == before


@pytest.mark.parametrize("data, status", [("{nope", 400), ("[1]", 400), ("", 400)])
def test_a_malformed_body_is_400(matches, data, status):
    published(matches)
    assert matches.post(f"{KO}/matches/W1-1/result", data=data).status_code == status


def test_a_walkover(matches):
    published(matches)
    body = enter(matches, "W1-1", {"walkover": "away"})
    assert (body["winner"], body["result"]["decided_by"]) == ("KO-8", "walkover")


# ------------------------------------------------------------------ corrections


def test_correcting_a_quarter_final_after_its_semi_final_reports_the_stale_semi(matches, count):
    published(matches)
    enter(matches, "W1-1", score(3, 1))
    enter(matches, "W1-2", score(2, 0))
    enter(matches, "W2-1", score(2, 1))
    no_reason = matches.post(f"{KO}/matches/W1-1/result", score(1, 3))
    assert no_reason.status_code == 422
    assert no_reason.get_json() == {
        "error": "reason: a correction needs a reason: a text of 1 to 300 characters"}
    assert records(count) == 3
    corrected = enter(matches, "W1-1", score(1, 3, reason="salah catat skor"), role="admin")
    assert (corrected["winner"], corrected["version"]) == ("KO-8", 2)
    bracket = matches.get(f"{KO}/bracket").get_json()
    semi = by_id(bracket)["W2-1"]
    assert (semi["home"], semi["away"], semi["status"], semi["winner"], semi["result"]) == (
        "KO-8", "KO-4", "ready", None, None)
    stale = {"match_id": "W2-1", "kind": "stale_entrants",
             "message": "W2-1: stored result KO-1-KO-4 but the match is now KO-8-KO-4",
             "result": {"match_id": "W2-1", "home": "KO-1", "away": "KO-4", "winner": "KO-1",
                        "home_score": 2, "away_score": 1, "decided_by": "score",
                        "home_fouls": 0, "away_fouls": 0, "home_shootout": None,
                        "away_shootout": None}}
    assert bracket["warnings"] == [stale]
    assert semi["warnings"] == [stale]
    assert by_id(bracket)["W3-1"]["home"] is None
    history = matches.get(f"{KO}/matches/W1-1").get_json()["history"]
    assert [(h["version"], h["result"]["winner"], h["reason"], h["by"], h["superseded"])
            for h in history] == [(1, "KO-1", None, "token:test-timekeeper", True),
                                  (2, "KO-8", "salah catat skor", "token:test-admin", False)]
    # the head judge re-enters the semi-final for the teams who now meet: the warning is gone
    enter(matches, "W2-1", score(0, 1, reason="dimainkan ulang: KO-8 lawan KO-4"))
    after = matches.get(f"{KO}/bracket").get_json()
    assert after["warnings"] == []
    assert by_id(after)["W2-1"]["winner"] == "KO-4" and by_id(after)["W3-1"]["home"] == "KO-4"


def test_voiding_a_result_reopens_the_match(matches):
    published(matches)
    enter(matches, "W1-1", score(3, 1))
    enter(matches, "W1-2", score(2, 0))
    enter(matches, "W2-1", score(2, 1))
    enter(matches, "W1-1", {"void": True, "reason": "pertandingan diulang"})
    bracket = matches.get(f"{KO}/bracket").get_json()
    assert by_id(bracket)["W1-1"]["status"] == "ready"
    assert [(w["match_id"], w["kind"]) for w in bracket["warnings"]] == [
        ("W2-1", "entrants_unknown")]
    voided = matches.get(f"{KO}/matches/W2-1").get_json()
    assert voided["status"] == "pending" and voided["version"] == 1
    # a result of a pending match can be voided; a second void finds nothing to void
    enter(matches, "W2-1", {"void": True, "reason": "tidak berlaku"})
    assert matches.get(f"{KO}/bracket").get_json()["warnings"] == []
    again = matches.post(f"{KO}/matches/W2-1/result", {"void": True, "reason": "lagi"})
    assert again.status_code == 409


def test_void_needs_a_reason_and_nothing_else(matches):
    published(matches)
    enter(matches, "W1-1", score(3, 1))
    assert matches.post(f"{KO}/matches/W1-1/result", {"void": True}).status_code == 422
    mixed = matches.post(f"{KO}/matches/W1-1/result", {"void": True, "reason": "x",
                                                        **score(1, 0)})
    assert mixed.status_code == 422


# ------------------------------------------------------------------ locking and resends


def test_a_stale_expected_version_is_409_with_the_current_result(matches, count):
    published(matches)
    enter(matches, "W1-1", score(3, 1, expected_version=0))
    resp = matches.post(f"{KO}/matches/W1-1/result",
                        score(1, 3, expected_version=0, reason="meja dua"))
    assert resp.status_code == 409
    body = resp.get_json()
    assert body["error"] == "expected_version: W1-1 is at version 1, not 0; reload it"
    current = body["current"]
    assert (current["id"], current["version"], current["winner"]) == ("W1-1", 1, "KO-1")
    assert (current["result"]["home_score"], current["result"]["away_score"]) == (3, 1)
    assert (body["version"], body["result"]) == (1, current["result"])
    assert records(count) == 1
    ok = enter(matches, "W1-1", score(1, 3, expected_version=1, reason="meja dua"))
    assert ok["version"] == 2


def test_an_idempotent_resend_stores_once(matches, count, live):
    published(matches)
    live.get_received("/live")
    key = {"Idempotency-Key": "wasit-1-0001"}
    first = matches.post(f"{KO}/matches/W1-1/result", score(3, 1), headers=key)
    again = matches.post(f"{KO}/matches/W1-1/result", score(3, 1), headers=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert records(count) == 1
    names = [m["name"] for m in live.get_received("/live")]
    assert names.count("match") == 1
    # the key in the body works the same; a resend needs no reason and ignores the lock
    body = score(2, 0, idempotency_key="wasit-1-0002")
    assert matches.post(f"{KO}/matches/W1-2/result", body).status_code == 201
    body["expected_version"] = 0
    assert matches.post(f"{KO}/matches/W1-2/result", body).status_code == 200
    assert records(count) == 2


def test_an_idempotency_key_of_another_match_is_409(matches, count):
    published(matches)
    key = {"Idempotency-Key": "k-1"}
    matches.post(f"{KO}/matches/W1-1/result", score(3, 1), headers=key)
    resp = matches.post(f"{KO}/matches/W1-2/result", score(3, 1), headers=key)
    assert resp.status_code == 409 and records(count) == 1


# ------------------------------------------------------------------ /live


def test_live_gets_match_bracket_and_ranking_after_a_result(matches, live):
    published(matches)
    live.get_received("/live")
    body = enter(matches, "W1-1", score(3, 1))
    got = [(m["name"], m["args"][0]) for m in live.get_received("/live")]
    assert [name for name, _ in got] == ["match", "bracket", "ranking"]
    assert got[0][1] == body
    bracket = got[1][1]
    assert bracket["category"] == "ko-8" and bracket["status"] == "published"
    assert by_id(bracket)["W2-1"]["home"] == "KO-1"
    assert bracket == matches.get(f"{KO}/bracket").get_json()
    assert got[2][1] == matches.ranking("ko-8")


def test_live_gets_bracket_when_the_draw_changes_and_no_draft_leaks(matches, live):
    matches.post(f"{KO}/draw", role="admin")
    got = [(m["name"], m["args"][0]) for m in live.get_received("/live")]
    assert [name for name, _ in got] == ["bracket", "ranking"]
    assert got[0][1]["status"] == "draft" and got[0][1]["matches"] == []
    matches.post(f"{KO}/draw/publish", role="admin")
    got = [(m["name"], m["args"][0]) for m in live.get_received("/live")]
    assert got[0][0] == "bracket" and len(got[0][1]["matches"]) == 7


def test_standings_endpoint_of_an_elimination(matches):
    published(matches)
    enter(matches, "W1-1", score(3, 1))
    body = matches.get(f"{KO}/standings").get_json()
    assert body["category"] == "ko-8" and body["standings"] == {}
    assert [(e["team"], e["status"]) for e in body["entries"]][-1] == ("KO-8", "out")


def test_list_matches_of_published_draws(matches):
    published(matches)
    matches.post("/api/v1/categories/sumo-4/draw", role="admin")  # a draft: not listed
    enter(matches, "W1-1", score(3, 1))
    ready = matches.get("/api/v1/matches?status=ready").get_json()
    assert [(m["category"], m["id"]) for m in ready] == [
        ("ko-8", "W1-2"), ("ko-8", "W1-3"), ("ko-8", "W1-4")]
    every = matches.get("/api/v1/matches?category=ko-8").get_json()
    assert [m["status"] for m in every] == ["done"] + ["ready"] * 3 + ["pending"] * 3
    assert matches.get("/api/v1/matches?category=sumo-4").get_json() == []
    bad = matches.get("/api/v1/matches?status=finished")
    assert bad.status_code == 422 and bad.get_json()["error"].startswith("status: one of")


def test_a_category_whose_options_the_engine_refuses(app, matches):
    from sqlalchemy import select

    from scoreboard.models import Category

    with app.extensions["kejurda_db"].transaction() as session:
        category = session.scalar(select(Category).where(Category.slug == "ko-8"))
        category.options = {"match": "score", "bracket": "single_elimination", "tiebreak": []}
    resp = matches.post(f"{KO}/draw", role="admin")
    assert resp.status_code == 422
    assert resp.get_json() == {"error": "category 'ko-8': tiebreak: unknown key (kunci tidak dikenal)"}
    ranking = matches.ranking("ko-8")["entries"]
    assert [(e["rank"], e["team"], e["status"]) for e in ranking] == [
        (None, f"KO-{n}", "not_drawn") for n in range(1, 9)]
    assert matches.get("/api/v1/matches").status_code == 200


def _require_checkin(app, checked_in: list[str]) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import select

    from scoreboard.models import Event, Team

    with app.extensions["kejurda_db"].transaction() as session:
        session.scalar(select(Event)).require_checkin = True
        for team in session.scalars(select(Team).where(Team.code.in_(checked_in))):
            team.checked_in_at = datetime.now(UTC)


def test_with_check_in_required_only_checked_in_teams_are_drawn(app, matches):
    _require_checkin(app, ["KO-2", "KO-5", "KO-7"])
    body = matches.post(f"{KO}/draw", role="admin").get_json()
    assert body["seeded"] == ["KO-2", "KO-5", "KO-7"]
    bad = put(matches, f"{KO}/draw", {"seeded": ["KO-7", "KO-5", "KO-2", "KO-1"]})
    assert bad.get_json() == {"error": "seeded: 'KO-1' has not checked in"}
    ok = put(matches, f"{KO}/draw", {"seeded": ["KO-7", "KO-5", "KO-2"]})
    assert ok.get_json()["seeded"] == ["KO-7", "KO-5", "KO-2"]
    matches.post(f"{KO}/draw/publish", role="admin")
    ranking = matches.ranking("ko-8")["entries"]
    assert [e["team"] for e in ranking if e["status"] == "not_drawn"] == [
        "KO-1", "KO-3", "KO-4", "KO-6", "KO-8"]


def test_with_check_in_required_and_one_team_checked_in_there_is_no_draw(app, matches):
    _require_checkin(app, ["KO-2"])
    resp = matches.post(f"{KO}/draw", role="admin")
    assert resp.get_json() == {"error": "teams: 'ko-8' needs at least 2 checked-in teams for a "
                                        "draw, has 1"}


def test_a_stored_draw_that_no_longer_builds_is_a_warning_not_an_error(app, matches):
    from sqlalchemy import select

    from scoreboard.models import MatchDraw

    published(matches)
    with app.extensions["kejurda_db"].transaction() as session:
        session.scalar(select(MatchDraw)).seeded = ["KO-1", "KO-1"]
    body = matches.get(f"{KO}/bracket").get_json()
    assert body["matches"] == [] and [w["kind"] for w in body["warnings"]] == ["draw_invalid"]
    assert matches.ranking("ko-8")["entries"][0]["status"] == "not_drawn"
    assert matches.post(f"{KO}/matches/W1-1/result", score(1, 0)).status_code == 404
