"""`/admin/pengguna`, the sign-in limit and the session cookie's flags."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from scoreboard.models import AuditRecord, JudgeAssignment, User
from tests.scoreboard import people as support
from tests.scoreboard.people import PASSWORD, csrf_of, sign_in

people = support.people  # the fixture
PAGE = "/admin/pengguna/"


def _user(app, name: str) -> User:
    with app.extensions["kejurda_db"].transaction() as session:
        return session.scalar(select(User).where(User.name == name))


def test_admin_creates_a_judge_who_can_then_sign_in(app, people, count):
    admin = people["admin1"]
    resp = admin.form(PAGE, {"name": "juri-baru", "role": "judge", "password": "sandi-baru-1"})
    assert resp.status_code == 302
    user = _user(app, "juri-baru")
    assert (user.role, user.active) == ("judge", True)
    assert user.password_hash.startswith("$argon2")
    assert count(AuditRecord, entity="user", action="create", entity_id="juri-baru") == 1
    assert sign_in(app, "juri-baru", "sandi-baru-1").name == "juri-baru"
    page = admin.get(PAGE).get_data(as_text=True)
    assert '<tr data-user="juri-baru">' in page


@pytest.mark.parametrize("data, message", [
    ({"name": "", "role": "judge", "password": "sandi-baru-1"}, "Nama pengguna wajib diisi."),
    ({"name": "dua kata", "role": "judge", "password": "sandi-baru-1"},
     "Nama pengguna tanpa spasi."),
    ({"name": "x1", "role": "judge", "password": "pendek"}, "Kata sandi minimal 10 karakter."),
    ({"name": "x2", "role": "raja", "password": "sandi-baru-1"}, "Peran: Not a valid choice."),
    ({"name": "juri1", "role": "judge", "password": "sandi-baru-1"},
     "Nama pengguna: juri1 sudah dipakai."),
])
def test_a_bad_new_user_is_refused_with_a_message_and_nothing_stored(people, snapshot, data,
                                                                      message):
    before = snapshot()
    resp = people["admin1"].form(PAGE, data)
    assert resp.status_code in (409, 422)
    assert message in resp.get_data(as_text=True)
    assert snapshot() == before


def test_a_forged_csrf_token_creates_no_one(people, snapshot):
    before = snapshot()
    resp = people["admin1"].form(PAGE, {"name": "palsu", "role": "admin",
                                        "password": "sandi-baru-1"}, csrf="palsu")
    assert resp.status_code == 400
    assert snapshot() == before


def test_reset_password_deactivate_and_reactivate(app, people):
    admin, uid = people["admin1"], _user(app, "juri2").id
    assert admin.form(f"{PAGE}{uid}/sandi", {"password": "sandi-lain-99"}).status_code == 302
    client = app.test_client()
    bad = client.post("/login", data={"csrf_token": csrf_of(client), "name": "juri2",
                                      "password": PASSWORD})
    assert bad.status_code == 401
    # the new password ended the old session; the new one ends at deactivation
    assert people["juri2"].get("/juri").status_code == 302
    juri2 = sign_in(app, "juri2", "sandi-lain-99")
    assert juri2.get("/juri").status_code == 200
    assert admin.form(f"{PAGE}{uid}/aktif", {"active": "0"}).status_code == 302
    assert _user(app, "juri2").active is False
    assert juri2.get("/juri").status_code == 302
    assert admin.form(f"{PAGE}{uid}/aktif", {"active": "1"}).status_code == 302
    assert _user(app, "juri2").active is True
    short = admin.form(f"{PAGE}{uid}/sandi", {"password": "pendek"})
    assert short.status_code == 422 and "Kata sandi minimal 10 karakter." in \
        short.get_data(as_text=True)


def test_an_admin_cannot_deactivate_themself(app, people):
    uid = _user(app, "admin1").id
    resp = people["admin1"].form(f"{PAGE}{uid}/aktif", {"active": "0"})
    assert resp.status_code == 422
    assert _user(app, "admin1").active is True


def test_assigning_judged_categories(app, people, count):
    from scoreboard.models import Category

    admin, uid = people["admin1"], _user(app, "juri3").id
    with app.extensions["kejurda_db"].transaction() as session:
        kre = session.scalar(select(Category.id).where(Category.slug == "kreatif-sd"))
        lf = session.scalar(select(Category.id).where(Category.slug == "lf-smp"))
    assert admin.form(f"{PAGE}{uid}/kategori", {"categories": [str(kre)]}).status_code == 302
    assert count(JudgeAssignment, user_id=uid) == 1
    # now juri3 may score kreatif-sd
    ok = people["juri3"].post("/api/v1/categories/kreatif-sd/scores",
                              support.sheet("KRE-001", "kunci-0001"))
    assert ok.status_code == 201
    refused = admin.form(f"{PAGE}{uid}/kategori", {"categories": [str(lf)]})
    assert refused.status_code == 422
    assert count(JudgeAssignment, user_id=uid) == 1
    assert admin.form(f"{PAGE}{uid}/kategori", {}).status_code == 302
    assert count(JudgeAssignment, user_id=uid) == 0
    tk = _user(app, "waktu1").id
    assert admin.form(f"{PAGE}{tk}/kategori", {"categories": [str(kre)]}).status_code == 422


def test_the_page_is_for_admins_only(people, client):
    assert client.get(PAGE).status_code == 302
    for name in ("juri1", "ketua", "waktu1"):
        assert people[name].get(PAGE).status_code == 403


def test_sign_in_is_rate_limited_but_the_form_still_opens(app):
    app.config["KEJURDA_LOGIN_LIMIT"] = "3 per minute"
    support.add_user(app, "judge", "lambat")
    client = app.test_client()
    token = csrf_of(client)
    codes = [client.post("/login", data={"csrf_token": token, "name": "lambat",
                                         "password": "salah-terus"}).status_code
             for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    blocked = client.post("/login", data={"csrf_token": token, "name": "lambat",
                                          "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Terlalu banyak percobaan masuk" in blocked.get_data(as_text=True)
    assert client.get("/login").status_code == 200


def test_session_cookie_is_httponly_and_samesite(app):
    support.add_user(app, "judge", "kuki")
    client = app.test_client()
    resp = client.post("/login", data={"csrf_token": csrf_of(client), "name": "kuki",
                                       "password": PASSWORD})
    cookie = [h for h in resp.headers.getlist("Set-Cookie") if h.startswith("session=")][0]
    assert "HttpOnly" in cookie
    assert re.search(r"SameSite=Lax", cookie)


def test_a_login_post_without_a_valid_token_signs_no_one_in(app):
    support.add_user(app, "judge", "tanpatoken")
    client = app.test_client()
    resp = client.post("/login", data={"csrf_token": "palsu", "name": "tanpatoken",
                                       "password": PASSWORD})
    assert resp.status_code == 400
    assert client.get("/juri").status_code == 302


def test_the_menu_links_admins_to_people_and_judges_to_their_page(people):
    assert 'href="/admin/pengguna/"' in people["admin1"].get("/desk/").get_data(as_text=True)
    page = people["juri1"].get("/juri").get_data(as_text=True)
    assert 'href="/juri"' in page and 'href="/admin/pengguna/"' not in page
