"""Organisers: review with reasons, capacity, payment flag, filters, CSV/XLSX export and the
docs/contract.md §3 import, the check-in desk, check-in before runs, the call-up queue."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from scoreboard.models import AuditRecord, Registration, Team
from tests.scoreboard import registration_support as support
from tests.scoreboard.people import csrf_of
from tests.scoreboard.registration_support import (
    decide,
    register_ok,
    registration,
    team_of,
)

reg_app, admin, desk = support.reg_app, support.admin, support.desk  # the fixtures


def _smp(app, name: str, members: str = "A\nB") -> Registration:
    register_ok(app, team_name=name, level="SMP", category="lf-smp", members=members,
                institution="MTsN 1 Blitar")
    return registration(app, team_name=name)


def test_approve_gives_a_stable_team_code_and_capacity_is_enforced(reg_app, admin, count):
    first = _smp(reg_app, "Tim Satu")
    second = _smp(reg_app, "Tim Dua")
    # capacity counts teams (approved): both wait for a decision
    assert (first.status, second.status) == ("pending", "pending")
    assert decide(admin, first.id, "approved").status_code == 303
    team = team_of(reg_app, "LF-SMP-001")
    assert (team.name, team.institution, team.level, team.members, team.contact) == (
        "Tim Satu", "MTsN 1 Blitar", "SMP", ["A", "B"], "+6281234567890")
    resp = decide(admin, second.id, "approved")
    assert resp.status_code == 409
    assert "category: full (1 of 1 places taken)" in resp.get_data(as_text=True)
    assert registration(reg_app, id=second.id).status == "pending"
    # the first withdraws: its team leaves, the waiting one gets the place and a new code
    assert decide(admin, first.id, "rejected", "mundur").status_code == 303
    assert team_of(reg_app, "LF-SMP-001") is None and count(Team) == 0
    assert decide(admin, second.id, "approved").status_code == 303
    assert registration(reg_app, id=second.id).team_code == "LF-SMP-002"
    # approved again later (after a place frees up), the first gets its own code back
    decide(admin, second.id, "rejected", "tidak hadir")
    decide(admin, first.id, "approved")
    assert registration(reg_app, id=first.id).team_code == "LF-SMP-001"
    assert count(AuditRecord, entity="registration", action="review:approved") == 3


@pytest.mark.parametrize("status, reason, code, message", [
    ("rejected", "", 422, "Tulis alasannya."),
    ("waitlisted", "   ", 422, "Tulis alasannya."),
    ("pending", "", 409, "status: already pending"),
    ("approved", "x" * 301, 400, "Formulir tidak valid atau kedaluwarsa"),
    ("selesai", "", 422, "status: &#39;selesai&#39; is not one of pending, approved, waitlisted, rejected"),
])
def test_a_refused_decision_is_shown_at_its_row_and_changes_nothing(reg_app, admin, snapshot,
                                                                    status, reason, code,
                                                                    message):
    link = register_ok(reg_app)
    assert link
    reg = registration(reg_app)
    before = snapshot()
    resp = decide(admin, reg.id, status, reason)
    assert resp.status_code == code
    page = resp.get_data(as_text=True)
    row = page.split(f'id="r{reg.id}"')[1].split("</tr>")[0]
    assert message in row
    assert snapshot() == before


def test_review_pages_are_for_admins_only(reg_app, desk):
    register_ok(reg_app)
    reg = registration(reg_app)
    assert desk.client.get("/admin/pendaftaran").status_code == 403
    assert decide(desk, reg.id, "approved").status_code == 403
    anonymous = reg_app.test_client()
    resp = anonymous.get("/admin/pendaftaran")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")
    assert registration(reg_app).status == "pending"


def test_payment_flag_and_filters(reg_app, admin):
    register_ok(reg_app, team_name="Garuda", institution="SDN Kepanjenlor 2", npsn="20599999")
    register_ok(reg_app, team_name="Rajawali")
    garuda = registration(reg_app, team_name="Garuda")
    resp = admin.form(f"/admin/pendaftaran/{garuda.id}/pembayaran", {"verified": "y"})
    assert resp.status_code == 303
    assert registration(reg_app, id=garuda.id).payment_verified is True

    def codes(query: str) -> list[str]:
        page = admin.client.get(f"/admin/pendaftaran?{query}").get_data(as_text=True)
        return [registration(reg_app, code=c).team_name
                for c in support_codes(page)]

    assert codes("q=kepanjen") == ["Garuda"]
    assert codes("q=20599999") == ["Garuda"]
    assert codes("payment=verified") == ["Garuda"]
    assert codes("payment=none") == ["Rajawali", "Garuda"]
    assert codes("status=approved") == []
    assert codes("category=lf-sd") == ["Rajawali", "Garuda"]
    admin.form(f"/admin/pendaftaran/{garuda.id}/pembayaran", {})
    assert registration(reg_app, id=garuda.id).payment_verified is False


def support_codes(page: str) -> list[str]:
    import re

    return re.findall(r'<tr id="r\d+" data-code="([^"]+)"', page)


def _populate(app, admin) -> None:
    """Two approved online teams and one imported from CSV."""
    register_ok(app, team_name="Garuda, \"Muda\"", members="Ani\nBudi")
    register_ok(app, team_name="Rajawali", level="SMA", category="sumo-sma",
                members="Eka\nFajar", npsn="")
    for reg_id in (1, 2):
        assert decide(admin, reg_id, "approved").status_code == 303
    csv = ("code,name,institution,category,level,members,contact\n"
           "SUMO-SMA-010,Banteng,SMKN 1 Blitar,sumo-sma,SMA,Made;Gilang,0812\n")
    resp = admin.client.post("/admin/pendaftaran/impor", data={
        "csrf_token": admin.csrf, "file": (io.BytesIO(csv.encode()), "tim.csv")},
        content_type="multipart/form-data")
    assert resp.status_code == 303


EXPECTED_CSV = (
    "code,name,institution,category,level,members,contact\n"
    # a cell starting with "+" is neutralised (spreadsheet formula), and imports back
    'LF-SD-001,"Garuda, ""Muda""",SDN Sananwetan 1,lf-sd,SD,Ani;Budi,\'+6281234567890\n'
    "SUMO-SMA-001,Rajawali,SDN Sananwetan 1,sumo-sma,SMA,Eka;Fajar,'+6281234567890\n"
    "SUMO-SMA-010,Banteng,SMKN 1 Blitar,sumo-sma,SMA,Made;Gilang,0812\n"
)


def test_export_then_import_gives_the_same_teams(reg_app, admin, bare_app, tmp_path):
    _populate(reg_app, admin)
    resp = admin.client.get("/admin/pendaftaran/tim.csv")
    assert resp.mimetype == "text/csv"
    assert resp.headers["Content-Disposition"].startswith('attachment; filename="tim-')
    exported = resp.get_data(as_text=True)
    assert exported == EXPECTED_CSV

    # a second venue server with the same event takes the file back: the same teams
    from scoreboard.app import create_app
    from scoreboard.services.event_file import load_event
    from scoreboard.services.publish import disconnect_all
    from tests.scoreboard.people import add_user, sign_in

    other = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'other.db'}",
                        "SECRET_KEY": "test", "TESTING": True})
    try:
        with other.extensions["kejurda_db"].transaction() as session:
            load_event(session, support.EVENT)
        add_user(other, "admin", "panitia2")
        person = sign_in(other, "panitia2")
        for _ in range(2):  # importing twice updates, never duplicates
            resp = person.client.post("/admin/pendaftaran/impor", data={
                "csrf_token": person.csrf, "file": (io.BytesIO(exported.encode()), "tim.csv")},
                content_type="multipart/form-data")
            assert resp.status_code == 303
        assert person.client.get("/admin/pendaftaran/tim.csv").get_data(as_text=True) == exported
    finally:
        disconnect_all(other)
        other.extensions["kejurda_db"].dispose()


def test_xlsx_export_has_every_registration_and_the_teams(reg_app, admin):
    _populate(reg_app, admin)
    register_ok(reg_app, team_name="=HYPERLINK(\"http://x\")", institution="SDN 9")
    resp = admin.client.get("/admin/pendaftaran/pendaftaran.xlsx")
    assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(resp.data))
    assert book.sheetnames == ["Pendaftaran", "Tim"]
    rows = list(book["Pendaftaran"].iter_rows(values_only=True))
    assert rows[0][:13] == ("registration", "status", "reason", "team_code", "team_name",
                            "institution", "npsn", "level", "category", "robot_name",
                            "coach_name", "coach_phone", "members")
    by_name = {r[4]: r for r in rows[1:]}
    assert by_name['Garuda, "Muda"'][1:13] == (
        "approved", None, "LF-SD-001", 'Garuda, "Muda"', "SDN Sananwetan 1", "20512345", "SD",
        "lf-sd", "Kilat", "Bu Sari", "'+6281234567890", "Ani;Budi")
    assert by_name['\'=HYPERLINK("http://x")'][1] == "pending"  # text, not a formula
    cell = next(c for c in book["Pendaftaran"]["E"] if c.value == '\'=HYPERLINK("http://x")')
    assert cell.data_type == "s"
    teams = [list(r) for r in book["Tim"].iter_rows(values_only=True)]
    assert teams[0] == ["code", "name", "institution", "category", "level", "members", "contact"]
    assert [t[0] for t in teams[1:]] == ["LF-SD-001", "SUMO-SMA-001", "SUMO-SMA-010"]
    filtered = admin.client.get("/admin/pendaftaran/pendaftaran.xlsx?status=pending")
    rows = list(load_workbook(io.BytesIO(filtered.data))["Pendaftaran"].iter_rows(values_only=True))
    assert [r[4] for r in rows[1:]] == ['\'=HYPERLINK("http://x")']


def test_a_bad_csv_import_names_the_line_and_changes_nothing(reg_app, admin, snapshot):
    before = snapshot()
    csv = ("code,name,institution,category,level,members,contact\n"
           "T-1,Satu,S,lf-sd,SD,A,0812\n"
           "T-2,Dua,S,tidak-ada,SD,A,0812\n")
    resp = admin.client.post("/admin/pendaftaran/impor", data={
        "csrf_token": admin.csrf, "file": (io.BytesIO(csv.encode()), "tim-sekolah.csv")},
        content_type="multipart/form-data")
    assert resp.status_code == 422
    assert ("tim-sekolah.csv:3: column &#39;category&#39; value &#39;tidak-ada&#39;: no such "
            "category in the loaded event") in resp.get_data(as_text=True)
    assert snapshot() == before


def _checkin(person, code: str):
    return person.client.post("/admin/daftar-ulang", data={
        "csrf_token": csrf_of(person.client, "/admin/daftar-ulang"), "code": code})


def test_check_in_by_qr_code_or_team_code(reg_app, admin, desk, count):
    register_ok(reg_app)
    register_ok(reg_app, team_name="Belum Diterima")
    reg = registration(reg_app, team_name="Tim Merapi")
    decide(admin, reg.id, "approved")
    page = desk.client.get("/admin/daftar-ulang").get_data(as_text=True)
    assert "Sudah daftar ulang: 0 dari 1 tim." in page and 'id="scanner-start" hidden' in page
    resp = _checkin(desk, reg.code.lower())
    assert resp.status_code == 200
    assert "Daftar ulang berhasil:" in resp.get_data(as_text=True)
    assert team_of(reg_app, "LF-SD-001").checked_in_at is not None
    again = _checkin(desk, "LF-SD-001").get_data(as_text=True)
    assert "Sudah daftar ulang sebelumnya:" in again
    assert count(AuditRecord, action="check_in", entity_id="LF-SD-001") == 1
    pending = registration(reg_app, team_name="Belum Diterima")
    resp = _checkin(desk, pending.code)
    assert resp.status_code == 409
    assert f"registration {pending.code} is pending, not approved" in resp.get_data(as_text=True)
    resp = _checkin(desk, "ZZ-404")
    assert resp.status_code == 404
    assert "code &#39;ZZ-404&#39;: no such team or registration" in resp.get_data(as_text=True)
    assert _checkin(desk, "").status_code == 422
    assert reg_app.test_client().get("/admin/daftar-ulang").status_code == 302


def test_with_require_checkin_only_checked_in_teams_are_armed(reg_app, admin, desk,
                                                             timekeeper_token):
    register_ok(reg_app)
    decide(admin, registration(reg_app).id, "approved")
    api = reg_app.test_client()
    headers = {"Authorization": f"Bearer {timekeeper_token}"}
    resp = api.post("/api/v1/runs", json={"category": "lf-sd", "team": "LF-SD-001"},
                    headers=headers)
    assert resp.status_code == 409
    assert resp.get_json() == {"error": "team: 'LF-SD-001' (Tim Merapi) has not checked in at "
                                        "the desk (belum daftar ulang)"}
    _checkin(desk, "LF-SD-001")
    resp = api.post("/api/v1/runs", json={"category": "lf-sd", "team": "LF-SD-001"},
                    headers=headers)
    assert resp.status_code == 201 and resp.get_json()["team"] == "LF-SD-001"


@pytest.fixture
def timekeeper_token(reg_app) -> str:
    from scoreboard.services.accounts import create_token

    with reg_app.extensions["kejurda_db"].transaction() as session:
        return create_token(session, "timekeeper", "t")


def test_without_require_checkin_runs_need_no_check_in(app, api):
    run = api.arm("lf-smp", "LF-SMP-001")  # tests/data/event.toml has no require_checkin
    assert run["status"] == "armed"


def _queue(person, arena: str, action: str, code: str):
    return person.client.post(f"/admin/antrian/{arena}", data={
        "csrf_token": person.csrf, "action": action, "code": code})


def _order(person, arena: str) -> list[str]:
    import re

    page = person.client.get(f"/admin/antrian/{arena}").get_data(as_text=True)
    return re.findall(r'<tr data-team="([^"]+)">', page)


def test_call_up_queue_sends_a_no_show_to_the_end_after_three_calls(reg_app, admin, desk):
    with reg_app.extensions["kejurda_db"].transaction() as session:
        cid = session.scalar(select(Registration.category_id).limit(1)) or 1
        for n in (1, 2, 3):
            session.add(Team(code=f"Q-{n}", name=f"Antre {n}", institution="S",
                             category_id=cid, level="SD", members=["A"], contact=""))
    resp = _queue(desk, "lintasan-a", "join", "Q-1")
    assert resp.status_code == 409
    assert "team Q-1 (Antre 1) has not checked in" in resp.get_data(as_text=True)
    for n in (1, 2, 3):
        _checkin(desk, f"Q-{n}")
        assert _queue(desk, "lintasan-a", "join", f"Q-{n}").status_code == 303
    assert _order(desk, "lintasan-a") == ["Q-1", "Q-2", "Q-3"]
    for _ in range(2):
        _queue(desk, "lintasan-a", "no_show", "Q-1")
    assert _order(desk, "lintasan-a") == ["Q-1", "Q-2", "Q-3"]
    _queue(desk, "lintasan-a", "no_show", "Q-1")
    assert _order(desk, "lintasan-a") == ["Q-2", "Q-3", "Q-1"]
    assert _queue(desk, "lintasan-a", "leave", "Q-2").status_code == 303
    assert _order(desk, "lintasan-a") == ["Q-3", "Q-1"]
    assert _queue(desk, "lintasan-a", "join", "Q-3").status_code == 409
    assert _order(desk, "lintasan-b") == []  # another track has its own queue
    assert desk.client.get("/admin/antrian/tidak-ada").status_code == 404
    assert _queue(desk, "lintasan-a", "hapus", "Q-3").status_code == 400


def test_the_teams_own_page_shows_check_in_queue_place_and_runs(reg_app, admin, desk,
                                                                 timekeeper_token):
    link = register_ok(reg_app)
    decide(admin, registration(reg_app).id, "approved")
    client = reg_app.test_client()
    page = client.get(link).get_data(as_text=True)
    assert '<p id="team-checked-in">Belum daftar ulang.</p>' in page
    assert 'class="queue-place"' not in page and 'id="team-runs"' not in page
    _checkin(desk, "LF-SD-001")
    with reg_app.extensions["kejurda_db"].transaction() as session:
        cid = session.scalar(select(Team.category_id).where(Team.code == "LF-SD-001"))
        session.add(Team(code="Q-0", name="Duluan", institution="S", category_id=cid,
                         level="SD", members=["A"], contact="",
                         checked_in_at=registration(reg_app).created_at))
    _queue(desk, "lintasan-a", "join", "Q-0")
    _queue(desk, "lintasan-a", "join", "LF-SD-001")
    _queue(desk, "lintasan-a", "no_show", "LF-SD-001")
    reg_app.test_client().post("/api/v1/runs", json={"category": "lf-sd", "team": "LF-SD-001"},
                               headers={"Authorization": f"Bearer {timekeeper_token}"})
    page = client.get(link).get_data(as_text=True)
    assert '<p id="team-checked-in">Sudah daftar ulang.</p>' in page
    assert ('<p class="queue-place" data-arena="lintasan-a">Antrean Lintasan A: urutan ke-2 '
            '(sudah dipanggil 1×)</p>') in page
    assert "<tr><td>1</td>" in page.split('id="team-runs"')[1]


def test_the_teams_own_page_lists_its_matches_once_the_draw_is_published(reg_app, admin,
                                                                         desk):
    from scoreboard.services.matches import generate_draw, publish_draw

    links = {}
    for name in ("Banteng", "Macan", "Elang"):
        links[name] = register_ok(reg_app, team_name=name, level="SMA", category="sumo-sma",
                                  members="Eka\nFajar")
        decide(admin, registration(reg_app, team_name=name).id, "approved")
    for code in ("SUMO-SMA-001", "SUMO-SMA-002"):  # Elang never checks in: not in the draw
        _checkin(desk, code)
    client = reg_app.test_client()
    assert 'id="team-matches"' not in client.get(links["Banteng"]).get_data(as_text=True)
    with reg_app.extensions["kejurda_db"].transaction() as session:
        generate_draw(session, "sumo-sma", "user:panitia")
    with reg_app.extensions["kejurda_db"].transaction() as session:
        publish_draw(session, "sumo-sma", "user:panitia")
    page = client.get(links["Banteng"]).get_data(as_text=True)
    table = page.split('id="team-matches"')[1].split("</table>")[0]
    assert '<tr data-match="W1-1"><td>W1-1</td>' in table
    assert "<td>Macan</td>" in table and "<td>ready</td>" in table
    assert 'id="team-matches"' not in client.get(links["Elang"]).get_data(as_text=True)


def _many(app, n: int) -> None:
    from scoreboard.services import registration as service

    with app.extensions["kejurda_db"].transaction() as session:
        for i in range(n):
            service.submit(session, {**_clean(), "team_name": f"Tim {i:03d}"}, "10.0.0.1")


def _clean() -> dict:
    return {"team_name": "Tim", "institution": "SDN 1", "npsn": "", "level": "SD",
            "category": "lf-sd", "robot_name": "R", "coach_name": "C",
            "coach_phone": "+6281234567890", "members": ["A"], "consent": True}


def test_the_list_is_paged_and_decisions_come_back_to_their_page(reg_app, admin):
    _many(reg_app, 105)
    first = admin.client.get("/admin/pendaftaran").get_data(as_text=True)
    assert len(support_codes(first)) == 100
    assert "105 pendaftaran, halaman 1 dari 2" in first
    second = admin.client.get("/admin/pendaftaran?halaman=2").get_data(as_text=True)
    names = [registration(reg_app, code=c).team_name for c in support_codes(second)]
    assert names == [f"Tim {i:03d}" for i in range(4, -1, -1)]  # newest first
    assert support_codes(admin.client.get("/admin/pendaftaran?halaman=9").get_data(
        as_text=True)) == support_codes(second)  # past the end: the last page
    assert len(support_codes(admin.client.get("/admin/pendaftaran?halaman=x").get_data(
        as_text=True))) == 100
    reg = registration(reg_app, team_name="Tim 000")
    resp = admin.form(f"/admin/pendaftaran/{reg.id}/status?halaman=2",
                      {"status": "approved", "reason": ""})
    assert resp.headers["Location"] == f"/admin/pendaftaran?halaman=2#r{reg.id}"


def test_xlsx_export_right_after_a_submission_in_the_same_session(reg_app):
    from scoreboard.services import registration as service
    from scoreboard.services.registration_export import registrations_xlsx

    with reg_app.extensions["kejurda_db"].transaction() as session:
        reg = service.submit(session, _clean(), "10.0.0.1")
        assert reg.created_at.tzinfo is not None  # still the in-memory, zoned value
        book = load_workbook(io.BytesIO(registrations_xlsx(session, [reg])))
    row = list(book["Pendaftaran"].iter_rows(min_row=2, values_only=True))[0]
    from datetime import timedelta

    # Excel keeps milliseconds
    assert abs(row[17] - reg.created_at.replace(tzinfo=None)) < timedelta(milliseconds=1)


def test_a_team_with_a_draw_or_judges_sheets_cannot_be_withdrawn(reg_app, admin, desk,
                                                                  snapshot):
    from datetime import UTC, datetime

    from scoreboard.models import ScoreSheetVersion, User
    from scoreboard.services import registration as service
    from scoreboard.services.matches import generate_draw

    for name in ("Banteng", "Macan"):
        register_ok(reg_app, team_name=name, level="SMA", category="sumo-sma",
                    members="Eka\nFajar")
        decide(admin, registration(reg_app, team_name=name).id, "approved")
        _checkin(desk, f"SUMO-SMA-00{1 if name == 'Banteng' else 2}")
    with reg_app.extensions["kejurda_db"].transaction() as session:
        generate_draw(session, "sumo-sma", "user:panitia")
        kreasi = service.submit(session, {**_clean(), "level": "UMUM",
                                          "category": "kreatif-umum"}, "10.0.0.1",
                                now=datetime(2019, 1, 1, tzinfo=UTC))
    decide(admin, kreasi.id, "approved")
    with reg_app.extensions["kejurda_db"].transaction() as session:
        team = session.scalar(select(Team).where(Team.code == "KREATIF-UMUM-001"))
        judge = session.scalar(select(User).where(User.name == "panitia"))
        session.add(ScoreSheetVersion(category_id=team.category_id, team_id=team.id,
                                      judge_id=judge.id, version=1, scores={"inovasi": 80},
                                      idempotency_key="k1", entered_by="user:panitia"))
    before = snapshot()
    banteng = registration(reg_app, team_name="Banteng")
    resp = decide(admin, banteng.id, "rejected", "mundur")
    assert resp.status_code == 409
    assert (f"registration {banteng.code}: team SUMO-SMA-001 is in the draw of sumo-sma; "
            "it cannot leave the category") in resp.get_data(as_text=True)
    resp = decide(admin, kreasi.id, "waitlisted", "kuota")
    assert resp.status_code == 409
    assert (f"registration {kreasi.code}: team KREATIF-UMUM-001 already has results; it "
            "cannot leave the category") in resp.get_data(as_text=True)
    assert snapshot() == before


def test_the_teams_own_page_offers_its_certificate_once_it_has_competed(reg_app, admin, desk,
                                                                        timekeeper_token):
    import pypdf

    link = register_ok(reg_app)
    decide(admin, registration(reg_app).id, "approved")
    client = reg_app.test_client()
    assert 'id="team-certificate"' not in client.get(link).get_data(as_text=True)
    assert client.get(f"{link}/sertifikat.pdf").status_code == 404
    _checkin(desk, "LF-SD-001")
    headers = {"Authorization": f"Bearer {timekeeper_token}"}
    run = client.post("/api/v1/runs", json={"category": "lf-sd", "team": "LF-SD-001"},
                      headers=headers).get_json()
    client.post(f"/api/v1/runs/{run['id']}/abort", headers=headers)
    assert 'id="team-certificate"' in client.get(link).get_data(as_text=True)
    resp = client.get(f"{link}/sertifikat.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    team = team_of(reg_app, "LF-SD-001")
    pages = pypdf.PdfReader(io.BytesIO(resp.data)).pages
    assert len(pages) == len(team.members)
    text = pages[0].extract_text()
    assert team.members[0] in text and team.name in text and "Peserta" in text
