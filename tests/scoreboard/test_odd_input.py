"""No 500 on odd input (issue: security hardening): each of these was a server error and
is now a 4xx (or a refused ack) naming the field, changing nothing."""

from __future__ import annotations

import pytest

from tests.scoreboard import people as support
from tests.scoreboard.people import CATEGORY, add_user, sign_in
from tests.scoreboard.test_devices_page import connect_agent, report, status

people = support.people  # the fixture


@pytest.mark.parametrize("clock,field", [
    ({"offset_us": 2_500, "err_us": "abc"}, "clock.err_us"),
    ({"offset_us": "x", "err_us": 10}, "clock.offset_us"),
    ("ok", "clock"),
])
def test_no_500_devices_page_with_non_numeric_clock_from_an_agent(app, socket_client, tokens,
                                                                  api, clock, field):
    sio = connect_agent(socket_client, tokens)
    ack = report(sio, {**status(), "clock": clock})
    assert ack["ok"] is False and ack["error"].startswith(f"{field}: ")
    add_user(app, "admin", "admin1")
    page = sign_in(app, "admin1").client.get("/admin/perangkat")
    assert page.status_code == 200
    assert api.get("/api/v1/agents", role="admin").status_code == 200


def test_no_500_devices_page_with_odd_numbers_elsewhere_in_a_report(socket_client, tokens):
    sio = connect_agent(socket_client, tokens)
    odd = {**status(), "rejected": "banyak"}
    assert report(sio, odd) == {"ok": False, "error": "rejected: a number (got 'banyak')"}
    odd = {**status(), "sources": [{"name": "esp32-a", "counts": {"device_stuck": "x"}}]}
    assert report(sio, odd) == {
        "ok": False, "error": "sources[0].counts.device_stuck: a number (got 'x')"}
    assert report(sio, status()) == {"ok": True}


def test_no_500_superscript_digit_in_playlist_seconds(app, snapshot):
    add_user(app, "admin", "admin1")
    admin = sign_in(app, "admin1")
    before = snapshot()
    resp = admin.form("/admin/layar", {"screen": "aula", "lines": "ranking | ² | lf-smp"})
    assert resp.status_code == 422
    assert "playlist[0].seconds: an integer from 3 to 600" in resp.get_data(as_text=True)
    assert snapshot() == before


def test_no_500_superscript_digit_in_a_correction_base_version(people, count):
    from scoreboard.models import ScoreSheetVersion

    form = {"team": "KRE-001", "judge": "juri1", "base_version": "²",
            "idempotency_key": "koreksi-aneh-1", "score-inovasi": "85", "score-teknis": "70",
            "score-presentasi": "90", "comment": "", "reason": "uji"}
    resp = people["ketua"].form(f"/juri/ketua/{CATEGORY}/koreksi", form)
    assert resp.status_code == 303
    page = people["ketua"].get(f"/juri/ketua/{CATEGORY}/riwayat?tim=KRE-001")
    assert "base_version: the version you edited" in page.get_data(as_text=True)
    assert count(ScoreSheetVersion) == 0


def _raw(api, path: str, text: str, role: str = "admin"):
    return api.post(path, role=role, data=text)


def test_no_500_lone_surrogate_in_checkin_code(api, snapshot):
    before = snapshot()
    resp = _raw(api, "/api/v1/checkin", '{"code": "LF-\\ud800"}', role="timekeeper")
    assert resp.status_code == 400
    assert resp.get_json()["error"].startswith("code: not valid text")
    assert snapshot() == before


def test_no_500_lone_surrogate_in_idempotency_keys(people, api, snapshot):
    before = snapshot()
    body = ('{"team": "KRE-001", "scores": {"inovasi": 1, "teknis": 1, "presentasi": 1}, '
            '"idempotency_key": "kunci-\\udfff-aneh", "base_version": 0}')
    resp = people["juri1"].client.post(f"/api/v1/categories/{CATEGORY}/scores", data=body,
                                       content_type="application/json",
                                       headers={"X-CSRFToken": people["juri1"].csrf})
    assert resp.status_code == 400
    assert resp.get_json()["error"].startswith("idempotency_key: not valid text")
    resp = _raw(api, "/api/v1/categories/sumo-sma/matches/W1-1/result",
                '{"idempotency_key": "\\ud83d", "home_score": 1, "away_score": 0}')
    assert resp.status_code == 400
    assert resp.get_json()["error"].startswith("idempotency_key: not valid text")
    assert snapshot() == before


def test_no_500_display_scene_given_as_an_object(api, snapshot):
    before = snapshot()
    resp = api.client.put("/api/v1/display/screens/aula",
                          json={"playlist": [{"scene": {"a": 1}}]},
                          headers=api.headers("admin"))
    assert resp.status_code == 422
    assert resp.get_json()["error"].startswith("playlist[0].scene: one of live")
    resp = api.client.put("/api/v1/display/screens/aula",
                          json={"playlist": [{"scene": "callup", "arena": ["x"]}]},
                          headers=api.headers("admin"))
    assert resp.status_code == 422
    assert snapshot() == before
