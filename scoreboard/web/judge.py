"""The judges' pages: the tablet (`/juri`, rendered through auth.juri) and the head
judge's desk (`/juri/ketua`): each category's sheets, history per team, lock/publish."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from scoreboard.errors import KejurdaError
from scoreboard.services import scores
from scoreboard.web.access import role_required

bp = Blueprint("judge", __name__, url_prefix="/juri")
STATE_NAMES = {"open": _l("Terbuka"), "locked": _l("Dikunci"), "published": _l("Diumumkan")}


def tablet():
    """The judge's home: assigned categories, their rubric and teams (sheets come from the
    API on load, so the page and the server never disagree)."""
    session = g.db.session
    categories = []
    for category in scores.assigned_categories(session, current_user):
        data = scores.category_sheets(session, category.slug, current_user,
                                      current_user.role)
        data.pop("sheets")
        categories.append(data)
    return render_template("judge/tablet.html", categories=categories,
                           state_names=STATE_NAMES)


class StateForm(FlaskForm):
    state = SelectField(choices=[("open", "open"), ("locked", "locked"),
                                 ("published", "published")])
    version = IntegerField(validators=[InputRequired(), NumberRange(min=0)])
    reason = StringField(validators=[Optional(), Length(max=300)])
    category = HiddenField()


@bp.get("/ketua")
@role_required("head_judge")
def head():
    session = g.db.session
    overview = []
    for category in scores.assigned_categories(session, current_user):
        data = scores.category_sheets(session, category.slug, current_user, "head_judge")
        data["ranking"] = scores.judged_entries(session, category)
        overview.append(data)
    return render_template("judge/head.html", overview=overview, form=StateForm(),
                           state_names=STATE_NAMES)


@bp.post("/ketua/<slug>/status")
@role_required("head_judge")
def set_state(slug: str):
    form = StateForm()
    if not form.validate_on_submit():
        flash(_("Formulir tidak valid atau kedaluwarsa; silakan coba lagi."), "error")
        return redirect(url_for(".head")), 303
    try:
        scores.set_state(g.db.session, slug, form.state.data, form.version.data,
                         f"user:{current_user.name}", form.reason.data or None)
    except KejurdaError as exc:
        g.db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for(".head")), 303
    flash(_("Status kategori disimpan."), "ok")
    return redirect(url_for(".head")), 303


@bp.get("/ketua/<slug>/riwayat")
@role_required("head_judge")
def history(slug: str):
    try:
        data = scores.history(g.db.session, slug, request.args.get("tim"))
    except KejurdaError as exc:
        abort(exc.status, exc.message)
    return render_template("judge/history.html", history=data)
