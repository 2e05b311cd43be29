"""Registration over the API: places left (public) and check-in by scanner (timekeeper)."""

from __future__ import annotations

import pytest

from tests.scoreboard import registration_support as support
from tests.scoreboard.registration_support import decide, register_ok, registration, team_of

reg_app, admin = support.reg_app, support.admin  # the fixtures


@pytest.fixture
def bearer(reg_app) -> dict[str, dict[str, str]]:
    from scoreboard.services.accounts import create_token

    with reg_app.extensions["kejurda_db"].transaction() as session:
        return {role: {"Authorization": f"Bearer {create_token(session, role, role)}"}
                for role in ("timekeeper", "judge")}


def test_places_left_per_category(reg_app, admin):
    register_ok(reg_app)
    decide(admin, registration(reg_app).id, "approved")
    resp = reg_app.test_client().get("/api/v1/registration/categories")
    assert resp.status_code == 200
    assert resp.get_json() == [
        {"slug": "lf-sd", "name": "Line Follower SD", "levels": ["SD"], "team_size": [1, 2],
         "capacity": 3, "teams": 1, "remaining": 2, "closes": "2099-12-01T23:59:00+07:00",
         "open": True},
        {"slug": "lf-smp", "name": "Line Follower SMP", "levels": ["SMP", "MTs"],
         "team_size": [2, 3], "capacity": 1, "teams": 0, "remaining": 1, "closes": None,
         "open": True},
        {"slug": "sumo-sma", "name": "Robot Sumo SMA", "levels": ["SMA", "SMK"],
         "team_size": [2, 2], "capacity": None, "teams": 0, "remaining": None, "closes": None,
         "open": True},
        {"slug": "kreatif-umum", "name": "Robot Kreatif Umum", "levels": [],
         "team_size": [1, None], "capacity": None, "teams": 0, "remaining": None,
         "closes": "2020-01-01T00:00:00+07:00", "open": False},
    ]


def test_check_in_by_scanner(reg_app, admin, bearer):
    register_ok(reg_app)
    reg = registration(reg_app)
    client = reg_app.test_client()
    assert client.post("/api/v1/checkin", json={"code": reg.code}).status_code == 401
    resp = client.post("/api/v1/checkin", json={"code": reg.code}, headers=bearer["judge"])
    assert resp.status_code == 403
    resp = client.post("/api/v1/checkin", json={"code": reg.code}, headers=bearer["timekeeper"])
    assert resp.status_code == 409
    assert resp.get_json() == {"error": f"registration {reg.code} is pending, not approved"}
    decide(admin, reg.id, "approved")
    resp = client.post("/api/v1/checkin", json={"code": reg.code}, headers=bearer["timekeeper"])
    body = resp.get_json()
    assert (resp.status_code, body["team"], body["team_name"], body["new"]) == (
        200, "LF-SD-001", "Tim Merapi", True)
    stored = team_of(reg_app, "LF-SD-001").checked_in_at
    assert body["checked_in_at"] == stored.isoformat() + "+00:00"
    resp = client.post("/api/v1/checkin", json={"code": "lf-sd-001"},
                       headers=bearer["timekeeper"])
    assert (resp.status_code, resp.get_json()["new"]) == (200, False)
    for body, code, error in (({"code": 7}, 422, "code: a team code or a registration code"),
                              ({}, 422, "code: a team code or a registration code"),
                              ({"code": ""}, 422, "code: a team or registration code"),
                              ({"code": "X" * 33}, 422, "code: a team or registration code"),
                              ({"code": "KJ-ZZZZZZ"}, 404,
                               "code 'KJ-ZZZZZZ': no such team or registration")):
        resp = client.post("/api/v1/checkin", json=body, headers=bearer["timekeeper"])
        assert (resp.status_code, resp.get_json()) == (code, {"error": error})
    resp = client.post("/api/v1/checkin", data="{", headers=bearer["timekeeper"])
    assert resp.status_code == 400
