"""Public pages for phones: categories, a category's ranking, a team. No login anywhere."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, abort, g, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from scoreboard.errors import NotFound
from scoreboard.models import Category, Run, Team
from scoreboard.services import results
from scoreboard.services.privacy import members_public
from scoreboard.services.ranking import category_ranking
from scoreboard.services.result_card import card_facts
from scoreboard.services.result_card import render as render_card
from scoreboard.services.runs import run_dict

bp = Blueprint("public", __name__)
STATUSES = ("armed", "running", "finished", "timeout", "dnf", "dsq", "review", "not_started",
            "champion", "placed", "out", "in_play", "complete", "incomplete", "not_scored")


@bp.get("/kategori")
def categories():
    rows = g.db.session.scalars(select(Category).order_by(Category.id)).all()
    return render_template("public/categories.html", categories=rows)


@bp.get("/kategori/<slug>")
def ranking(slug: str):
    category = g.db.session.scalar(select(Category).where(Category.slug == slug))
    if category is None:
        abort(404)
    return render_template("public/ranking.html", category=category, status_labels=_labels(),
                           ranking=category_ranking(g.db.session, slug))


@bp.get("/tim/<code>")
def team(code: str):
    session = g.db.session
    row = session.scalar(select(Team).where(Team.code == code[:64]))
    if row is None:
        abort(404)
    try:
        entries = category_ranking(session, row.category.slug)["entries"]
    except NotFound:
        abort(404)
    entry = next((e for e in entries if e["team"] == row.code), None)
    runs = session.scalars(select(Run).where(Run.team_id == row.id).order_by(Run.attempt)).all()
    # pupils' names only where the event file allows it (docs/privacy.md)
    members = list(row.members or []) if members_public(session) else []
    return render_template("public/team.html", team=row, entry=entry, status_labels=_labels(),
                           runs=[run_dict(r) for r in runs], members=members,
                           share=share_link(row))


def _labels() -> dict[str, str]:
    """Status names in the page's language, for the live updates in public.js."""
    return {s: results.status_label(s) for s in STATUSES}


@bp.app_template_filter("time_us")
def time_us(us: int | None) -> str:
    """µs → "12.345" (truncated) in templates; "—" when there is no time."""
    return results.fmt_us(us) or "—"


@bp.app_template_filter("status_label")
def status_label(status: str) -> str:
    return results.status_label(status)


@bp.get("/tim/<code>/kartu.png")
def result_card(code: str):
    """The team's result as a picture to share (WhatsApp, Instagram)."""
    try:
        facts = card_facts(g.db.session, code)
    except NotFound:
        abort(404)
    return Response(render_card(facts), mimetype="image/png",
                    headers={"Cache-Control": "public, max-age=30"})


def share_link(team: Team) -> str:
    """A WhatsApp share link whose message carries the team's result card and page (the app's
    own scheme: it opens WhatsApp on the phone and needs no outside web page)."""
    page = url_for("public.team", code=team.code, _external=True)
    card = url_for("public.result_card", code=team.code, _external=True)
    text = _("Hasil %(team)s di %(category)s: %(page)s (kartu: %(card)s)", team=team.name,
             category=team.category.name, page=page, card=card)
    return "whatsapp://send?text=" + quote(text)
