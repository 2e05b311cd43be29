"""Stream overlays: pages for OBS's browser source, with a transparent background.

Four overlays, all sized for a 1920×1080 canvas and fed by the same `/live` events as the
projector: the live run as a lower third with its running clock, a ranking ticker of a
category, a match scoreboard bug, and who is next at each track or arena.
"""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template, request
from sqlalchemy import select

from scoreboard.models import Category, Event, Track
from scoreboard.services.results import live_texts, status_label
from scoreboard.web.public import STATUSES

bp = Blueprint("overlay", __name__, url_prefix="/overlay")
KINDS = {"lintasan": "run", "peringkat": "ranking", "pertandingan": "match",
         "berikutnya": "next"}


def _page(kind: str, **data):
    event = g.db.session.scalar(select(Event).order_by(Event.id))
    tracks = {t.slug: t.name for t in g.db.session.scalars(select(Track))}
    return render_template("overlay/overlay.html", kind=kind, event=event, tracks=tracks,
                           texts={**{s: status_label(s) for s in STATUSES},
                                  "results": live_texts()}, **data)


def _category(slug: str, fmt: str | None = None) -> Category:
    category = g.db.session.scalar(select(Category).where(Category.slug == slug))
    if category is None or (fmt is not None and category.format != fmt):
        abort(404)
    return category


@bp.get("/lintasan")
def run():
    """The live run as a lower third; `?track=slug` follows one track only."""
    track = request.args.get("track") or ""
    return _page("run", track=track[:64])


@bp.get("/peringkat/<slug>")
def ranking(slug: str):
    return _page("ranking", category=_category(slug))


@bp.get("/pertandingan/<slug>")
def match(slug: str):
    return _page("match", category=_category(slug, "match"))


@bp.get("/berikutnya")
def next_up():
    return _page("next")
