"""Results as files (CSV, XLSX, PDF sheet), bulk certificates and their verification page."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select

from scoreboard.errors import NotFound
from scoreboard.models import Category
from scoreboard.services import certificates, publication, results
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
    return render_template("results/index.html", categories=categories,
                           final=publication.final_categories(g.db.session))


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
    person = certificates.verify(g.db.session, current_app.config["SECRET_KEY"], serial[:64])
    return (render_template("results/verify.html", person=person, serial=serial[:64]),
            200 if person else 404)
