"""Bracket pages: the admin's draw (CSRF forms, admin only) and the public bracket."""

from __future__ import annotations

import re

import pytest

from tests.scoreboard.matches_support import CSRF, add_match_categories, sign_in

ADMIN = "/admin/bagan/ko-8"
PUBLIC = "/kategori/ko-8/bagan"


@pytest.fixture
def admin(app):
    add_match_categories(app)
    return sign_in(app, "admin", "panitia")


def form(person, path, data=None, csrf=None):
    return person.client.post(path, data={"csrf_token": csrf or person.csrf, **(data or {})})


def test_admin_generates_previews_reseeds_and_publishes(app, admin, client):
    page = admin.client.get(ADMIN)
    assert page.status_code == 200 and "belum diundi" in page.get_data(as_text=True)
    resp = form(admin, f"{ADMIN}/undian")
    assert resp.status_code == 303 and resp.headers["Location"].endswith(ADMIN)
    preview = admin.client.get(ADMIN).get_data(as_text=True)
    assert "Undian dibuat. Periksa, lalu terbitkan." in preview
    assert 'id="match-W1-1"' in preview and "Tim KO-8" in preview
    # the public sees nothing of a draft
    assert "Bagan belum diterbitkan." in client.get(PUBLIC).get_data(as_text=True)
    order = "\n".join(f"KO-{n}" for n in range(8, 0, -1))
    assert form(admin, f"{ADMIN}/unggulan", {"seeded": order}).status_code == 303
    reseeded = admin.client.get(ADMIN).get_data(as_text=True)
    assert f'rows="8">{order}</textarea>' in reseeded
    assert form(admin, f"{ADMIN}/terbitkan").status_code == 303
    public = client.get(PUBLIC).get_data(as_text=True)
    w11 = re.search(r'id="match-W1-1".*?</article>', public, re.S).group(0)
    assert "Tim KO-8" in w11 and "Tim KO-1" in w11
    assert "Perempat final" in public and "Semifinal" in public and "Final" in public


def test_a_refused_reseed_is_flashed_and_changes_nothing(admin, snapshot):
    form(admin, f"{ADMIN}/undian")
    before = snapshot()
    resp = form(admin, f"{ADMIN}/unggulan", {"seeded": "KO-1\nKO-1"})
    assert resp.status_code == 303
    assert "seeded: &#39;KO-1&#39; listed twice" in admin.client.get(ADMIN).get_data(as_text=True)
    assert snapshot() == before


def test_a_form_without_a_valid_csrf_token_changes_nothing(admin, snapshot):
    before = snapshot()
    assert form(admin, f"{ADMIN}/undian", csrf="palsu").status_code == 400
    assert admin.client.post(f"{ADMIN}/undian").status_code == 400
    assert snapshot() == before


@pytest.mark.parametrize("role", ["head_judge", "judge", "timekeeper"])
def test_other_roles_may_not_open_or_change_the_draw(app, role, snapshot):
    add_match_categories(app)
    person = sign_in(app, role, f"orang-{role}")
    before = snapshot()
    assert person.client.get(ADMIN).status_code == 403
    assert person.client.get("/admin/bagan").status_code == 403
    for action in ("undian", "unggulan", "terbitkan"):
        assert form(person, f"{ADMIN}/{action}").status_code == 403
    assert snapshot() == before


def test_anonymous_is_sent_to_login(app, client):
    add_match_categories(app)
    resp = client.get(ADMIN)
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    assert client.post(f"{ADMIN}/undian", data={"csrf_token": token}).status_code == 302


def test_public_page_and_fragment_show_results_and_warnings(app, admin, api, client):
    form(admin, f"{ADMIN}/undian")
    form(admin, f"{ADMIN}/terbitkan")
    for match_id, body in [("W1-1", {"home_score": 3, "away_score": 1}),
                           ("W1-2", {"home_score": 2, "away_score": 0}),
                           ("W2-1", {"home_score": 2, "away_score": 1}),
                           ("W1-1", {"home_score": 0, "away_score": 1, "reason": "koreksi"})]:
        assert api.post(f"/api/v1/categories/ko-8/matches/{match_id}/result", body).status_code \
            == 201
    page = client.get(PUBLIC)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="id">' in html and "socket.io.min.js" in html and "bracket.js" in html
    assert "W2-1: stored result KO-1-KO-4 but the match is now KO-8-KO-4" in html
    fragment = client.get(f"{PUBLIC}?bagian=1").get_data(as_text=True)
    assert "<html" not in fragment and 'data-kind="stale_entrants"' in fragment
    w11 = re.search(r'id="match-W1-1".*?</article>', fragment, re.S).group(0)
    assert "dikoreksi" in w11
    assert re.search(r'class="bagan-side winner">\s*<span class="bagan-team">Tim KO-8', w11)


def test_group_tables_on_the_public_page(app, admin, api, client):
    form(admin, "/admin/bagan/bola-rr/undian")
    form(admin, "/admin/bagan/bola-rr/terbitkan")
    html = client.get("/kategori/bola-rr/bagan").get_data(as_text=True)
    assert 'class="bagan-table"' in html and html.count("<tr><td>1</td>") == 4


@pytest.mark.parametrize("path", ["/kategori/nope/bagan", "/kategori/lf-smp/bagan",
                                  "/admin/bagan/nope"])
def test_unknown_or_non_match_category_is_404(admin, path):
    assert admin.client.get(path).status_code == 404


def test_admin_index_lists_match_categories(admin):
    html = admin.client.get("/admin/bagan").get_data(as_text=True)
    for slug in ("ko-8", "sumo-4", "bola-rr", "sumo-sma"):
        assert f'href="/admin/bagan/{slug}"' in html


def test_pages_are_translated(admin):
    admin.client.get("/bahasa/en")
    html = admin.client.get(ADMIN).get_data(as_text=True)
    assert "not drawn yet" in html and "Draw from the registered teams" in html


@pytest.mark.parametrize("role, status", [
    ("head_judge", 200), ("timekeeper", 200), ("admin", 200), ("judge", 403)])
def test_referee_sheet_roles(app, role, status):
    add_match_categories(app)
    person = sign_in(app, role, f"orang-{role}")
    assert person.client.get("/wasit/ko-8").status_code == status


def test_referee_sheet_lists_what_can_be_entered_or_corrected(app, admin, api):
    referee = sign_in(app, "head_judge", "ketua")
    assert "Bagan belum diterbitkan." in referee.client.get("/wasit/sumo-4").get_data(
        as_text=True)
    form(admin, "/admin/bagan/sumo-4/undian")
    form(admin, "/admin/bagan/sumo-4/terbitkan")
    api.post("/api/v1/categories/sumo-4/matches/W1-1/result", {"home_yuko": 2, "away_yuko": 0})
    html = referee.client.get("/wasit/sumo-4").get_data(as_text=True)
    forms = re.findall(r'<form class="wasit-match" data-match="([^"]+)" data-version="(\d+)"',
                       html)
    assert forms == [("W1-1", "1"), ("W1-2", "0")]
    w11 = re.search(r'data-match="W1-1".*?</form>', html, re.S).group(0)
    assert 'name="home_yuko"' in w11 and 'name="reason"' in w11 and "Simpan koreksi" in w11
    w12 = re.search(r'data-match="W1-2".*?</form>', html, re.S).group(0)
    assert 'name="reason"' not in w12 and "Simpan hasil" in w12
    assert "referee.js" in html


def test_admins_find_the_draw_in_the_navigation(app, admin):
    assert 'href="/admin/bagan">Bagan</a>' in admin.client.get(PUBLIC).get_data(as_text=True)
    judge = sign_in(app, "judge", "juri-nav")
    assert 'href="/admin/bagan"' not in judge.client.get("/juri").get_data(as_text=True)
