"""Sign in and out (Flask-Login sessions, CSRF-protected form)."""

from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from scoreboard.services.accounts import authenticate

bp = Blueprint("auth", __name__)
HOME_BY_ROLE = {"timekeeper": "desk.index", "admin": "desk.index",
                "judge": "judge.tablet", "head_judge": "judge.tablet",
                "inspector": "fairplay.inspect_index"}


class LoginForm(FlaskForm):
    name = StringField("Nama pengguna", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Kata sandi", validators=[DataRequired(), Length(max=200)])


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlparse(target)
    return target if not parts.netloc and not parts.scheme and target.startswith("/") else None


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = authenticate(g.db.session, form.name.data, form.password.data)
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next"))
                            or url_for(HOME_BY_ROLE.get(user.role, "display.index")))
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
    resp = redirect(_safe_next(request.args.get("next")) or url_for("display.index"))
    resp.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    if current_user.is_authenticated and current_user.language != code:
        current_user.language = code  # per person: follows the judge to another tablet
        g.db.session.commit()
    return resp


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    return redirect(url_for("auth.login"))
