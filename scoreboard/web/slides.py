"""Sponsor and announcement slides: the admin's upload page and the image the projector
shows (services/slides.py keeps them)."""

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
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from scoreboard.errors import KejurdaError
from scoreboard.refusals import explain
from scoreboard.services import slides
from scoreboard.web.access import role_required
from scoreboard.web.registration import upload_dir

bp = Blueprint("slides", __name__)


class SlideForm(FlaskForm):
    title = StringField(_l("Judul (untuk daftar putar)"),
                        validators=[DataRequired(), Length(max=slides.TITLE_MAX)])
    image = FileField(_l("Gambar (PNG, JPEG atau WebP; 1920×1080 paling pas)"))


class DeleteForm(FlaskForm):
    """Only the CSRF token: deleting is a POST from the list."""


def max_bytes() -> int:
    return int(current_app.config["KEJURDA_UPLOAD_MAX_BYTES"])


@bp.get("/display/slide/<int:slide_id>")
def image(slide_id: int):
    """The slide's image, public like the projector that shows it."""
    try:
        row = slides.get(g.db.session, slide_id)
        path = slides.slide_path(row, upload_dir())
    except KejurdaError:
        abort(404)
    resp = send_file(path, mimetype=row.media_type, conditional=True, max_age=300)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


@bp.route("/admin/slide", methods=["GET", "POST"])
@role_required()
def admin():
    """Upload a slide, see every slide with the scene line that shows it, delete one."""
    session = g.db.session
    form = SlideForm()
    status = 200
    if form.validate_on_submit():
        upload = form.image.data
        try:
            row = slides.save_slide(
                session, upload.stream if upload and getattr(upload, "filename", "") else None,
                form.title.data, upload_dir(), max_bytes(), f"user:{current_user.name}")
            flash(_("Slide disimpan. Tambahkan baris %(line)s ke daftar putar layar.",
                    line=f"slide | 10 | {row.id}"), "ok")
            return redirect(url_for("slides.admin"), 303)
        except KejurdaError as exc:
            session.rollback()
            form.image.errors = [explain(exc.message)["message"]]
            status = exc.status
    elif request.method == "POST":
        if form.errors.get("csrf_token"):
            flash(_("Formulir tidak valid atau kedaluwarsa; silakan coba lagi."), "error")
        status = 400
    return render_template("display/slides.html", form=form, delete_form=DeleteForm(),
                           slides=slides.list_slides(session), max_bytes=max_bytes()), status


@bp.post("/admin/slide/<int:slide_id>/hapus")
@role_required()
def delete(slide_id: int):
    session = g.db.session
    if not DeleteForm().validate_on_submit():
        flash(_("Formulir tidak valid atau kedaluwarsa; silakan coba lagi."), "error")
        return redirect(url_for("slides.admin"), 303)
    try:
        slides.delete_slide(session, slide_id, upload_dir(), f"user:{current_user.name}")
        flash(_("Slide dihapus."), "ok")
    except KejurdaError as exc:
        session.rollback()
        flash(exc.message, "error")
    return redirect(url_for("slides.admin"), 303)
