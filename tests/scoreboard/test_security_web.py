"""Security of the web side (issue: security hardening): redirects, sessions, passwords,
sign-in limits, response headers and the request body limit."""

from __future__ import annotations

import time

import pytest
import requests

from tests.scoreboard.people import PASSWORD, add_user, csrf_of, sign_in

EVIL = ["////evil.example", "//evil.example", "/\\evil.example", "/\\/evil.example",
        "https://evil.example/", "http:/evil.example", "evil.example", "/\t/evil.example",
        "javascript:alert(1)"]


def _login(client, name: str, password: str, next_: str | None = None, addr: str = "127.0.0.1"):
    path = "/login" + (f"?next={requests.utils.quote(next_, safe='')}" if next_ else "")
    token = csrf_of(client)
    return client.post(path, data={"csrf_token": token, "name": name, "password": password},
                       environ_base={"REMOTE_ADDR": addr})


@pytest.mark.parametrize("target", EVIL)
def test_open_redirect_login_next_goes_home_not_off_site(app, target):
    add_user(app, "judge", "juri1")
    resp = _login(app.test_client(), "juri1", PASSWORD, target)
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/juri"


@pytest.mark.parametrize("target", EVIL)
def test_open_redirect_language_next_goes_home_not_off_site(app, target):
    resp = app.test_client().get("/bahasa/en", query_string={"next": target})
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/"  # the start page (docs/contract.md §7)


def test_open_redirect_same_site_path_is_kept(app):
    add_user(app, "judge", "juri1")
    resp = _login(app.test_client(), "juri1", PASSWORD, "/hasil?kategori=lf-smp")
    assert resp.headers["Location"] == "/hasil?kategori=lf-smp"
    resp = app.test_client().get("/bahasa/id", query_string={"next": "/kategori/lf-smp"})
    assert resp.headers["Location"] == "/kategori/lf-smp"


@pytest.mark.parametrize("target", ["/hasil\r\nSet-Cookie: x=1", "/a\nb", "/a\rb"])
def test_open_redirect_line_break_in_next_is_400(app, target):
    add_user(app, "judge", "juri1")
    assert _login(app.test_client(), "juri1", PASSWORD, target).status_code == 400
    resp = app.test_client().get("/bahasa/en", query_string={"next": target})
    assert resp.status_code == 400
    assert "x=1" not in resp.headers.get("Set-Cookie", "")


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _with_cookie(app, value: str):
    other = app.test_client()
    other.set_cookie("session", value)
    return other


def test_session_ends_at_logout_even_for_a_copied_cookie(app):
    add_user(app, "judge", "juri1")
    person = sign_in(app, "juri1")
    copy = _cookie(person.client)
    assert _with_cookie(app, copy).get("/juri").status_code == 200
    assert person.form("/logout", {}).status_code == 302
    assert _with_cookie(app, copy).get("/juri").status_code == 302
    assert person.client.get("/juri").status_code == 302


def test_session_ends_after_password_reset(app):
    add_user(app, "judge", "juri1")
    add_user(app, "admin", "admin1")
    judge, admin = sign_in(app, "juri1"), sign_in(app, "admin1")
    assert judge.get("/juri").status_code == 200
    uid = _user_id(app, "juri1")
    assert admin.form(f"/admin/pengguna/{uid}/sandi",
                      {"password": "sandi-baru-juri-7"}).status_code == 302
    assert judge.get("/juri").status_code == 302
    assert sign_in(app, "juri1", "sandi-baru-juri-7").get("/juri").status_code == 200


def _user_id(app, name: str) -> int:
    from sqlalchemy import select

    from scoreboard.models import User

    with app.extensions["kejurda_db"].transaction() as session:
        return session.scalar(select(User.id).where(User.name == name))


def test_session_ends_after_idle_timeout(app):
    add_user(app, "judge", "juri1")
    judge = sign_in(app, "juri1")
    assert app.config["KEJURDA_SESSION_IDLE_S"] == 12 * 3600
    with judge.client.session_transaction() as session:
        session["seen"] = time.time() - 12 * 3600 + 120  # idle for 11 h 58 min
    assert judge.get("/juri").status_code == 200
    with judge.client.session_transaction() as session:
        session["seen"] = time.time() - 12 * 3600 - 1
    assert judge.get("/juri").status_code == 302


def test_session_idle_timeout_comes_from_config(app):
    add_user(app, "judge", "juri1")
    judge = sign_in(app, "juri1")
    app.config["KEJURDA_SESSION_IDLE_S"] = 600
    with judge.client.session_transaction() as session:
        session["seen"] = time.time() - 601
    assert judge.get("/juri").status_code == 302


@pytest.mark.parametrize("password,problem", [
    ("sandi-ok9", "password: must be at least 10 characters"),
    ("Password123", "password: too common (terlalu umum); choose another"),
    ("QWERTYUIOP", "password: too common (terlalu umum); choose another"),
    ("rahasia123", "password: too common (terlalu umum); choose another"),
])
def test_passwords_need_ten_characters_and_not_a_common_one(password, problem):
    from scoreboard.errors import Invalid
    from scoreboard.services.accounts import check_password

    with pytest.raises(Invalid) as refused:
        check_password(password)
    assert refused.value.message == problem
    check_password("kuda-lumping-sore")


def test_passwords_common_one_refused_on_the_admin_page(app):
    add_user(app, "admin", "admin1")
    admin = sign_in(app, "admin1")
    resp = admin.form("/admin/pengguna/", {"name": "juri9", "role": "judge",
                                           "password": "password123"})
    assert resp.status_code == 422
    assert "Kata sandi ini terlalu umum; pilih yang lain." in resp.get_data(as_text=True)
    assert _user_id(app, "juri9") is None


def test_failed_sign_ins_limited_per_account_from_any_address(app):
    app.config["KEJURDA_LOGIN_LIMIT"] = "1000 per minute"
    app.config["KEJURDA_LOGIN_ACCOUNT_LIMIT"] = "3 per 15 minutes"
    add_user(app, "judge", "juri1")
    add_user(app, "judge", "juri2")
    for n in range(3):
        assert _login(app.test_client(), "juri1", "salah-terus-x",
                      addr=f"10.0.0.{n + 1}").status_code == 401
    # from a fourth address, even the right password waits now
    assert _login(app.test_client(), "juri1", PASSWORD, addr="10.0.0.9").status_code == 429
    # another account is not held up
    assert _login(app.test_client(), "juri2", PASSWORD, addr="10.0.0.9").status_code == 302


def test_failed_sign_ins_successful_ones_do_not_count(app):
    app.config["KEJURDA_LOGIN_LIMIT"] = "1000 per minute"
    app.config["KEJURDA_LOGIN_ACCOUNT_LIMIT"] = "2 per 15 minutes"
    add_user(app, "judge", "juri1")
    for _n in range(4):
        assert _login(app.test_client(), "juri1", PASSWORD).status_code == 302


HEADERS_PATHS = ["/login", "/display", "/display/utama", "/api/v1/categories", "/tidak-ada",
                 "/api/v1/tidak-ada", "/socket.io/?EIO=4&transport=polling", "/static/css/app.css"]


@pytest.mark.parametrize("path", HEADERS_PATHS)
def test_headers_on_every_response(app, path):
    resp = app.test_client().get(path)
    csp = resp.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self';" in csp
    assert "unsafe-inline" not in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "same-origin"
    if path.startswith("/display"):
        assert "frame-ancestors 'self'" in csp and resp.headers["X-Frame-Options"] == "SAMEORIGIN"
    else:
        assert "frame-ancestors 'none'" in csp and resp.headers["X-Frame-Options"] == "DENY"


def test_headers_no_page_has_an_inline_script(app):
    import re

    client = app.test_client()
    for path in ("/login", "/display", "/daftar", "/hasil", "/kategori/lf-smp"):
        page = client.get(path).get_data(as_text=True)
        for tag in re.findall(r"<script[^>]*>", page):
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)
        assert not re.search(r"\son[a-z]+=", page), path


def test_max_content_length_answers_413_before_reading(app, tokens):
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit == 5 * 1024 * 1024 + 64 * 1024
    client = app.test_client()
    resp = client.post("/api/v1/runs", data=b"x" * (limit + 1), content_type="application/json",
                       headers={"Authorization": f"Bearer {tokens['timekeeper']}"})
    assert resp.status_code == 413
    assert resp.get_json()["error"].startswith("body: larger than")
    page = client.post("/daftar", data=b"x" * (limit + 1),
                       content_type="application/x-www-form-urlencoded")
    assert page.status_code == 413
