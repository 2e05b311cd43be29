"""Security of what the server writes and hands out (issue: security hardening): exports
that cannot run formulas, files only their owner reads, the demo that never touches a
real championship, certificate serials in one spelling, and the plain `Server` header."""

from __future__ import annotations

import csv
import io
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import requests
from openpyxl import load_workbook

from tests.scoreboard import registration_support as support
from tests.scoreboard.people import add_user, sign_in
from tests.scoreboard.registration_support import register_ok
from tests.scoreboard.test_results import finish
from tests.support.venue import ROOT, free_port

reg_app = support.reg_app  # the fixture

FORMULAS = {"name": "=HYPERLINK(\"http://x\",\"klik\")", "institution": "+62 SDN",
            "members": ["@SUM(1)", "-1+1", "\tTab", "Biasa"]}


def _formula_team(app) -> None:
    from sqlalchemy import select

    from scoreboard.models import Team

    with app.extensions["kejurda_db"].transaction() as session:
        team = session.scalar(select(Team).where(Team.code == "LF-SMP-002"))
        team.name, team.institution = FORMULAS["name"], FORMULAS["institution"]
        team.members = FORMULAS["members"]
        team.contact = "=cmd|' /C calc'!A0"


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_exports_neutralise_every_formula_start():
    from scoreboard.services.cells import neutralise, restore

    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert neutralise(f"{start}1+1") == f"'{start}1+1"
        assert restore(neutralise(f"{start}1+1")) == f"{start}1+1"
    assert neutralise("Tim 1") == "Tim 1" and neutralise(-5) == -5 and neutralise(None) is None
    assert restore("'apa") == "'apa"


def test_exports_results_csv_and_xlsx_neutralise_formula_cells(app, api, agent, client):
    _formula_team(app)
    finish(api, agent, "LF-SMP-002", 1_000_000, 13_345_678)
    rows = _csv(client.get("/hasil/lf-smp.csv").get_data(as_text=True))
    row = next(r for r in rows if r[1] == "LF-SMP-002")
    assert row[2] == "'" + FORMULAS["name"] and row[3] == "'+62 SDN"
    sheet = load_workbook(io.BytesIO(client.get("/hasil/lf-smp.xlsx").data)).active
    cells = [c for r in sheet.iter_rows() for c in r if isinstance(c.value, str)]
    named = [c for c in cells if "HYPERLINK" in c.value]
    assert [c.value for c in named] == ["'" + FORMULAS["name"]]
    assert all(c.data_type == "s" for c in cells)
    assert "'+62 SDN" in [c.value for c in cells]


def test_exports_teams_csv_and_registrations_xlsx_neutralise_and_import_back(app):
    _formula_team(app)
    add_user(app, "admin", "admin1")
    person = sign_in(app, "admin1")
    text = person.client.get("/admin/pendaftaran/tim.csv").get_data(as_text=True)
    row = next(r for r in _csv(text) if r[0] == "LF-SMP-002")
    assert row[1] == "'" + FORMULAS["name"] and row[2] == "'+62 SDN"
    assert row[5] == "'@SUM(1);-1+1;\tTab;Biasa"  # members are one cell: its start counts
    assert row[6] == "'=cmd|' /C calc'!A0"
    book = load_workbook(io.BytesIO(person.client.get("/admin/pendaftaran/pendaftaran.xlsx").data))
    cells = [c for r in book["Tim"].iter_rows() for c in r if isinstance(c.value, str)]
    assert "'" + FORMULAS["name"] in [c.value for c in cells]
    assert all(c.data_type == "s" and not c.value.startswith("=") for c in cells)
    # the export imports back to the same names (the apostrophe is taken off again)
    from scoreboard.services.registration_export import import_csv

    with app.extensions["kejurda_db"].transaction() as session:
        import_csv(session, text.encode(), "tim.csv")
    from sqlalchemy import select

    from scoreboard.models import Team

    with app.extensions["kejurda_db"].transaction() as session:
        team = session.scalar(select(Team).where(Team.code == "LF-SMP-002"))
        assert (team.name, team.institution) == (FORMULAS["name"], FORMULAS["institution"])
        assert team.contact == "=cmd|' /C calc'!A0"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_files_server_creates_are_private_and_server_names_no_version(tmp_path):
    instance = tmp_path / "instance"
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("KEJURDA_DATABASE_URL", "KEJURDA_SECRET_KEY")}
    env.update(KEJURDA_INSTANCE=str(instance), PYTHONPATH=str(ROOT))
    log = (tmp_path / "server.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "scoreboard.cli", "serve", "--port",
                             str(port)], cwd=tmp_path, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        resp = None
        deadline = time.monotonic() + 60
        while resp is None and time.monotonic() < deadline:
            assert proc.poll() is None, (tmp_path / "server.log").read_text()
            try:
                resp = requests.get(f"http://127.0.0.1:{port}/login", timeout=2)
            except requests.RequestException:
                time.sleep(0.1)
        assert resp is not None and resp.status_code == 200
        assert resp.headers["Server"] == "kejurda"
        assert resp.headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert _mode(instance) == 0o700
        assert not (instance / "secret_key").exists()  # the key is kept in the database
        assert _mode(instance / "kejurda.db") == 0o600
        assert _mode(instance / "kejurda.db-wal") == 0o600
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()


def test_files_uploaded_proofs_are_private(reg_app, tmp_path):
    from tests.scoreboard.test_registration import PNG, _upload

    link = register_ok(reg_app)
    client = reg_app.test_client()
    assert _upload(client, link, PNG).status_code == 303
    folder = tmp_path / "uploads"
    assert _mode(folder) == 0o700
    [proof] = list(folder.iterdir())
    assert _mode(proof) == 0o600


def test_demo_db_refuses_a_database_that_is_not_a_demo_database(app, tmp_path):
    url = app.config["DATABASE_URL"]
    proc = subprocess.run([sys.executable, "-m", "scoreboard.cli", "demo", "--port",
                           str(free_port()), "--dir", str(tmp_path / "demo"), "--db", url],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "kejurda: error: --db: this database holds the event 'kejurda-uji', not the demo's; "
        "the demo runs only on an empty or demo database (bukan basis data demo)"]
    from sqlalchemy import select

    from scoreboard.models import User

    with app.extensions["kejurda_db"].transaction() as session:
        assert session.scalars(select(User.name)).all() == []  # no demo logins written


def test_demo_db_accepts_an_empty_or_demo_database(bare_app):
    from scoreboard.demo import prepare

    url = bare_app.config["DATABASE_URL"]
    assert prepare(url).startswith("kj_")
    assert prepare(url).startswith("kj_")  # a second demo on its own database


def test_certificate_serials_only_in_canonical_form(app, api, agent, client):
    from scoreboard.services import certificates

    finish(api, agent, "LF-SMP-002", 1_000_000, 12_000_000)
    db = app.extensions["kejurda_db"]
    with app.test_request_context():
        real = certificates.participants(db.session, "test", "lf-smp")[0].serial
    assert client.get(f"/verifikasi/{real}").status_code == 200
    team_id, member, sig = real.split("-")
    for other in (f"0{team_id}-{member}-{sig}", f"{team_id}-0{member}-{sig}",
                  f"{team_id}-{member}-{sig}%0A", f"+{team_id}-{member}-{sig}",
                  f"{team_id}-{member}-{sig}" + "A" * 60, f"{team_id}-{member}-{sig.lower()}"):
        assert client.get(f"/verifikasi/{other}").status_code == 404, other
    with app.test_request_context():
        assert certificates.verify(db.session, "test", real + "\n") is None
        assert certificates.verify(db.session, "test", f"00{team_id}-{member}-{sig}") is None


def test_exports_open_data_csv_neutralises_text_but_not_numbers(app, client):
    _formula_team(app)
    rows = _csv(client.get("/api/v1/open/teams.csv").get_data(as_text=True))
    header, data = rows[0], rows[1:]
    row = next(r for r in data if r[header.index("code")] == "LF-SMP-002")
    assert row[header.index("name")] == "'" + FORMULAS["name"]
    assert row[header.index("institution")] == "'+62 SDN"
