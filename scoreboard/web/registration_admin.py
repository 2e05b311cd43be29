"""Organisers' pages: review registrations (`/admin/pendaftaran`), export and import,
and the check-in desk (`/admin/daftar-ulang`). The call-up queues are web/callup.py."""

from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from scoreboard.errors import KejurdaError, LoadError
from scoreboard.models import Registration, Team
from scoreboard.services import registration as service
from scoreboard.services import registration_changes as changes
from scoreboard.services import registration_export as export
from scoreboard.web.access import role_required
from scoreboard.web.registration import upload_dir
from scoreboard.web.registration_forms import (
    CHANGE_LABELS,
    STATUS_LABELS,
    CodeForm,
    DecisionForm,
    ImportForm,
    PaymentForm,
    ReviewForm,
    refusal_message,
)

bp = Blueprint("registration_admin", __name__, url_prefix="/admin")
FILTERS = ("status", "category", "payment", "q")
PAGE = 100  # rows per page: a championship has a thousand teams


@bp.errorhandler(KejurdaError)
def _refused(exc: KejurdaError):
    """An unknown registration or a refused action: its message, never a server error."""
    return render_template("registration/refused.html", message=exc.message), exc.status


def _expired() -> str:
    return _("Formulir tidak valid atau kedaluwarsa; silakan coba lagi.")


def _actor() -> str:
    return f"user:{current_user.name}"


def _filters() -> dict[str, str]:
    return {k: (request.args.get(k) or "").strip()[:100] for k in FILTERS}


def _page() -> int:
    value = request.args.get("halaman", "1")
    return int(value) if value.isascii() and value.isdigit() and 0 < int(value) < 10**6 else 1


def _list_page(status: int = 200, row_errors: dict | None = None, import_form=None):
    session = g.db.session
    filters = _filters()
    rows = export.search(session, filters["status"], filters["category"], filters["q"],
                         filters["payment"])
    pages = max(1, -(-len(rows) // PAGE))
    page = min(_page(), pages)
    counts = dict(session.execute(select(Registration.status, func.count(Registration.id))
                                  .group_by(Registration.status)).all())
    return render_template(
        "admin/pendaftaran.html", rows=rows[(page - 1) * PAGE: page * PAGE], found=len(rows),
        page=page, pages=pages, filters=filters, counts=counts,
        infos=service.categories(session), status_labels=STATUS_LABELS,
        review_form=ReviewForm(formdata=None), payment_form=PaymentForm(formdata=None),
        import_form=import_form or ImportForm(formdata=None), row_errors=row_errors or {},
        teams=session.scalar(select(func.count(Team.id)))), status


@bp.get("/pendaftaran")
@role_required("admin")
def registrations():
    return _list_page()


def _back() -> Response:
    args = {k: v for k, v in _filters().items() if v}
    if _page() > 1:
        args["halaman"] = _page()
    anchor = f"#r{request.view_args.get('reg_id', '')}"
    return redirect(url_for("registration_admin.registrations", **args) + anchor, 303)


@bp.post("/pendaftaran/<int:reg_id>/status")
@role_required("admin")
def review(reg_id: int):
    session = g.db.session
    form = ReviewForm()
    if not form.validate():
        return _list_page(400, {reg_id: _expired()})
    try:
        reg = service.review(session, reg_id, form.status.data or "", form.reason.data or "",
                             _actor())
    except KejurdaError as exc:
        session.rollback()
        key = getattr(exc, "key", None)
        message = refusal_message(key) if key else exc.message
        return _list_page(exc.status, {reg_id: message})
    flash(_("%(code)s: %(status)s.", code=reg.code, status=STATUS_LABELS[reg.status]), "info")
    return _back()


@bp.post("/pendaftaran/<int:reg_id>/pembayaran")
@role_required("admin")
def payment(reg_id: int):
    form = PaymentForm()
    if not form.validate():
        return _list_page(400, {reg_id: _expired()})
    service.set_payment_verified(g.db.session, reg_id, bool(form.verified.data), _actor())
    return _back()


@bp.get("/pendaftaran/<int:reg_id>/bukti")
@role_required("admin")
def proof(reg_id: int):
    reg = service.get(g.db.session, reg_id)
    try:
        path = service.proof_path(reg, upload_dir())
    except KejurdaError:
        abort(404)
    resp = send_file(path, mimetype=reg.proof_type, download_name=reg.proof_file)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Security-Policy"] = "sandbox"
    return resp


def _stamp() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M")


@bp.get("/pendaftaran/tim.csv")
@role_required("admin")
def export_csv():
    body = export.teams_csv(g.db.session)
    return Response(body, mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="tim-{_stamp()}.csv"'})


@bp.get("/pendaftaran/pendaftaran.xlsx")
@role_required("admin")
def export_xlsx():
    session = g.db.session
    f = _filters()
    body = export.registrations_xlsx(session, export.search(session, f["status"], f["category"],
                                                            f["q"], f["payment"]))
    return Response(body, mimetype="application/vnd.openxmlformats-officedocument."
                    "spreadsheetml.sheet", headers={
                        "Content-Disposition": f'attachment; filename="pendaftaran-{_stamp()}.xlsx"'})


@bp.post("/pendaftaran/impor")
@role_required("admin")
def import_csv():
    session = g.db.session
    form = ImportForm()
    upload = form.file.data
    if not form.validate() or upload is None or not getattr(upload, "filename", ""):
        form.file.errors = [_("Pilih berkas CSV tim.")]
        return _list_page(422, import_form=form)
    try:
        created, updated = export.import_csv(session, upload.stream.read(5 * 1024 * 1024),
                                             upload.filename)
    except LoadError as exc:
        form.file.errors = [exc.message]
        return _list_page(422, import_form=form)
    flash(_("Impor selesai: %(created)d tim baru, %(updated)d diperbarui.", created=created,
            updated=updated), "info")
    return redirect(url_for("registration_admin.registrations"), 303)


@bp.route("/daftar-ulang", methods=["GET", "POST"])
@role_required("timekeeper")
def checkin():
    """The check-in desk: scan the team's QR or type its code."""
    session = g.db.session
    form = CodeForm()
    result, status = None, 200
    if request.method == "POST":
        if form.validate():
            try:
                team, fresh = service.check_in(session, form.code.data, _actor())
                result = {"team": team, "fresh": fresh}
                form = CodeForm(formdata=None)
            except KejurdaError as exc:
                session.rollback()
                form.code.errors = [exc.message]
                status = exc.status
        else:
            status = 422
    recent = session.scalars(select(Team).where(Team.checked_in_at.is_not(None))
                             .order_by(Team.checked_in_at.desc()).limit(20)).all()
    done = session.scalar(select(func.count(Team.id)).where(Team.checked_in_at.is_not(None)))
    total = session.scalar(select(func.count(Team.id)))
    return render_template("admin/daftar_ulang.html", form=form, result=result, recent=recent,
                           done=done, total=total), status


def _changes_page(status: int = 200, errors: dict | None = None):
    return render_template("admin/perubahan.html", changes=changes.listing(g.db.session),
                           labels=CHANGE_LABELS, form=DecisionForm(formdata=None),
                           errors=errors or {}), status


@bp.get("/perubahan")
@role_required("admin")
def change_requests():
    """Teams' requests to change their name, school or members after approval."""
    return _changes_page()


@bp.post("/perubahan/<int:change_id>")
@role_required("admin")
def decide_change(change_id: int):
    session = g.db.session
    form = DecisionForm()
    if not form.validate():
        return _changes_page(400, {change_id: _expired()})
    try:
        change = changes.decide(session, change_id, form.decision.data == "approve", _actor(),
                                form.reason.data or "")
    except KejurdaError as exc:
        session.rollback()
        key = getattr(exc, "key", None)
        return _changes_page(exc.status, {change_id: refusal_message(key) if key
                                          else exc.message})
    flash(_("Permintaan %(code)s: %(status)s.", code=change.registration.code,
            status=_("disetujui") if change.status == "approved" else _("ditolak")), "info")
    return redirect(url_for("registration_admin.change_requests"), 303)
