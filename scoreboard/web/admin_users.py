"""`/admin/pengguna`: the admin creates accounts, resets passwords, (de)activates them and
assigns judges to judged categories. Every form carries a CSRF token; a bad one changes
nothing and the page says which field is wrong."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

from scoreboard.config import ROLES_USER
from scoreboard.errors import KejurdaError
from scoreboard.models import Category, User
from scoreboard.services import accounts, people
from scoreboard.web.access import role_required

bp = Blueprint("admin_users", __name__, url_prefix="/admin/pengguna")
ROLE_NAMES = {"admin": _l("Admin"), "head_judge": _l("Ketua juri"), "judge": _l("Juri"),
              "timekeeper": _l("Pencatat waktu / wasit"),
              "inspector": _l("Pemeriksa teknis")}
PASSWORD_RULE = Length(min=accounts.MIN_PASSWORD, max=200,
                       message=_l("Kata sandi minimal 10 karakter."))


def not_common(_form, field) -> None:
    """A password from the bundled list of common ones is refused at its field."""
    if accounts.password_problem(field.data or "") and len(field.data or "") >= accounts.MIN_PASSWORD:
        raise ValidationError(_l("Kata sandi ini terlalu umum; pilih yang lain."))


class CreateForm(FlaskForm):
    name = StringField(_l("Nama pengguna"), validators=[
        DataRequired(_l("Nama pengguna wajib diisi.")), Length(max=64),
        Regexp(r"^\S+$", message=_l("Nama pengguna tanpa spasi."))])
    role = SelectField(_l("Peran"), choices=[(r, ROLE_NAMES[r]) for r in ROLES_USER])
    password = PasswordField(_l("Kata sandi"), validators=[
        DataRequired(_l("Kata sandi wajib diisi.")), PASSWORD_RULE, not_common])


class PasswordForm(FlaskForm):
    password = PasswordField(_l("Kata sandi baru"), validators=[
        DataRequired(_l("Kata sandi wajib diisi.")), PASSWORD_RULE, not_common])


class ActiveForm(FlaskForm):
    active = SelectField(choices=[("1", "1"), ("0", "0")])


class AssignForm(FlaskForm):
    categories = SelectMultipleField(_l("Kategori"), coerce=int, validate_choice=True)


def _judged(session) -> list[Category]:
    return list(session.scalars(select(Category).where(Category.format == "judged")
                                .order_by(Category.id)).all())


def _page(create: CreateForm | None = None, status: int = 200):
    session = g.db.session
    users = session.scalars(select(User).order_by(User.name)).all()
    judged = _judged(session)
    assigned = {u.id: people.assignments(session, u) for u in users}
    return render_template("admin/users.html", users=users, judged=judged, assigned=assigned,
                           create=create or CreateForm(), role_names=ROLE_NAMES,
                           password_form=PasswordForm(), active_form=ActiveForm(),
                           assign_form=AssignForm()), status


def _fail(form: FlaskForm) -> None:
    for field in form:
        for error in field.errors:
            flash(f"{field.label.text}: {error}" if field.label.text else str(error), "error")
    if form.errors.get("csrf_token"):
        flash(_("Formulir tidak valid atau kedaluwarsa; silakan coba lagi."), "error")


@bp.get("/")
@role_required("admin")
def index():
    return _page()


@bp.post("/")
@role_required("admin")
def create():
    form = CreateForm()
    if not form.validate_on_submit():
        _fail(form)
        return _page(form, 422)
    try:
        people.create(g.db.session, f"user:{current_user.name}", form.role.data,
                      form.name.data, form.password.data)
    except KejurdaError as exc:
        g.db.session.rollback()
        if exc.status != 409:
            flash(_("Kata sandi ini terlalu umum; pilih yang lain."), "error")
            return _page(form, exc.status)
        flash(_("Nama pengguna: %(name)s sudah dipakai.", name=form.name.data), "error")
        return _page(form, 409)
    flash(_("Pengguna %(name)s dibuat.", name=form.name.data), "ok")
    return redirect(url_for(".index"))


def _apply(form: FlaskForm, action) -> tuple:
    if not form.validate_on_submit():
        _fail(form)
        return _page(status=422)
    try:
        action()
    except KejurdaError as exc:
        g.db.session.rollback()
        flash(exc.message, "error")
        return _page(status=exc.status)
    flash(_("Perubahan disimpan."), "ok")
    return redirect(url_for(".index"))


@bp.post("/<int:user_id>/sandi")
@role_required("admin")
def reset_password(user_id: int):
    form = PasswordForm()
    return _apply(form, lambda: people.reset_password(
        g.db.session, f"user:{current_user.name}", user_id, form.password.data))


@bp.post("/<int:user_id>/aktif")
@role_required("admin")
def set_active(user_id: int):
    form = ActiveForm()
    return _apply(form, lambda: people.set_active(
        g.db.session, f"user:{current_user.name}", user_id, form.active.data == "1",
        current_user.id))


@bp.post("/<int:user_id>/kategori")
@role_required("admin")
def assign(user_id: int):
    form = AssignForm()
    form.categories.choices = [(c.id, c.name) for c in _judged(g.db.session)]
    return _apply(form, lambda: people.assign(
        g.db.session, f"user:{current_user.name}", user_id, form.categories.data or []))
