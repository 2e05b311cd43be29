"""Public registration pages: the form (`/daftar`), the team's private page behind its
signed link (status, changes, payment proof, QR for check-in). The public team page
with runs and results is `public.team` (`/tim/<code>`).

Rate limits (Flask-Limiter, in memory, per client address, one limiter per app):
`KEJURDA_REGISTRATION_LIMIT` for new registrations and `KEJURDA_REGISTRATION_EDIT_LIMIT`
for changes and uploads; the forms themselves always open.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import segno
from flask import (
    Blueprint,
    Flask,
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
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import TooManyRequests

from judging.registration import Status, wa_me
from scoreboard.config import upload_dir as config_upload_dir
from scoreboard.errors import KejurdaError, NotFound
from scoreboard.extensions import csrf
from scoreboard.services import callup, certificates
from scoreboard.services import registration as service
from scoreboard.services import registration_changes as changes
from scoreboard.web.registration_forms import (
    CHANGE_LABELS,
    LEVEL_CHOICES,
    STATUS_LABELS,
    ProofForm,
    RegistrationForm,
    refusal_message,
)

bp = Blueprint("registration", __name__)
# The forms check their own CSRF token (FlaskForm), so a phone whose token went stale
# gets its form back with its data and a message instead of a bare 400 page.
csrf.exempt(bp)
DEFAULTS = {"KEJURDA_REGISTRATION_LIMIT": "20 per hour",
            "KEJURDA_REGISTRATION_EDIT_LIMIT": "60 per hour",
            "KEJURDA_UPLOAD_MAX_BYTES": 2 * 1024 * 1024,
            "KEJURDA_COMMITTEE_WHATSAPP": ""}


def upload_dir() -> Path:
    """The app's upload folder (scoreboard/config.py `upload_dir`)."""
    return config_upload_dir(current_app.config.get("KEJURDA_UPLOAD_DIR"))


@bp.errorhandler(TooManyRequests)
def _too_many(exc):
    return render_template("registration/too_many.html"), 429


def _attach_refusal(form: RegistrationForm, exc: KejurdaError) -> None:
    field = getattr(exc, "field", None)
    message = refusal_message(getattr(exc, "key", ""))
    target = getattr(form, field, None) if field else None
    if target is None:
        target = form.team_name
    target.errors = [*target.errors, message]


def _form_page(form: RegistrationForm, infos, status: int = 200, **extra):
    return render_template("registration/form.html", form=form, infos=infos,
                           levels=LEVEL_CHOICES, **extra), status


@bp.route("/daftar", methods=["GET", "POST"])
def register():
    session = g.db.session
    now = service.now_utc()
    infos = service.categories(session)
    form = RegistrationForm(categories=infos, now=now)
    if request.method == "GET":
        return _form_page(form, infos)
    if form.website.data:  # the honeypot: a bot; say nothing useful, store nothing
        form.form_errors.append(_("Formulir tidak dapat diproses."))
        return _form_page(form, infos, 400)
    if not form.validate():
        return _form_page(form, infos, 422)
    try:
        reg = service.submit(session, form.cleaned(), request.remote_addr or "", now)
    except KejurdaError as exc:
        session.rollback()
        _attach_refusal(form, exc)
        return _form_page(form, infos, 422 if exc.status == 422 else exc.status)
    if reg.status == Status.WAITLISTED.value:
        flash(_("Kategori sudah penuh: pendaftaran Anda masuk daftar tunggu."), "info")
    else:
        flash(_("Pendaftaran tersimpan. Simpan tautan halaman ini untuk mengubah data."), "info")
    token = service.edit_token(current_app.config["SECRET_KEY"], reg)
    return redirect(url_for("registration.team", token=token), 303)


def _registration(token: str):
    try:
        return service.by_token(g.db.session, current_app.config["SECRET_KEY"], token)
    except NotFound:
        abort(404)


def _qr_svg(text: str) -> str:
    return segno.make(text, error="m").svg_inline(scale=6, dark="#111", light="#fff", omitsize=True)


def _team_view(reg, form: RegistrationForm, proof_form: ProofForm, status: int = 200):
    session = g.db.session
    committee = current_app.config.get("KEJURDA_COMMITTEE_WHATSAPP") or ""
    wa_link = None
    if committee:
        text = _("Halo panitia, kode pendaftaran kami %(code)s (%(team)s).", code=reg.code,
                 team=reg.team_name)
        wa_link = f"https://wa.me/{wa_me(committee)}?text={quote(text)}"
    info = next(i for i in service.categories(session) if i.slug == reg.category.slug)
    team = reg.team
    runs = service.team_runs(session, team) if team is not None else []
    matches = service.team_matches(session, team) if team is not None else []
    return render_template(
        "registration/team.html", reg=reg, form=form, proof_form=proof_form,
        infos=service.categories(session), levels=LEVEL_CHOICES, status_labels=STATUS_LABELS,
        editable=info.is_open(service.now_utc()), wa_link=wa_link,
        qr=_qr_svg(reg.code) if team is not None else None, runs=runs, matches=matches,
        queues=callup.places_of(session, team) if team is not None else [],
        certificate=team is not None and certificates.team_has_competed(session, team),
        change=changes.pending(session, reg), change_labels=CHANGE_LABELS,
        token=request.view_args["token"]), status


@bp.route("/daftar/<token>", methods=["GET", "POST"])
def team(token: str):
    session = g.db.session
    reg = _registration(token)
    now = service.now_utc()
    infos = service.categories(session)
    locked = reg.status == Status.APPROVED.value
    if request.method == "GET":
        form = RegistrationForm(formdata=None, categories=infos, now=now, locked=locked,
                                data=_form_data(reg))
        return _team_view(reg, form, ProofForm(formdata=None))
    form = RegistrationForm(categories=infos, now=now, locked=locked)
    if locked:  # the team code belongs to the category and level: they stay
        form.category.data, form.level.data = reg.category.slug, reg.level
    if not form.validate():
        return _team_view(reg, form, ProofForm(formdata=None), 422)
    try:
        change = changes.update(session, reg, form.cleaned(), now)
    except KejurdaError as exc:
        session.rollback()
        _attach_refusal(form, exc)
        return _team_view(service.by_token(session, current_app.config["SECRET_KEY"], token),
                          form, ProofForm(formdata=None), exc.status)
    if change is not None:
        flash(_("Perubahan nama tim, sekolah, atau anggota dikirim ke panitia dan berlaku "
                "setelah disetujui."), "info")
    else:
        flash(_("Perubahan tersimpan."), "info")
    return redirect(url_for("registration.team", token=token), 303)


def _form_data(reg) -> dict:
    return {"team_name": reg.team_name, "institution": reg.institution, "npsn": reg.npsn,
            "level": reg.level, "category": reg.category.slug, "robot_name": reg.robot_name,
            "coach_name": reg.coach_name, "coach_phone": reg.coach_phone,
            "members": "\n".join(reg.members), "consent": reg.consent}


@bp.post("/daftar/<token>/bukti")
def proof(token: str):
    session = g.db.session
    reg = _registration(token)
    form = ProofForm()
    if not form.validate():
        flash(_("Formulir tidak valid atau kedaluwarsa; silakan coba lagi."), "error")
        return redirect(url_for("registration.team", token=token), 303)
    upload = form.proof.data
    try:
        if upload is None or not getattr(upload, "filename", ""):
            raise service.FieldRefused("proof", "upload_empty", "no file")
        service.save_proof(session, reg, upload.stream, upload_dir(),
                           int(current_app.config["KEJURDA_UPLOAD_MAX_BYTES"]))
    except service.FieldRefused as exc:
        session.rollback()
        form.proof.errors = [refusal_message(exc.key)]
        edit = RegistrationForm(formdata=None, categories=service.categories(session),
                                data=_form_data(reg), locked=reg.status == "approved")
        return _team_view(reg, edit, form, 422)
    flash(_("Bukti pembayaran terkirim; panitia akan memeriksanya."), "info")
    return redirect(url_for("registration.team", token=token), 303)


# after the routes: Blueprint.register runs these in the order they were recorded
@bp.record_once
def _setup(state) -> None:
    app: Flask = state.app
    for key, value in DEFAULTS.items():  # an app built without default_config()
        app.config.setdefault(key, value)
    limiter = Limiter(get_remote_address, app=app, storage_uri="memory://", default_limits=[],
                      key_prefix=f"kejurda-registration-{id(app)}")
    app.extensions["kejurda_registration_limiter"] = limiter
    new = limiter.limit(lambda: app.config["KEJURDA_REGISTRATION_LIMIT"], methods=["POST"])
    edit = limiter.shared_limit(lambda: app.config["KEJURDA_REGISTRATION_EDIT_LIMIT"],
                                scope="registration-edit", methods=["POST"])
    app.view_functions["registration.register"] = new(app.view_functions["registration.register"])
    for name in ("registration.team", "registration.proof"):
        app.view_functions[name] = edit(app.view_functions[name])


@bp.get("/daftar/<token>/sertifikat.pdf")
def certificate(token: str):
    """The team's own certificates (one page per member), once it has competed."""
    session = g.db.session
    team = _registration(token).team
    if team is None or not certificates.team_has_competed(session, team):
        abort(404, _("Sertifikat belum tersedia: tim belum bertanding."))
    people = certificates.participants(session, current_app.config["SECRET_KEY"],
                                       team.category.slug, team.code)
    body = certificates.render(people, certificates.event_name(session),
                               lambda s: url_for("results.verify", serial=s, _external=True))
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="sertifikat-{team.code}.pdf"'})
