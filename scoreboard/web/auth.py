"""Sign in and out (Flask-Login sessions, CSRF-protected form)."""

from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from scoreboard.services.accounts import authenticate, end_sessions
from scoreboard.web.security import start_session

bp = Blueprint("auth", __name__)
HOME_BY_ROLE = {"timekeeper": "desk.index", "admin": "home.index",
                "judge": "judge.tablet", "head_judge": "judge.tablet",
                "inspector": "fairplay.inspect_index"}


class LoginForm(FlaskForm):
    name = StringField("Nama pengguna", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Kata sandi", validators=[DataRequired(), Length(max=200)])


def _safe_next(target: str | None) -> str | None:
    """`next` when it is a path of this site, else None (the caller's home instead).

    Browsers read `//host`, `/\\host` and `////host` as another site, and drop tabs and
    newlines inside a URL, so only a path that starts with one "/" followed by something
    else, with no backslash and no control character, is kept. A CR or LF is a 400: it
    could only be an attempt to write a header."""
    if not target:
        return None
    if "\r" in target or "\n" in target:
        abort(400, "next: must not contain a line break")
    if (not target.startswith("/") or target[1:2] in ("/", "\\") or "\\" in target
            or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target)):
        return None
    parts = urlparse(target)
    return target if not parts.netloc and not parts.scheme else None


def _home() -> str:
    role = getattr(current_user, "role", None) if current_user.is_authenticated else None
    return url_for(HOME_BY_ROLE.get(role, "home.index"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    wanted = _safe_next(request.args.get("next"))  # a bad `next` fails before the form
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = authenticate(g.db.session, form.name.data, form.password.data)
        if user is not None:
            login_user(user)
            start_session(user)
            return redirect(wanted or url_for(HOME_BY_ROLE.get(user.role, "home.index")))
        flash(_("Nama pengguna atau kata sandi salah."), "error")
        status = 401
    elif request.method == "POST":
        flash(_("Formulir tidak valid atau kedaluwarsa; silakan coba lagi."), "error")
        status = 400
    return render_template("login.html", form=form), status


@bp.get("/bahasa/<code>")
def language(code: str):
    """Switch the interface language (Bahasa Indonesia first, English second)."""
    if code not in ("id", "en"):
        abort(404)
    resp = redirect(_safe_next(request.args.get("next")) or _home())
    resp.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    if current_user.is_authenticated and current_user.language != code:
        current_user.language = code  # per person: follows the judge to another tablet
        g.db.session.commit()
    return resp


@bp.post("/logout")
@login_required
def logout():
    # The cookie is signed, not stored: a copy of it would still sign in. Raising the
    # account's session version ends every session of the account, copies included.
    end_sessions(g.db.session, current_user)
    logout_user()
    return redirect(url_for("auth.login"))
