"""`/admin/layar`: an admin sets a screen's playlist from a form, one scene a line."""

from __future__ import annotations

from tests.scoreboard.people import add_user, sign_in

LINES = ("live | 20\nranking | 15 | lf-smp\n\ncallup | 10 | lintasan-a\n"
         "announcement | 8 | Istirahat | makan siang\nbracket||sumo-sma\n")


def test_admin_saves_a_playlist_from_lines_and_sees_it_again(app, api):
    add_user(app, "admin", "admin1")
    admin = sign_in(app, "admin1")
    resp = admin.form("/admin/layar", {"screen": "aula", "lines": LINES})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/admin/layar?layar=aula")
    assert api.get("/api/v1/display/screens/aula").get_json()["playlist"] == [
        {"scene": "live", "seconds": 20},
        {"scene": "ranking", "seconds": 15, "category": "lf-smp"},
        {"scene": "callup", "seconds": 10, "arena": "lintasan-a"},
        {"scene": "announcement", "seconds": 8, "text": "Istirahat | makan siang"},
        {"scene": "bracket", "seconds": 15, "category": "sumo-sma"},
    ]
    page = admin.client.get("/admin/layar?layar=aula").get_data(as_text=True)
    assert "live | 20\nranking | 15 | lf-smp\ncallup | 10 | lintasan-a" in page
    assert 'href="/display/aula"' in page


def test_a_bad_line_is_shown_and_nothing_is_stored(app, api, snapshot):
    add_user(app, "admin", "admin1")
    admin = sign_in(app, "admin1")
    before = snapshot()
    resp = admin.form("/admin/layar", {"screen": "aula", "lines": "live\nranking | x | lf-smp"})
    assert resp.status_code == 422
    assert "playlist[1].seconds: an integer from 3 to 600" in resp.get_data(as_text=True)
    resp = admin.form("/admin/layar", {"screen": "Aula!", "lines": "live"})
    assert resp.status_code == 422
    assert admin.form("/admin/layar", {"screen": "aula", "lines": "live"},
                      csrf="forged").status_code == 400
    assert snapshot() == before


def test_only_admins_open_the_screen_settings(app, client):
    resp = client.get("/admin/layar")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    for role in ("head_judge", "judge", "timekeeper"):
        add_user(app, role, f"u-{role}")
        person = sign_in(app, f"u-{role}")
        assert person.client.get("/admin/layar").status_code == 403
        assert person.form("/admin/layar", {"screen": "aula", "lines": "live"}).status_code == 403
