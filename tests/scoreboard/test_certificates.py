"""Certificates in bulk: one page per participant with a serial the server verifies."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from scoreboard.services import certificates
from tests.scoreboard.people import add_user, sign_in
from tests.scoreboard.test_results import finish

SERIAL = re.compile(r"No\. seri (\d+-\d+-[A-Z2-7]{16})")


def pages_of(resp) -> list[str]:
    assert resp.status_code == 200, resp.status_code
    assert resp.mimetype == "application/pdf"
    return [p.extract_text() for p in PdfReader(io.BytesIO(resp.data)).pages]


def test_every_participant_of_a_category_gets_a_page_with_rank_or_peserta(app, api, agent):
    finish(api, agent, "LF-SMP-003", 1_000_000, 9_500_000)
    finish(api, agent, "LF-SMP-002", 1_000_000, 12_000_000)
    add_user(app, "head_judge", "ketua")
    head = sign_in(app, "ketua")
    assert head.post("/api/v1/categories/lf-smp/finalise", {}).status_code == 200  # official
    pages = pages_of(head.client.get("/hasil/sertifikat.pdf?kategori=lf-smp"))
    # members: LF-SMP-003 two, LF-SMP-002 one, then the teams without a time by code
    names = ["Indah Rahmawati", "Putri Santoso", "Rizky Wijaya", "Sari Santoso",
             "Budi Lestari", "Dewi Lestari"]
    assert len(pages) == 6
    for page, name in zip(pages, names, strict=True):
        assert name in page
        assert "SERTIFIKAT" in page and "Kejurda Uji" in page
        assert "Kategori Line Follower SMP" in page
        assert SERIAL.search(page), page
    assert "Peringkat 1" in pages[0] and "Peringkat 1" in pages[1]
    assert "Tim Brantas Robotik 3 · MTsN 1 Blitar" in pages[0]
    assert "Peringkat 2" in pages[2]
    assert all("Peserta" in p and "Peringkat" not in p for p in pages[3:])
    serials = [SERIAL.search(p)[1] for p in pages]
    assert len(set(serials)) == 6


def test_bulk_certificates_for_every_category(app):
    add_user(app, "admin", "admin1")
    pages = pages_of(sign_in(app, "admin1").client.get("/hasil/sertifikat.pdf"))
    assert len(pages) == 14  # every member of every team in tests/data/teams.csv
    assert sum("Peserta" in p for p in pages) == 14
    assert "Kreasi Cilik" in pages[-1] or "Zahra Wijaya" in pages[-1]


def test_certificates_need_the_head_judge_or_an_admin(app, client):
    resp = client.get("/hasil/sertifikat.pdf")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    for role in ("judge", "timekeeper"):
        add_user(app, role, f"u-{role}")
        assert sign_in(app, f"u-{role}").client.get("/hasil/sertifikat.pdf").status_code == 403
    add_user(app, "head_judge", "ketua")
    assert sign_in(app, "ketua").client.get(
        "/hasil/sertifikat.pdf?kategori=nope").status_code == 404


def test_verification_page_confirms_a_real_serial_and_rejects_forged_ones(app, api, agent,
                                                                          client):
    finish(api, agent, "LF-SMP-002", 1_000_000, 12_000_000)
    add_user(app, "head_judge", "ketua")
    head = sign_in(app, "ketua")
    assert head.post("/api/v1/categories/lf-smp/finalise", {}).status_code == 200  # official
    pages = pages_of(head.client.get("/hasil/sertifikat.pdf?kategori=lf-smp"))
    serial = SERIAL.search(pages[0])[1]
    assert "Rizky Wijaya" in pages[0]
    page = client.get(f"/verifikasi/{serial}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Sertifikat ini asli." in html and 'data-valid="yes"' in html
    assert '<dd id="verify-name">Rizky Wijaya</dd>' in html
    assert '<dd id="verify-rank">1</dd>' in html
    team_id, member, sig = serial.split("-")
    flipped = sig[:-1] + ("A" if sig[-1] != "A" else "B")
    forged = [f"{team_id}-{member}-{flipped}", f"{int(team_id) + 1}-{member}-{sig}",
              f"{team_id}-2-{sig}", f"{team_id}-{member}-{sig.lower()}", "1-1-AAAAAAAAAAAAAAAA",
              "999999-1-" + sig, "x" * 200, "0-0-" + sig]
    for serial_text in forged:
        resp = client.get(f"/verifikasi/{serial_text}")
        assert resp.status_code == 404, serial_text
        body = resp.get_data(as_text=True)
        assert "Nomor seri tidak valid" in body and 'data-valid="no"' in body
        assert "Rizky Wijaya" not in body


def test_a_serial_signed_with_another_key_or_for_another_name_is_rejected(app):
    db = app.extensions["kejurda_db"]
    with app.test_request_context():
        real = certificates.participants(db.session, "test", "lf-smp")[0]
        assert certificates.verify(db.session, "test", real.serial).name == real.name
        team_id, member, _sig = real.serial.split("-")
        other_key = certificates.serial_for("another-key", int(team_id), int(member), real.name)
        renamed = certificates.serial_for("test", int(team_id), int(member), "Someone Else")
        assert certificates.verify(db.session, "test", other_key) is None
        assert certificates.verify(db.session, "test", renamed) is None


def test_a_team_without_members_gets_one_certificate_in_its_name(app):
    from sqlalchemy import select

    from scoreboard.models import Category, Team

    db = app.extensions["kejurda_db"]
    with db.transaction() as session:
        cid = session.scalar(select(Category.id).where(Category.slug == "lf-sd"))
        session.add(Team(code="SD-NOM", name="Tim Tanpa Nama", institution="SD Uji",
                         category_id=cid, level="SD", members=[" "], contact=""))
    with app.test_request_context():
        people = certificates.participants(db.session, "test", "lf-sd")
        mine = [p for p in people if p.team == "SD-NOM"]
        assert [(p.name, p.rank) for p in mine] == [("Tim Tanpa Nama", None)]
        assert certificates.verify(db.session, "test", mine[0].serial).team == "SD-NOM"


def test_the_qr_code_on_a_certificate_encodes_its_verification_url(app):
    import segno

    add_user(app, "head_judge", "ketua")
    resp = sign_in(app, "ketua").client.get("/hasil/sertifikat.pdf?kategori=lf-sd")
    reader = PdfReader(io.BytesIO(resp.data))
    for page in list(reader.pages)[:2]:
        serial = SERIAL.search(page.extract_text())[1]
        stream = page.get_contents().get_data().decode("latin-1")
        drawn = stream[stream.index(" cm\n"):stream.index("f Q")]
        dark = set()
        for x, y, w, _h in re.findall(r"^(\d+) (\d+) (\d+) (\d+) re$", drawn, re.M):
            dark |= {(int(x) + i, int(y)) for i in range(int(w))}
        url = f"http://localhost/verifikasi/{serial}"
        codes = [segno.make(url, error="m", mask=m, boost_error=False) for m in range(8)]
        grids = [{(c, len(q.matrix) - r - 1) for r, row in enumerate(q.matrix)
                  for c, bit in enumerate(row) if bit & 1} for q in codes]
        assert dark in grids, serial
