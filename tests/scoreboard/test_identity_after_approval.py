"""Identity after approval (issue: security hardening): a team's name, school and members
change only through a request an admin approves, members not at all once the team has
competed; certificates carry the names on record when the category's result was made
final, and the verification page shows those names."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from sqlalchemy import select

from scoreboard.models import Team
from tests.scoreboard import registration_support as support
from tests.scoreboard.people import add_user, csrf_of, sign_in
from tests.scoreboard.registration_support import (
    GOOD,
    decide,
    field_errors,
    register_ok,
    registration,
    team_of,
)
from tests.scoreboard.test_results import finish

reg_app, admin = support.reg_app, support.admin  # the fixtures
SERIAL = re.compile(r"No\. seri (\d+-\d+-[A-Z2-7]{16})")


def _approved(app, admin_person) -> str:
    link = register_ok(app)
    assert decide(admin_person, registration(app).id, "approved").status_code == 303
    return link


def _edit(app, link: str, **changes: str):
    client = app.test_client()
    return client.post(link, data={"csrf_token": csrf_of(client, link), **GOOD, **changes})


def _changes(app) -> list:
    from scoreboard.models import RegistrationChange

    with app.extensions["kejurda_db"].transaction() as session:
        rows = session.scalars(select(RegistrationChange).order_by(RegistrationChange.id)).all()
        for row in rows:
            session.expunge(row)
        return rows


def test_identity_after_approval_name_school_members_wait_for_an_admin(reg_app, admin):
    link = _approved(reg_app, admin)
    resp = _edit(reg_app, link, team_name="Tim Ganti", institution="SDN Lain",
                 members="Ani\nZaki", coach_name="Pak Budi")
    assert resp.status_code == 303
    team = team_of(reg_app, "LF-SD-001")
    assert (team.name, team.institution, team.members) == ("Tim Merapi", "SDN Sananwetan 1",
                                                           ["Ani", "Budi"])
    assert registration(reg_app).coach_name == "Pak Budi"  # not identity: at once
    [change] = _changes(reg_app)
    assert change.status == "pending"
    assert change.new == {"team_name": "Tim Ganti", "institution": "SDN Lain",
                          "members": ["Ani", "Zaki"]}
    assert change.old == {"team_name": "Tim Merapi", "institution": "SDN Sananwetan 1",
                          "members": ["Ani", "Budi"]}
    page = reg_app.test_client().get(link).get_data(as_text=True)
    assert 'id="change-pending"' in page and "Tim Ganti" in page
    admin_page = admin.client.get("/admin/perubahan").get_data(as_text=True)
    assert f'id="c{change.id}" data-status="pending"' in admin_page
    assert admin.form(f"/admin/perubahan/{change.id}",
                      {"decision": "approve", "reason": "surat sekolah"}).status_code == 303
    team = team_of(reg_app, "LF-SD-001")
    assert (team.name, team.institution, team.members) == ("Tim Ganti", "SDN Lain",
                                                           ["Ani", "Zaki"])
    assert _changes(reg_app)[0].status == "approved"
    assert _changes(reg_app)[0].decided_by == "user:panitia"


def test_identity_after_approval_rejected_request_changes_nothing(reg_app, admin):
    link = _approved(reg_app, admin)
    assert _edit(reg_app, link, team_name="Tim Palsu").status_code == 303
    [change] = _changes(reg_app)
    assert admin.form(f"/admin/perubahan/{change.id}", {"decision": "reject"}).status_code == 303
    assert team_of(reg_app, "LF-SD-001").name == "Tim Merapi"
    assert registration(reg_app).team_name == "Tim Merapi"
    # decided once: a second decision is refused
    again = admin.form(f"/admin/perubahan/{change.id}", {"decision": "approve"})
    assert again.status_code == 409
    assert team_of(reg_app, "LF-SD-001").name == "Tim Merapi"


def test_identity_after_approval_only_admins_decide(reg_app, admin):
    link = _approved(reg_app, admin)
    _edit(reg_app, link, team_name="Tim Palsu")
    [change] = _changes(reg_app)
    add_user(reg_app, "timekeeper", "meja")
    desk = sign_in(reg_app, "meja")
    assert desk.form(f"/admin/perubahan/{change.id}", {"decision": "approve"}).status_code == 403
    assert team_of(reg_app, "LF-SD-001").name == "Tim Merapi"


def _compete(app, code: str) -> None:
    from scoreboard.services import registration as registrations
    from scoreboard.services import runs

    with app.extensions["kejurda_db"].transaction() as session:
        registrations.check_in(session, code, "test")
    with app.extensions["kejurda_db"].transaction() as session:
        run = runs.arm_run(session, "lf-sd", code, "test")
        runs.abort_run(session, run.id, "test", "tidak siap")


def test_identity_after_approval_members_refused_after_competing(reg_app, admin):
    link = _approved(reg_app, admin)
    _edit(reg_app, link, members="Ani\nDewi")  # a request made before competing
    _compete(reg_app, "LF-SD-001")
    resp = _edit(reg_app, link, members="Ani\nZaki")
    assert resp.status_code == 422
    assert field_errors(resp.get_data(as_text=True))["members"] == [
        "Tim sudah bertanding; anggota tim tidak dapat diubah lagi."]
    [change] = _changes(reg_app)
    assert change.new == {"members": ["Ani", "Dewi"]}  # the refused edit stored nothing
    late = admin.form(f"/admin/perubahan/{change.id}", {"decision": "approve"})
    assert late.status_code == 422
    assert team_of(reg_app, "LF-SD-001").members == ["Ani", "Budi"]
    assert _changes(reg_app)[0].status == "pending"
    # the name may still change (with the committee's approval)
    assert _edit(reg_app, link, team_name="Tim Baru").status_code == 303
    assert _changes(reg_app)[0].new == {"team_name": "Tim Baru"}


def _pages(resp) -> list[str]:
    assert resp.status_code == 200, resp.status_code
    return [p.extract_text() for p in PdfReader(io.BytesIO(resp.data)).pages]


def _rename_members(app, code: str, members: list[str]) -> None:
    with app.extensions["kejurda_db"].transaction() as session:
        team = session.scalar(select(Team).where(Team.code == code))
        team.members = members


def test_certificates_names_on_record_when_result_made_final(app, api, agent, client):
    finish(api, agent, "LF-SMP-002", 1_000_000, 12_000_000)
    add_user(app, "head_judge", "ketua")
    head = sign_in(app, "ketua")
    index = head.client.get("/hasil").get_data(as_text=True)
    assert 'data-final="no"' in index
    assert head.form("/hasil/lf-smp/final", {}).status_code == 303
    assert 'data-final="yes"' in head.client.get("/hasil").get_data(as_text=True)
    _rename_members(app, "LF-SMP-002", ["Orang Lain"])  # e.g. an edit after the final
    pages = _pages(head.client.get("/hasil/sertifikat.pdf?kategori=lf-smp"))
    text = "\n".join(pages)
    assert "Rizky Wijaya" in text and "Orang Lain" not in text
    serial = next(SERIAL.search(p)[1] for p in pages if "Rizky Wijaya" in p)
    page = client.get(f"/verifikasi/{serial}").get_data(as_text=True)
    assert '<dd id="verify-name">Rizky Wijaya</dd>' in page
    # making it final again records the names as they are then
    assert head.form("/hasil/lf-smp/final", {}).status_code == 303
    text = "\n".join(_pages(head.client.get("/hasil/sertifikat.pdf?kategori=lf-smp")))
    assert "Orang Lain" in text and "Rizky Wijaya" not in text
    assert client.get(f"/verifikasi/{serial}").status_code == 404


def test_certificates_result_made_final_only_by_head_judge_or_admin(app):
    add_user(app, "timekeeper", "waktu1")
    desk = sign_in(app, "waktu1")
    assert desk.form("/hasil/lf-smp/final", {}).status_code == 403
    anonymous = app.test_client()
    assert anonymous.post("/hasil/lf-smp/final").status_code in (302, 400)


def test_certificates_judged_result_final_when_published(app):
    from scoreboard.models import ResultFinal
    from scoreboard.services import scores

    with app.extensions["kejurda_db"].transaction() as session:
        scores.set_state(session, "kreatif-sd", "locked", 0, "user:ketua")
    with app.extensions["kejurda_db"].transaction() as session:
        scores.set_state(session, "kreatif-sd", "published", 1, "user:ketua")
    with app.extensions["kejurda_db"].transaction() as session:
        [row] = session.scalars(select(ResultFinal)).all()
        team = session.scalar(select(Team).where(Team.code == "KRE-001"))
        assert row.made_final_by == "user:ketua"
        assert row.names[str(team.id)]["members"] == team.members
