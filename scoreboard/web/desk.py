"""The timekeeper's desk: one track at a time (its name on top), the next team of that
track's call-up queue, each team's attempts used and left, arm, watch the clock, and
DNF/DSQ only after a confirmation with a reason."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request
from sqlalchemy import func, select

from scoreboard.models import Category, Run, Team, Track
from scoreboard.services.category_config import category_config
from scoreboard.web.access import role_required

bp = Blueprint("desk", __name__, url_prefix="/desk")


@bp.get("/")
@role_required("timekeeper")
def index():
    session = g.db.session
    categories = session.scalars(select(Category).where(Category.format == "timed")
                                 .order_by(Category.id)).all()
    tracks = session.scalars(select(Track).order_by(Track.id)).all()
    used = {(cid, tid): n for cid, tid, n in session.execute(
        select(Run.category_id, Run.team_id, func.count(Run.id))
        .group_by(Run.category_id, Run.team_id)).all()}
    teams = session.scalars(select(Team).order_by(Team.code)).all()
    by_category: dict[str, list[dict]] = {c.slug: [] for c in categories}
    slugs = {c.id: c.slug for c in categories}
    for t in teams:
        if t.category_id in slugs:
            by_category[slugs[t.category_id]].append(
                {"code": t.code, "name": t.name, "used": used.get((t.category_id, t.id), 0)})
    # each penalty's seconds, as the event file gives them (shown on its button)
    penalties = {c.slug: {p.key: p.added_us // 1_000_000 for p in category_config(c).timed.penalties}
                 for c in categories}
    attempts = {c.slug: category_config(c).timed.attempts for c in categories}
    timed_tracks = [t for t in tracks if any(c.track_id == t.id for c in categories)]
    wanted = request.args.get("lintasan")
    track = next((t for t in timed_tracks if t.slug == wanted),
                 timed_tracks[0] if timed_tracks else None)
    return render_template("desk/index.html", categories=categories, teams=by_category,
                           penalties=penalties, attempts=attempts, tracks=timed_tracks,
                           track=track)
