"""The registration forms (WTForms): a message at each field, in Bahasa Indonesia first.

The field rules that need no database are here; level admission, team size, capacity,
deadline and duplicates come from judging.registration through the service, whose
refusals (`key`s) are turned into messages by `refusal_message`.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from judging import registration as rules
from judging.registration import Refusal, Status
from scoreboard.services.registration import CategoryInfo

LEVEL_CHOICES = [("SD", "SD/MI"), ("SMP", "SMP/MTs"), ("SMA", "SMA/SMK/MA"), ("UMUM", "Umum")]
MAX_MEMBERS = 20
MAX_MEMBER = 80


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _required(label) -> DataRequired:
    return DataRequired(message=_l("%(field)s wajib diisi.", field=label))


def _max(n: int) -> Length:
    return Length(max=n, message=_l("Paling banyak %(max)d karakter."))


class RegistrationForm(FlaskForm):
    """A team's registration (new, or changed through the private link)."""

    team_name = StringField(_l("Nama tim"), filters=[_strip],
                            validators=[_required(_l("Nama tim")), _max(120)])
    institution = StringField(_l("Sekolah / instansi"), filters=[_strip],
                              validators=[_required(_l("Sekolah / instansi")), _max(200)])
    npsn = StringField(_l("NPSN / NSM (8 angka, boleh kosong)"), filters=[_strip],
                       validators=[_max(20)])
    level = SelectField(_l("Jenjang"), choices=LEVEL_CHOICES, validate_choice=False)
    category = SelectField(_l("Kategori"), choices=[], validate_choice=False)
    robot_name = StringField(_l("Nama robot"), filters=[_strip],
                             validators=[_required(_l("Nama robot")), _max(120)])
    coach_name = StringField(_l("Nama pembina"), filters=[_strip],
                             validators=[_required(_l("Nama pembina")), _max(120)])
    coach_phone = StringField(_l("Nomor WhatsApp pembina"), filters=[_strip],
                              validators=[_max(30)])
    members = TextAreaField(_l("Anggota tim (satu nama per baris)"), validators=[_max(2000)])
    # UU PDP No. 27/2022: a child's data needs a parent's or guardian's consent (docs/privacy.md)
    consent = BooleanField(_l("Saya menyetujui peraturan lomba dan penggunaan data tim untuk "
                              "keperluan kejuaraan, dan orang tua/wali setiap anggota yang "
                              "belum berusia 18 tahun telah menyetujui data anaknya dipakai "
                              "untuk kejuaraan ini (UU PDP No. 27/2022)."))
    # a field people never see; bots fill every field they find
    website = StringField("Website")

    def __init__(self, *args, categories: list[CategoryInfo] = (), now=None,
                 locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.infos = {c.slug: c for c in categories}
        self.now = now
        self.locked = locked  # approved: category and level stay as they are
        self.category.choices = [(c.slug, c.name) for c in categories]

    def validate_npsn(self, field):
        try:
            field.data = rules.check_npsn(field.data or "")
        except Refusal:
            raise ValidationError(_("NPSN/NSM harus tepat 8 angka.")) from None

    def validate_coach_phone(self, field):
        try:
            field.data = rules.normalise_phone(field.data or "")
        except Refusal as exc:
            raise ValidationError(refusal_message(exc.key)) from None

    def validate_level(self, field):
        if field.data not in dict(LEVEL_CHOICES):
            raise ValidationError(_("Pilih jenjang."))

    def validate_category(self, field):
        info = self.infos.get(field.data)
        if info is None:
            raise ValidationError(_("Pilih kategori."))
        if self.locked:
            return
        level_known = self.level.data in dict(LEVEL_CHOICES)  # else the level says so
        if level_known and not rules.level_admits(info.levels, self.level.data):
            raise ValidationError(refusal_message("level_closed"))
        if self.now is not None and not info.is_open(self.now):
            raise ValidationError(refusal_message("closed"))

    def member_list(self) -> list[str]:
        return [line.strip() for line in (self.members.data or "").splitlines() if line.strip()]

    def validate_members(self, field):
        names = self.member_list()
        if not names:
            raise ValidationError(_("Tulis nama anggota tim, satu nama per baris."))
        if any(len(n) > MAX_MEMBER for n in names):
            raise ValidationError(_("Nama anggota paling banyak %(max)d karakter.",
                                    max=MAX_MEMBER))
        if any(";" in n for n in names):
            raise ValidationError(_("Nama anggota tidak boleh memuat tanda titik koma (;)."))
        if len(names) > MAX_MEMBERS:
            raise ValidationError(_("Paling banyak %(max)d anggota.", max=MAX_MEMBERS))
        info = self.infos.get(self.category.data)
        if info is not None:
            try:
                rules.check_members(names, info.size_min, info.size_max)
            except Refusal:
                raise ValidationError(size_message(info)) from None

    def validate_consent(self, field):
        if not field.data:
            raise ValidationError(_("Centang persetujuan untuk mendaftar."))

    def cleaned(self) -> dict:
        """The values the service stores (after a successful validate())."""
        return {"team_name": self.team_name.data, "institution": self.institution.data,
                "npsn": self.npsn.data, "level": self.level.data,
                "category": self.category.data, "robot_name": self.robot_name.data,
                "coach_name": self.coach_name.data, "coach_phone": self.coach_phone.data,
                "members": self.member_list(), "consent": bool(self.consent.data)}


def size_message(info: CategoryInfo) -> str:
    if info.size_max is None:
        return _("Kategori ini meminta paling sedikit %(min)d anggota.", min=info.size_min)
    if info.size_min == info.size_max:
        return _("Kategori ini meminta tepat %(min)d anggota.", min=info.size_min)
    return _("Kategori ini meminta %(min)d sampai %(max)d anggota.", min=info.size_min,
             max=info.size_max)


def refusal_message(key: str) -> str:
    """The page's message for a registration rule's refusal `key`."""
    messages = {
        "phone_required": _("Nomor WhatsApp pembina wajib diisi."),
        "phone_country": _("Gunakan nomor Indonesia (+62)."),
        "phone_format": _("Nomor WhatsApp tidak valid; contoh: 0812 3456 7890."),
        "npsn_format": _("NPSN/NSM harus tepat 8 angka."),
        "unknown_category": _("Pilih kategori."),
        "level_closed": _("Kategori ini tidak dibuka untuk jenjang yang dipilih."),
        "closed": _("Pendaftaran kategori ini sudah ditutup."),
        "duplicate": _("Tim dengan nama, sekolah, dan kategori yang sama sudah terdaftar."),
        "members_few": _("Jumlah anggota kurang dari yang diminta kategori ini."),
        "members_many": _("Jumlah anggota lebih dari yang diminta kategori ini."),
        "upload_empty": _("Pilih berkas bukti pembayaran."),
        "upload_large": _("Berkas terlalu besar."),
        "upload_type": _("Hanya gambar PNG, JPEG, WebP, atau berkas PDF."),
        "reason_required": _("Tulis alasannya."),
        "reason_long": _("Alasan paling banyak 300 karakter."),
        "members_locked": _("Tim sudah bertanding; anggota tim tidak dapat diubah lagi."),
    }
    return messages.get(key, _("Data tidak valid."))


class ProofForm(FlaskForm):
    """A payment proof (its content is checked by the service, not its name)."""

    proof = FileField(_l("Bukti pembayaran (gambar atau PDF)"))


CHANGE_LABELS = {"team_name": _l("Nama tim"), "institution": _l("Sekolah / instansi"),
                 "npsn": _l("NPSN / NSM"), "members": _l("Anggota tim")}


class DecisionForm(FlaskForm):
    """An admin's answer to a team's change request (approve or reject, with a reason)."""

    decision = SelectField(choices=[("approve", "approve"), ("reject", "reject")])
    reason = StringField(_l("Alasan (boleh kosong)"), filters=[_strip], validators=[_max(300)])


STATUS_LABELS = {Status.PENDING.value: _l("Menunggu"), Status.APPROVED.value: _l("Diterima"),
                 Status.WAITLISTED.value: _l("Daftar tunggu"),
                 Status.REJECTED.value: _l("Ditolak")}


class ReviewForm(FlaskForm):
    """An organiser's decision on one registration."""

    status = SelectField(_l("Status"), choices=list(STATUS_LABELS.items()), validate_choice=False)
    reason = StringField(_l("Alasan"), filters=[_strip], validators=[_max(300)])


class PaymentForm(FlaskForm):
    verified = BooleanField(_l("Pembayaran terverifikasi"))


class ImportForm(FlaskForm):
    file = FileField(_l("Berkas CSV tim"))


class CodeForm(FlaskForm):
    """A team or registration code typed (or scanned) at a desk."""

    code = StringField(_l("Kode tim atau kode pendaftaran"), filters=[_strip],
                       validators=[_required(_l("Kode")), _max(32)])
