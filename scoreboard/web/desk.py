"""The timekeeper's desk: choose category and team, arm, watch the clock, abort."""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template
from flask_login import current_user, login_required
from sqlalchemy import select

from scoreboard.models import Category, Team

bp = Blueprint("desk", __name__, url_prefix="/desk")


@bp.get("/")
@login_required
def index():
    if current_user.role not in ("timekeeper", "admin"):
        abort(403)
    session = g.db.session
    categories = session.scalars(select(Category).where(Category.format == "timed")
                                 .order_by(Category.id)).all()
    teams = session.scalars(select(Team).order_by(Team.code)).all()
    by_category: dict[str, list[dict]] = {c.slug: [] for c in categories}
    slugs = {c.id: c.slug for c in categories}
    for t in teams:
        if t.category_id in slugs:
            by_category[slugs[t.category_id]].append({"code": t.code, "name": t.name})
    return render_template("desk/index.html", categories=categories, teams=by_category)
