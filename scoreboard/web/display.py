"""The projector page: scenes from the screen's playlist, or the live run and its ranking."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from scoreboard.errors import KejurdaError
from scoreboard.models import Category, Event, Track
from scoreboard.services import display, results
from scoreboard.services.display import SCREEN
from scoreboard.services.matches_state import load_view
from scoreboard.web.access import role_required
from scoreboard.web.display_bracket import board as bracket_board

bp = Blueprint("display", __name__)


def _texts() -> dict[str, str]:
    """What display.js writes on screen, in the page's language."""
    return {
        "armed": _("Bersiap"), "running": _("Berjalan"), "finished": _("Selesai"),
        "timeout": _("Waktu habis"), "dnf": _("Tidak selesai (DNF)"),
        "dsq": _("Diskualifikasi"), "review": _("Ditinjau juri"), "ranking": _("Peringkat"),
        "bracket": _("Bagan pertandingan"), "match": _("Pertandingan"),
        "callup": _("Bersiap di lintasan"), "unavailable": _("Belum tersedia"),
        "empty": _("Belum ada data"), "results": results.live_texts(),
        "team": _("Tim"), "rank": _("Pkt"), "page": _("Halaman %(n)s/%(m)s", n="{n}", m="{m}"),
        "track": _("Lintasan"), "ready": _("Bersiap"), "next": _("Berikutnya"),
        "medals": _("Juara umum"), "inspection": _("Belum lolos pemeriksaan teknis"),
        "points": _("poin"), "gold": _("Emas"), "silver": _("Perak"),
        "bronze": _("Perunggu"), "inspect": {"not_inspected": _("Belum diperiksa"),
                                         "failed": _("Tidak lolos")},
        "matchStatus": {"pending": _("menunggu"), "ready": _("siap"), "done": _("selesai"),
                        "bye": _("bye"), "empty": _("kosong"), "skipped": _("tidak perlu")},
    }


@bp.get("/display")
@bp.get("/display/<screen>")
def index(screen: str = "utama"):
    if not SCREEN.match(screen):
        abort(404)
    session = g.db.session
    event = session.scalar(select(Event).order_by(Event.id))
    categories = session.scalars(select(Category).order_by(Category.id)).all()
    tracks = dict(session.execute(select(Track.slug, Track.name).order_by(Track.id)).all())
    return render_template("display/index.html", event=event, screen=screen, texts=_texts(),
                           categories=[{"slug": c.slug, "name": c.name, "format": c.format}
                                       for c in categories], tracks=tracks,
                           live_max_s=current_app.config.get("KEJURDA_DISPLAY_LIVE_MAX_S", 60))


@bp.get("/display/bagan/<slug>")
def bracket(slug: str):
    """The bracket scene's body (an HTML fragment display.js asks for and draws lines on)."""
    try:
        view = load_view(g.db.session, slug)
    except KejurdaError:  # unknown, or not a match category: the scene says "Belum tersedia"
        abort(404)
    return render_template("display/_bracket.html", board=bracket_board(view))


class PlaylistForm(FlaskForm):
    screen = StringField("Layar", validators=[DataRequired(), Length(max=32)])
    lines = TextAreaField("Adegan", validators=[Length(max=20000)])


def _parse(lines: str) -> list[dict]:
    """One scene a line: `scene | seconds | category, arena, text or slide number` (the last
    two optional)."""
    scenes = []
    for line in lines.splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|", 2)] + ["", ""]
        kind, seconds, rest = parts[0], parts[1], parts[2]
        item: dict = {"scene": kind}
        if seconds:
            item["seconds"] = int(seconds) if seconds.isascii() and seconds.isdigit() else seconds
        if rest:
            key = {"announcement": "text", "callup": "arena", "slide": "slide"}.get(kind,
                                                                                 "category")
            item[key] = int(rest) if key == "slide" and rest.isascii() and rest.isdigit() \
                else rest
        scenes.append(item)
    return scenes


def _lines(playlist: list[dict]) -> str:
    return "\n".join(" | ".join(str(v) for v in (s["scene"], s["seconds"],
                                                  s.get("category") or s.get("arena")
                                                  or s.get("text") or s.get("slide"))
                                    if v is not None)
                     for s in playlist)


@bp.route("/admin/layar", methods=["GET", "POST"])
@role_required()
def admin():
    """The admin sets each screen's playlist; screens follow at once over /live."""
    session = g.db.session
    form = PlaylistForm()
    status = 200
    if form.validate_on_submit():
        try:
            display.set_playlist(session, form.screen.data, _parse(form.lines.data or ""),
                                 f"user:{current_user.name}")
            flash(_("Daftar putar layar disimpan."), "ok")
            return redirect(url_for("display.admin", layar=form.screen.data))
        except KejurdaError as exc:
            session.rollback()
            flash(exc.message, "error")
            status = 422
    elif request.method == "POST":
        flash(_("Formulir tidak valid atau kedaluwarsa; silakan coba lagi."), "error")
        status = 400
    else:
        screen = request.args.get("layar", "utama")
        form.screen.data = screen if SCREEN.match(screen) else "utama"
        form.lines.data = _lines(display.get_screen(session, form.screen.data)["playlist"])
    return render_template("display/admin.html", form=form,
                           screens=display.list_screens(session), scenes=list(display.SCENES),
                           categories=session.scalars(select(Category).order_by(Category.id))
                           .all()), status
