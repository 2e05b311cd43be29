"""The projector page: scenes from the screen's playlist, or the live run and its ranking."""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template
from flask_babel import gettext as _
from sqlalchemy import select

from scoreboard.models import Category, Event
from scoreboard.services.display import SCREEN

bp = Blueprint("display", __name__)


def _texts() -> dict[str, str]:
    """What display.js writes on screen, in the page's language."""
    return {
        "armed": _("Bersiap"), "running": _("Berjalan"), "finished": _("Selesai"),
        "timeout": _("Waktu habis"), "dnf": _("Tidak selesai (DNF)"),
        "dsq": _("Diskualifikasi"), "review": _("Ditinjau juri"), "ranking": _("Peringkat"),
        "bracket": _("Bagan pertandingan"), "match": _("Pertandingan"),
        "callup": _("Bersiap di lintasan"), "unavailable": _("Belum tersedia"),
        "empty": _("Belum ada data"),
    }


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
    return render_template("display/index.html", event=event, screen=screen, texts=_texts(),
                           categories=[{"slug": c.slug, "name": c.name, "format": c.format}
                                       for c in categories])
