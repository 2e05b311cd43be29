"""Referee pads: one match at a time on a tablet. Sumo: Yuko per side, the round clock,
rematch, time up, the judges' decision, undo. Soccer: goals per side and half, the half
clock, undo. The pad posts the bout to the match result API through the same kind of
offline queue as the judges' tablets (static/js/pad.js)."""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template
from flask_babel import gettext as _

from judging.categories import MatchKind
from scoreboard.errors import KejurdaError
from scoreboard.services import matches
from scoreboard.services.matches_state import bracket_dict, load_view, match_dict
from scoreboard.web.access import role_required

bp = Blueprint("pads", __name__, url_prefix="/wasit/pad")


@bp.get("/<slug>/<match_id>")
@role_required(*matches.RESULT_ROLES)
def pad(slug: str, match_id: str):
    try:
        view = load_view(g.db.session, slug)
        part, match = matches.find_match(view, match_id)
    except KejurdaError as exc:
        abort(404 if exc.status == 404 else 422, exc.message)
    config = view.config
    if config.kind not in (MatchKind.SUMO, MatchKind.SOCCER) or config.best_of != 1:
        abort(422, _("Pad wasit hanya untuk pertandingan sumo satu babak atau sepak bola."))
    data = match_dict(view, part, match)
    if config.kind is MatchKind.SUMO:
        rules = {"round_time_s": config.sumo.round_time_s, "max_rounds": config.sumo.max_rounds,
                 "yuko_to_win": config.sumo.yuko_to_win}
    else:
        rules = {"half_time_s": config.soccer.half_time_s}
    return render_template("pads/pad.html", match=data, kind=str(config.kind), rules=rules,
                           slug=slug, next_match=next_ready(bracket_dict(view)["matches"], match_id))


def next_ready(matches: list[dict], match_id: str) -> dict | None:
    """The next match waiting for its result after this one (in the draw's order), else the
    first one waiting before it: where the referee goes once this result is sent."""
    ready = [m for m in matches if m["status"] == "ready" and m["id"] != match_id]
    order = [m["id"] for m in matches]
    here = order.index(match_id) if match_id in order else -1
    later = [m for m in ready if order.index(m["id"]) > here]
    return (later or ready or [None])[0]
