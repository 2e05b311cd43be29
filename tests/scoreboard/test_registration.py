"""The public form `/daftar` and the team's private page: validation at each field,
nothing stored unless all is valid, duplicates, honeypot, rate limit, deadline, capacity,
edits through the signed link and the payment proof."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from scoreboard.models import AuditRecord, Category, Registration, Team
from tests.scoreboard import registration_support as support
from tests.scoreboard.people import csrf_of
from tests.scoreboard.registration_support import (
    decide,
    field_errors,
    register,
    register_ok,
    registration,
    team_of,
)

reg_app, admin = support.reg_app, support.admin  # the fixtures

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_valid_registration_is_stored_once_normalised(reg_app, count):
    client = reg_app.test_client()
    assert client.get("/daftar").status_code == 200
    resp = register(client, team_name="  Tim Merapi  ")
    assert resp.status_code == 303
    reg = registration(reg_app)
    assert re.fullmatch(r"KJ-[2-9A-HJ-NP-Z]{6}", reg.code)
    assert (reg.status, reg.team_name, reg.institution, reg.npsn, reg.level, reg.robot_name,
            reg.coach_name, reg.coach_phone, reg.members, reg.consent, reg.team_id) == (
        "pending", "Tim Merapi", "SDN Sananwetan 1", "20512345", "SD", "Kilat", "Bu Sari",
        "+6281234567890", ["Ani", "Budi"], True, None)
    assert count(Registration) == 1 and count(Team) == 0
    assert count(AuditRecord, action="register", entity_id=reg.code) == 1
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert f'id="reg-code" class="code">{reg.code}<' in page
    assert 'data-status="pending"' in page and "<svg" not in page  # no QR before approval


def test_the_form_is_indonesian_and_lists_places_left(reg_app):
    page = reg_app.test_client().get("/daftar").get_data(as_text=True)
    assert '<html lang="id">' in page and 'name="csrf_token"' in page
    assert "Line Follower SD · sisa 3 tempat" in page
    assert "Line Follower SMP · sisa 1 tempat" in page
    assert 'data-levels="SMP,MTs"' in page
    assert "Robot Sumo SMA" in page and "sisa" not in page.split("Robot Sumo SMA")[1][:40]


BAD_FIELDS = [
    ("team_name", {"team_name": ""}, "Nama tim wajib diisi."),
    ("team_name", {"team_name": "   "}, "Nama tim wajib diisi."),
    ("team_name", {"team_name": "x" * 121}, "Paling banyak 120 karakter."),
    ("institution", {"institution": ""}, "Sekolah / instansi wajib diisi."),
    ("institution", {"institution": "s" * 201}, "Paling banyak 200 karakter."),
    ("npsn", {"npsn": "1234"}, "NPSN/NSM harus tepat 8 angka."),
    ("npsn", {"npsn": "2051234a"}, "NPSN/NSM harus tepat 8 angka."),
    ("npsn", {"npsn": "123456789"}, "NPSN/NSM harus tepat 8 angka."),
    ("level", {"level": "TK"}, "Pilih jenjang."),
    ("category", {"category": ""}, "Pilih kategori."),
    ("category", {"category": "tidak-ada"}, "Pilih kategori."),
    ("category", {"category": "lf-smp"}, "Kategori ini tidak dibuka untuk jenjang yang dipilih."),
    ("category", {"category": "kreatif-umum"}, "Pendaftaran kategori ini sudah ditutup."),
    ("robot_name", {"robot_name": ""}, "Nama robot wajib diisi."),
    ("robot_name", {"robot_name": "r" * 121}, "Paling banyak 120 karakter."),
    ("coach_name", {"coach_name": ""}, "Nama pembina wajib diisi."),
    ("coach_phone", {"coach_phone": ""}, "Nomor WhatsApp pembina wajib diisi."),
    ("coach_phone", {"coach_phone": "+60 12 345 6789"}, "Gunakan nomor Indonesia (+62)."),
    ("coach_phone", {"coach_phone": "0341 123456"},
     "Nomor WhatsApp tidak valid; contoh: 0812 3456 7890."),
    ("coach_phone", {"coach_phone": "0812-ABCD-789"},
     "Nomor WhatsApp tidak valid; contoh: 0812 3456 7890."),
    ("members", {"members": ""}, "Tulis nama anggota tim, satu nama per baris."),
    ("members", {"members": " \n \n"}, "Tulis nama anggota tim, satu nama per baris."),
    ("members", {"members": "Ani\nBudi\nCitra"}, "Kategori ini meminta 1 sampai 2 anggota."),
    ("members", {"members": "Ani;Budi"}, "Nama anggota tidak boleh memuat tanda titik koma (;)."),
    ("members", {"members": "m" * 81}, "Nama anggota paling banyak 80 karakter."),
    ("members", {"level": "SMA", "category": "sumo-sma", "members": "Satu"},
     "Kategori ini meminta tepat 2 anggota."),
    ("members", {"level": "SMP", "category": "lf-smp", "members": "Satu"},
     "Kategori ini meminta 2 sampai 3 anggota."),
    ("consent", {"consent": ""}, "Centang persetujuan untuk mendaftar."),
]


@pytest.mark.parametrize("field, changes, message", BAD_FIELDS,
                         ids=[f"{f}-{i}" for i, (f, _, _) in enumerate(BAD_FIELDS)])
def test_a_bad_value_is_shown_at_its_field_and_nothing_is_stored(reg_app, snapshot, field,
                                                                 changes, message):
    before = snapshot()
    resp = register(reg_app.test_client(), **changes)
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert field_errors(page) == {field: [message]}
    assert 'id="form-has-errors"' in page
    assert snapshot() == before


def test_every_bad_field_at_once_gets_its_own_message(reg_app, count):
    resp = register(reg_app.test_client(), team_name="", npsn="12", coach_phone="12",
                    members="", consent="")
    assert field_errors(resp.get_data(as_text=True)) == {
        "team_name": ["Nama tim wajib diisi."], "npsn": ["NPSN/NSM harus tepat 8 angka."],
        "coach_phone": ["Nomor WhatsApp tidak valid; contoh: 0812 3456 7890."],
        "members": ["Tulis nama anggota tim, satu nama per baris."],
        "consent": ["Centang persetujuan untuk mendaftar."]}
    assert count(Registration) == 0


def test_the_form_keeps_what_was_typed(reg_app):
    page = register(reg_app.test_client(), npsn="12").get_data(as_text=True)
    assert 'value="Tim Merapi"' in page and 'value="+6281234567890"' in page
    assert '<option value="lf-sd" data-levels="SD" data-min="1" data-max="2" selected>' in page


def test_a_post_without_a_valid_csrf_token_stores_nothing(reg_app, count):
    from tests.scoreboard.registration_support import GOOD

    for token in ({"csrf_token": "palsu"}, {}):
        resp = reg_app.test_client().post("/daftar", data={**GOOD, **token})
        assert resp.status_code == 422 and count(Registration) == 0
        page = resp.get_data(as_text=True)
        assert "Formulir kedaluwarsa; periksa isian lalu kirim lagi." in page
        assert 'value="Tim Merapi"' in page  # what was typed comes back


def test_the_honeypot_stores_nothing(reg_app, snapshot):
    before = snapshot()
    resp = register(reg_app.test_client(), website="http://spam.example")
    assert resp.status_code == 400
    assert "Formulir tidak dapat diproses." in resp.get_data(as_text=True)
    assert snapshot() == before


@pytest.mark.parametrize("name, institution", [("Tim Merapi", "SDN Sananwetan 1"),
                                               ("tim  MERAPI!", "sdn sananwetan 1."),
                                               ])
def test_the_same_team_of_the_same_school_in_the_same_category_is_refused(reg_app, count,
                                                                         name, institution):
    register_ok(reg_app)
    resp = register(reg_app.test_client(), team_name=name, institution=institution)
    assert resp.status_code == 422
    assert field_errors(resp.get_data(as_text=True)) == {
        "team_name": ["Tim dengan nama, sekolah, dan kategori yang sama sudah terdaftar."]}
    assert count(Registration) == 1


def test_not_a_duplicate_in_another_category_or_school_or_once_rejected(reg_app, admin, count):
    register_ok(reg_app)
    register_ok(reg_app, institution="SDN Sananwetan 2")
    register_ok(reg_app, level="SMA", category="sumo-sma")  # another category
    assert count(Registration) == 3
    first = registration(reg_app, institution="SDN Sananwetan 1", level="SD")
    assert decide(admin, first.id, "rejected", "berkas palsu").status_code == 303
    register_ok(reg_app)
    assert count(Registration) == 4


def test_a_team_already_imported_by_csv_is_a_duplicate(reg_app, count):
    db = reg_app.extensions["kejurda_db"]
    with db.transaction() as session:
        cid = session.scalar(select(Category.id).where(Category.slug == "lf-sd"))
        session.add(Team(code="LF-SD-001", name="TIM MERAPI", institution="SDN Sananwetan 1",
                         category_id=cid, level="SD", members=["X"], contact=""))
    resp = register(reg_app.test_client())
    assert resp.status_code == 422 and count(Registration) == 0


def test_new_registrations_are_rate_limited_per_address(reg_app, count):
    reg_app.config["KEJURDA_REGISTRATION_LIMIT"] = "2 per hour"
    client = reg_app.test_client()
    assert register(client).status_code == 303
    assert register(client, npsn="1").status_code == 422  # a refused one counts too
    resp = register(client, team_name="Tim Ketiga")
    assert resp.status_code == 429
    assert "Terlalu banyak pendaftaran dari jaringan ini." in resp.get_data(as_text=True)
    assert count(Registration) == 1
    assert client.get("/daftar").status_code == 200  # the form still opens
    other = reg_app.test_client()
    resp = other.post("/daftar", data={"csrf_token": csrf_of(other, "/daftar"),
                                       **{"team_name": "x"}},
                      environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert resp.status_code == 422  # another address is not blocked


def _close(app, slug: str, when: str = "2020-01-01T00:00:00+07:00") -> None:
    with app.extensions["kejurda_db"].transaction() as session:
        cat = session.scalar(select(Category).where(Category.slug == slug))
        cat.options = {**cat.options, "registration_closes": when}


def test_after_the_deadline_no_registration_and_no_edit(reg_app, count, snapshot):
    link = register_ok(reg_app)
    _close(reg_app, "lf-sd")
    resp = register(reg_app.test_client(), team_name="Terlambat")
    assert field_errors(resp.get_data(as_text=True)) == {
        "category": ["Pendaftaran kategori ini sudah ditutup."]}
    client = reg_app.test_client()
    page = client.get(link).get_data(as_text=True)
    assert "Pendaftaran sudah ditutup; data tidak dapat diubah lagi." in page
    assert 'id="reg-form"' not in page
    before = snapshot()
    resp = client.post(link, data={"csrf_token": csrf_of(client, link), **_edit("Ani\nCitra")})
    assert resp.status_code == 422 and snapshot() == before


def test_a_full_category_puts_new_registrations_on_the_waiting_list(reg_app, admin):
    register_ok(reg_app, level="SMP", category="lf-smp", members="A\nB")
    first = registration(reg_app, category_id=2)
    assert decide(admin, first.id, "approved").status_code == 303
    assert registration(reg_app, id=first.id).team_code == "LF-SMP-001"
    page = reg_app.test_client().get("/daftar").get_data(as_text=True)
    assert "Line Follower SMP · penuh, daftar tunggu" in page
    client = reg_app.test_client()
    resp = register(client, team_name="Tim Kedua", level="SMP", category="lf-smp",
                    members="C\nD")
    assert resp.status_code == 303
    second = registration(reg_app, team_name="Tim Kedua")
    assert second.status == "waitlisted"
    assert "pendaftaran Anda masuk daftar tunggu" in client.get(
        resp.headers["Location"]).get_data(as_text=True)


def _edit(members: str, **changes: str) -> dict:
    from tests.scoreboard.registration_support import GOOD

    return {**GOOD, "members": members, **changes}


def test_the_private_link_changes_a_member(reg_app, count):
    link = register_ok(reg_app)
    client = reg_app.test_client()
    resp = client.post(link, data={"csrf_token": csrf_of(client, link),
                                   **_edit("Ani\nCitra", coach_phone="+62 813 1111 2222")})
    assert resp.status_code == 303 and resp.headers["Location"] == link
    reg = registration(reg_app)
    assert (reg.members, reg.coach_phone) == (["Ani", "Citra"], "+6281311112222")
    assert count(AuditRecord, action="edit", entity_id=reg.code) == 1
    assert "Perubahan tersimpan." in client.get(link).get_data(as_text=True)


def test_a_bad_edit_is_shown_at_its_field_and_changes_nothing(reg_app, snapshot):
    link = register_ok(reg_app)
    client = reg_app.test_client()
    before = snapshot()
    resp = client.post(link, data={"csrf_token": csrf_of(client, link),
                                   **_edit("A\nB\nC\nD")})
    assert resp.status_code == 422
    assert field_errors(resp.get_data(as_text=True)) == {
        "members": ["Kategori ini meminta 1 sampai 2 anggota."]}
    assert snapshot() == before


def test_an_edit_cannot_make_a_duplicate(reg_app, count):
    register_ok(reg_app)
    link = register_ok(reg_app, team_name="Tim Lain")
    client = reg_app.test_client()
    resp = client.post(link, data={"csrf_token": csrf_of(client, link), **_edit("Ani")})
    assert field_errors(resp.get_data(as_text=True)) == {
        "team_name": ["Tim dengan nama, sekolah, dan kategori yang sama sudah terdaftar."]}
    assert registration(reg_app, team_name="Tim Lain").members == ["Ani", "Budi"]


@pytest.mark.parametrize("token", ["WzEsImFhIl0.palsu", "x", "W10.abc"])
def test_a_forged_or_broken_link_opens_nothing(reg_app, token):
    register_ok(reg_app)
    assert reg_app.test_client().get(f"/daftar/{token}").status_code == 404


def test_once_approved_the_category_stays_and_the_team_follows_edits(reg_app, admin):
    link = register_ok(reg_app)
    reg = registration(reg_app)
    decide(admin, reg.id, "approved")
    client = reg_app.test_client()
    page = client.get(link).get_data(as_text=True)
    assert 'id="checkin-qr"' in page and "<svg" in page and 'id="team-code" class="code">LF-SD-001<' in page
    resp = client.post(link, data={"csrf_token": csrf_of(client, link),
                                   **_edit("Ani\nDewi", category="sumo-sma", level="SMA")})
    assert resp.status_code == 303
    # after approval a member change waits for the committee (test_identity_after_approval)
    assert team_of(reg_app, "LF-SD-001").members == ["Ani", "Budi"]
    page = admin.client.get("/admin/perubahan").get_data(as_text=True)
    change_id = int(page.split('<article class="change" id="c', 1)[1].split('"', 1)[0])
    assert admin.form(f"/admin/perubahan/{change_id}", {"decision": "approve"}).status_code == 303
    team = team_of(reg_app, "LF-SD-001")
    assert team.members == ["Ani", "Dewi"] and team.level == "SD"
    assert registration(reg_app).category_id == team.category_id


def _upload(client, link: str, content: bytes, name: str = "bukti.png"):
    import io

    return client.post(f"{link}/bukti", data={"csrf_token": csrf_of(client, link),
                                              "proof": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def test_a_payment_proof_is_checked_by_content_and_kept_outside_static(reg_app, admin):
    link = register_ok(reg_app)
    client = reg_app.test_client()
    assert _upload(client, link, PNG).status_code == 303
    reg = registration(reg_app)
    folder = Path(reg_app.config["KEJURDA_UPLOAD_DIR"])
    assert reg.proof_type == "image/png" and (folder / reg.proof_file).read_bytes() == PNG
    assert not (Path(reg_app.static_folder) / reg.proof_file).exists()
    resp = admin.client.get(f"/admin/pendaftaran/{reg.id}/bukti")
    assert (resp.status_code, resp.mimetype, resp.data) == (200, "image/png", PNG)
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert reg_app.test_client().get(f"/admin/pendaftaran/{reg.id}/bukti").status_code == 302


@pytest.mark.parametrize("content, name, message", [
    (b"<html><script>alert(1)</script>", "bukti.png", "Hanya gambar PNG, JPEG, WebP, atau berkas PDF."),
    (b"GIF89a....", "bukti.gif", "Hanya gambar PNG, JPEG, WebP, atau berkas PDF."),
    (b"", "kosong.pdf", "Pilih berkas bukti pembayaran."),
    (b"%PDF-1.4" + b"x" * 200, "besar.pdf", "Berkas terlalu besar."),
])
def test_a_bad_proof_is_refused_at_its_field(reg_app, snapshot, content, name, message):
    reg_app.config["KEJURDA_UPLOAD_MAX_BYTES"] = 100
    link = register_ok(reg_app)
    before = snapshot()
    resp = _upload(reg_app.test_client(), link, content, name)
    assert resp.status_code == 422
    assert field_errors(resp.get_data(as_text=True)) == {"proof": [message]}
    assert snapshot() == before
    assert not Path(reg_app.config["KEJURDA_UPLOAD_DIR"]).exists()


def test_the_committee_whatsapp_link(reg_app):
    reg_app.config["KEJURDA_COMMITTEE_WHATSAPP"] = "+6281200001111"
    link = register_ok(reg_app)
    page = reg_app.test_client().get(link).get_data(as_text=True)
    code = registration(reg_app).code
    assert (f'href="https://wa.me/6281200001111?text=Halo%20panitia%2C%20kode%20pendaftaran'
            f'%20kami%20{code}%20%28Tim%20Merapi%29."') in page


def test_a_huge_upload_is_refused_whole(reg_app, snapshot):
    reg_app.config["KEJURDA_UPLOAD_MAX_BYTES"] = 1000
    link = register_ok(reg_app)
    before = snapshot()
    resp = _upload(reg_app.test_client(), link, PNG + b"\x00" * 2_000_000)
    assert resp.status_code == 422
    assert field_errors(resp.get_data(as_text=True)) == {"proof": ["Berkas terlalu besar."]}
    assert snapshot() == before


def test_the_form_speaks_english_on_request(reg_app):
    client = reg_app.test_client()
    client.get("/bahasa/en")
    page = client.get("/daftar").get_data(as_text=True)
    assert '<html lang="en">' in page and "Team registration" in page
    assert "Coach's WhatsApp number" in page and "3 places left" in page
    resp = register(client, coach_phone="021 555")
    assert field_errors(resp.get_data(as_text=True)) == {
        "coach_phone": ["Not a valid WhatsApp number; for example 0812 3456 7890."]}


def test_edits_and_uploads_without_a_valid_csrf_token_change_nothing(reg_app, snapshot):
    link = register_ok(reg_app)
    client = reg_app.test_client()
    before = snapshot()
    resp = client.post(link, data={"csrf_token": "palsu", **_edit("Ani\nCitra")})
    assert resp.status_code == 422
    assert "Formulir kedaluwarsa; periksa isian lalu kirim lagi." in resp.get_data(as_text=True)
    import io

    resp = client.post(f"{link}/bukti", data={"proof": (io.BytesIO(PNG), "b.png")},
                       content_type="multipart/form-data")
    assert resp.status_code == 303
    assert snapshot() == before


def test_uploads_default_to_the_installations_instance_folder(reg_app, tmp_path, monkeypatch):
    from scoreboard.web.registration import upload_dir

    monkeypatch.setenv("KEJURDA_INSTANCE", str(tmp_path / "instance"))
    reg_app.config.pop("KEJURDA_UPLOAD_DIR")
    with reg_app.app_context():
        assert upload_dir() == tmp_path / "instance" / "uploads"
    link = register_ok(reg_app)
    assert _upload(reg_app.test_client(), link, PNG).status_code == 303
    assert [p.suffix for p in (tmp_path / "instance" / "uploads").iterdir()] == [".png"]
