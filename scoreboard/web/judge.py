"""The judges' pages: the tablet (`/juri`) and the head
judge's desk (`/juri/ketua`): each category's sheets, history per team, lock/publish."""

from __future__ import annotations

import re
import secrets

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from scoreboard import refusals
from scoreboard.errors import KejurdaError
from scoreboard.services import scores
from scoreboard.web.access import role_required

bp = Blueprint("judge", __name__, url_prefix="/juri")
NUMBER = re.compile(r"^-?\d{1,9}$")
STATE_NAMES = {"open": _l("Terbuka"), "locked": _l("Dikunci"), "published": _l("Diumumkan")}


@bp.get("")  # exactly /juri, the address judges are given
@role_required("judge", "head_judge")
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
        flash(refusals.explain(exc.message)["message"], "error")
        return redirect(url_for(".head")), 303
    flash(_("Status kategori disimpan."), "ok")
    return redirect(url_for(".head")), 303


@bp.get("/ketua/<slug>/riwayat")
@role_required("head_judge")
def history(slug: str):
    session = g.db.session
    try:
        data = scores.history(session, slug, request.args.get("tim"))
        criteria = scores.rubric_rules(scores.judged_category(session, slug)).criteria
    except KejurdaError as exc:
        abort(exc.status, exc.message)
    latest = {v["judge"]: v for v in data["versions"]}
    # one key per form, made when the page is drawn: sending the same form twice stores once
    keys = {judge: "koreksi-" + secrets.token_hex(12) for judge in latest}
    return render_template("judge/history.html", history=data, latest=list(latest.values()),
                           criteria=criteria, keys=keys, form=FlaskForm(), slug=slug)


def _number_or_text(value: str) -> int | str:
    value = value.strip()
    return int(value) if NUMBER.match(value) else value


@bp.post("/ketua/<slug>/koreksi")
@role_required("head_judge")
def correct(slug: str):
    """The head judge corrects a judge's sheet: a new version with a reason."""
    team = request.form.get("team", "")
    back = url_for(".history", slug=slug, tim=team)
    if not FlaskForm().validate_on_submit():
        flash(_("Formulir tidak valid atau kedaluwarsa; silakan coba lagi."), "error")
        return redirect(back), 303
    base = request.form.get("base_version", "")
    data = {"team": team, "judge": request.form.get("judge"),
            "scores": {k[6:]: _number_or_text(v) for k, v in request.form.items()
                       if k.startswith("score-") and v.strip()},
            "comment": request.form.get("comment", ""),
            "reason": request.form.get("reason") or None,
            "idempotency_key": request.form.get("idempotency_key"),
            "base_version": int(base) if base.isascii() and base.isdigit() else base}
    try:
        body, _created = scores.submit_sheet(g.db.session, slug, data, current_user,
                                             f"user:{current_user.name}", current_user.role)
    except KejurdaError as exc:
        g.db.session.rollback()
        flash(refusals.explain(exc.message)["message"], "error")
        return redirect(back), 303
    flash(_("Koreksi tersimpan (versi %(version)s).", version=body["version"]), "ok")
    return redirect(back), 303
