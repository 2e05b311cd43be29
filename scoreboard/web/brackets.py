"""Bracket pages: the admin's draw (generate, preview, re-seed, publish) and the public bracket.

`/admin/bagan/<slug>` is for admins; `/kategori/<slug>/bagan` is public, phone-friendly and
follows `/live` (`bracket` and `match` events) by fetching its own fragment again, so the
page is rendered in one place only (the server).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import TextAreaField
from wtforms.validators import Length

from scoreboard.errors import KejurdaError, NotFound
from scoreboard.models import Category
from scoreboard.services import matches, rounds
from scoreboard.services.matches_state import bracket_dict, load_view
from scoreboard.web.access import role_required

bp = Blueprint("brackets", __name__)


class ActionForm(FlaskForm):
    """A button that changes the draw: only its CSRF token."""


class SeedForm(FlaskForm):
    seeded = TextAreaField("Urutan unggulan", validators=[Length(max=20_000)])


def _view_or_404(slug: str):
    try:
        return load_view(g.db.session, slug)
    except NotFound:
        abort(404)
    except KejurdaError:  # not a match category (or its options are wrong)
        abort(404)


def sections(state: dict[str, Any]) -> list[dict[str, Any]]:
    """The matches laid out for the page: one section per part, one column per round."""
    by_part: dict[Any, list[dict[str, Any]]] = {}
    for match in state["matches"]:
        by_part.setdefault(match["group"], []).append(match)
    out = []
    for part, part_matches in by_part.items():
        columns: dict[str, list[dict[str, Any]]] = {}
        for match in part_matches:
            columns.setdefault(rounds.round_name(match["round_key"]), []).append(match)
        title = (_("Babak gugur") if part == "knockout" else
                 _("Grup %(name)s", name=part) if part else None)
        out.append({"title": title, "name": part,
                    "table": state["standings"].get(part or "", []),
                    "columns": [{"title": t, "matches": ms} for t, ms in columns.items()]})
    return out


def _render_state(state: dict[str, Any], template: str, **extra: Any):
    return render_template(template, state=state, sections=sections(state),
                           names=state["teams"], **extra)


@bp.get("/kategori/<slug>/bagan")
def public(slug: str):
    state = bracket_dict(_view_or_404(slug))
    if request.args.get("bagian"):
        return _render_state(state, "brackets/_state.html")
    return _render_state(state, "brackets/public.html")


@bp.get("/admin/bagan")
@role_required()
def admin_index():
    rows = g.db.session.scalars(select(Category).where(Category.format == "match")
                                .order_by(Category.id)).all()
    states = []
    for category in rows:
        try:
            states.append(bracket_dict(load_view(g.db.session, category.slug),
                                       include_draft=True))
        except KejurdaError as exc:
            states.append({"category": category.slug, "name": category.name,
                           "status": "error", "error": exc.message, "matches": []})
    return render_template("brackets/admin_index.html", states=states)


@bp.get("/admin/bagan/<slug>")
@role_required()
def admin(slug: str):
    view = _view_or_404(slug)
    state = bracket_dict(view, include_draft=True)
    form = SeedForm(seeded="\n".join(state["seeded"] or sorted(state["teams"])))
    return _render_state(state, "brackets/admin.html", form=form, action=ActionForm(),
                         has_results=any(view.records.values()))


def _act(slug: str, form: FlaskForm, change, done: str):
    """Run one draw change; any refusal is flashed and the draw stays as it was."""
    if not form.validate_on_submit():
        flash(_("Formulir tidak valid atau kedaluwarsa; silakan coba lagi."), "error")
        return redirect(url_for("brackets.admin", slug=slug)), 303
    try:
        change()
    except NotFound:
        abort(404)
    except KejurdaError as exc:
        g.db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("brackets.admin", slug=slug)), 303
    flash(done, "ok")
    return redirect(url_for("brackets.admin", slug=slug)), 303


def _actor() -> str:
    from flask_login import current_user

    return f"user:{current_user.name}"


@bp.post("/admin/bagan/<slug>/undian")
@role_required()
def generate(slug: str):
    return _act(slug, ActionForm(), lambda: matches.generate_draw(g.db.session, slug, _actor()),
                _("Undian dibuat. Periksa, lalu terbitkan."))


@bp.post("/admin/bagan/<slug>/unggulan")
@role_required()
def reseed(slug: str):
    form = SeedForm()
    order = [line.strip() for line in (form.seeded.data or "").splitlines() if line.strip()]
    return _act(slug, form, lambda: matches.reseed(g.db.session, slug, order, _actor()),
                _("Urutan unggulan disimpan. Periksa, lalu terbitkan."))


@bp.post("/admin/bagan/<slug>/terbitkan")
@role_required()
def publish(slug: str):
    return _act(slug, ActionForm(), lambda: matches.publish_draw(g.db.session, slug, _actor()),
                _("Bagan diterbitkan."))


@bp.get("/wasit/<slug>")
@role_required(*matches.RESULT_ROLES)
def referee(slug: str):
    """The referee's sheet: every match that can be entered or corrected now."""
    state = bracket_dict(_view_or_404(slug))
    playable = [m for m in state["matches"] if m["status"] in ("ready", "done")
                or m["warnings"]]
    return render_template("brackets/referee.html", state=state, playable=playable,
                           names=state["teams"])
