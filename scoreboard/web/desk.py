"""The timekeeper's desk: choose category and team, arm, watch the clock, abort."""

from __future__ import annotations

from flask import Blueprint, g, render_template
from sqlalchemy import select

from scoreboard.models import Category, Team
from scoreboard.services.category_config import category_config
from scoreboard.web.access import role_required

bp = Blueprint("desk", __name__, url_prefix="/desk")


@bp.get("/")
@role_required("timekeeper")
def index():
    session = g.db.session
    categories = session.scalars(select(Category).where(Category.format == "timed")
                                 .order_by(Category.id)).all()
    teams = session.scalars(select(Team).order_by(Team.code)).all()
    by_category: dict[str, list[dict]] = {c.slug: [] for c in categories}
    slugs = {c.id: c.slug for c in categories}
    for t in teams:
        if t.category_id in slugs:
            by_category[slugs[t.category_id]].append({"code": t.code, "name": t.name})
    # each penalty's seconds, as the event file gives them (shown on its button)
    penalties = {c.slug: {p.key: p.added_us // 1_000_000 for p in category_config(c).timed.penalties}
                 for c in categories}
    return render_template("desk/index.html", categories=categories, teams=by_category,
                           penalties=penalties)
