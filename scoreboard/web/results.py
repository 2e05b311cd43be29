"""Results as files (CSV, XLSX, PDF sheet), bulk certificates and their verification page."""

from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    Response,
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
from sqlalchemy import select

from scoreboard.errors import KejurdaError, NotFound
from scoreboard.models import Category, ResultFinal, Team
from scoreboard.services import certificates, official_change, protests, publication, results
from scoreboard.web.access import role_required

bp = Blueprint("results", __name__)


def _results(slug: str) -> dict:
    try:
        return results.category_results(g.db.session, slug)
    except NotFound:
        abort(404)


def _file(body: bytes | str, mimetype: str, name: str) -> Response:
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/hasil")
def index():
    categories = g.db.session.scalars(select(Category).order_by(Category.id)).all()
    names_kept = {r.category_id for r in g.db.session.scalars(select(ResultFinal))}
    return render_template("results/index.html", categories=categories,
                           final=publication.final_categories(g.db.session),
                           names_kept=names_kept)


@bp.post("/hasil/<slug>/final")
@role_required("head_judge")
def make_final(slug: str):
    """The head judge (or an admin) makes a category's result official (as
    `POST /api/v1/categories/<slug>/finalise` does): its certificates carry the names on
    record now, whatever is edited later."""
    try:
        protests.finalise(g.db.session, slug, {}, f"user:{current_user.name}")
    except NotFound:
        abort(404)
    except KejurdaError as exc:  # e.g. a protest still open
        g.db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("results.index"), 303)
    flash(_("Hasil kategori disahkan; sertifikat memakai nama yang tercatat saat ini."), "ok")
    return redirect(url_for("results.index"), 303)


@bp.get("/hasil/<slug>.csv")
def csv(slug: str):
    return _file(results.to_csv(_results(slug)), "text/csv; charset=utf-8", f"hasil-{slug}.csv")


@bp.get("/hasil/<slug>.xlsx")
def xlsx(slug: str):
    return _file(results.to_xlsx(_results(slug)),
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 f"hasil-{slug}.xlsx")


@bp.get("/hasil/<slug>.pdf")
def pdf(slug: str):
    data = _results(slug)
    return _file(results.to_pdf(data, results.head_judges(g.db.session)), "application/pdf",
                 f"hasil-{slug}.pdf")


@bp.get("/hasil/sertifikat.pdf")
@role_required("head_judge")
def certificate_pdf():
    """Every participant's certificate in one PDF (or one category's with ?kategori=slug)."""
    slug = request.args.get("kategori") or None
    secret = current_app.config["SECRET_KEY"]
    try:
        people = certificates.participants(g.db.session, secret, slug)
    except NotFound:
        abort(404)
    body = certificates.render(people, certificates.event_name(g.db.session),
                               lambda s: url_for("results.verify", serial=s, _external=True))
    return _file(body, "application/pdf", f"sertifikat-{slug or 'semua'}.pdf")


@bp.get("/verifikasi/<serial>")
def verify(serial: str):
    if len(serial) > 64:  # longer than any serial; not even worth a look-up
        serial, person = serial[:64], None
    else:
        person = certificates.verify(g.db.session, current_app.config["SECRET_KEY"], serial)
    team = g.db.session.get(Team, int(serial.split("-", 1)[0])) if person else None
    changes = official_change.changes(g.db.session, team.category_id) if team else []
    return (render_template("results/verify.html", person=person, serial=serial,
                            changes=[dict(c, at=local_time(c["at"])) for c in changes]),
            200 if person else 404)


def local_time(moment: datetime) -> str:
    """A moment as the venue reads it: the server's local time, day first."""
    return moment.astimezone().strftime("%d-%m-%Y %H:%M")
