"""The projector page: the live run, its final time, the category ranking."""

from __future__ import annotations

import re

from flask import Blueprint, abort, g, render_template
from sqlalchemy import select

from scoreboard.models import Category, Event

bp = Blueprint("display", __name__)
SCREEN = re.compile(r"^[a-z0-9-]{1,32}$")


@bp.get("/")
def home():
    return index()


@bp.get("/display")
@bp.get("/display/<screen>")
def index(screen: str = "utama"):
    if not SCREEN.match(screen):
        abort(404)
    session = g.db.session
    event = session.scalar(select(Event).order_by(Event.id))
    categories = session.scalars(select(Category).order_by(Category.id)).all()
    return render_template("display/index.html", event=event, screen=screen,
                           categories=[{"slug": c.slug, "name": c.name, "format": c.format}
                                       for c in categories])
