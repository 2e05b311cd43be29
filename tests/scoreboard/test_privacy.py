"""Privacy by default: no pupil's name and no phone number leaves through any public page
or resource while the event file's `public_members` switch is off; `privacy purge`
deletes contacts and uploads once the event is old enough, and not before."""

from __future__ import annotations

import csv
import re
from datetime import timedelta
from itertools import product
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.support.venue import kejurda

DATA = Path(__file__).resolve().parents[1] / "data"
PHONE = re.compile(r"(?:\+62|\b0)8\d{7,12}\b")
# route parameters and where their real values come from; a public route with any other
# parameter fails the crawl, so a new page cannot escape the scan unnoticed
PARAMS = ("slug", "code", "run_id", "screen", "name", "match_id", "serial", "token",
          "filename", "lang", "slide_id")


def _personal() -> tuple[set[str], set[str]]:
    rows = list(csv.DictReader((DATA / "teams.csv").open(encoding="utf-8")))
    members = {m.strip() for r in rows for m in r["members"].split(";") if m.strip()}
    phones = {r["contact"] for r in rows if r["contact"]}
    return members, phones


def _values(app, api) -> dict[str, list]:
    from scoreboard.models import Category, Run, Slide, Team

    with app.extensions["kejurda_db"].transaction() as session:
        slugs = list(session.scalars(select(Category.slug)))
        codes = list(session.scalars(select(Team.code)))
        runs = list(session.scalars(select(Run.id)))
        slides = list(session.scalars(select(Slide.id)))   # images the admin chose to show
    matches = [m["id"] for m in api.get("/api/v1/matches").get_json()]
    return {"slug": slugs, "code": codes, "run_id": runs, "screen": ["utama"],
            "name": ["categories", "teams", "runs", "matches", "rankings", "medals"],
            "match_id": matches or ["W1-1"], "slide_id": slides}


def _public_urls(app, api) -> list[str]:
    values = _values(app, api)
    urls = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if "GET" not in rule.methods or getattr(view, "required_roles", None) is not None \
                or rule.endpoint == "static":
            continue
        args = sorted(rule.arguments)
        unknown = [a for a in args if a not in PARAMS]
        assert unknown == [], f"{rule.rule}: teach the privacy crawl about {unknown}"
        if any(a in ("serial", "token", "filename", "lang") for a in args):
            continue  # private links and files: each is someone's own, tested elsewhere
        for combo in product(*(values[a] for a in args)):
            urls.append(rule.build(dict(zip(args, combo, strict=True)))[1])
    return urls


@pytest.fixture
def finished(app, api, agent):
    for i, team in enumerate(("LF-SMP-001", "LF-SMP-002")):
        run = api.arm("lf-smp", team)
        agent.send("esp32-a", 0, "B", 5_000_000 + i * 100_000_000)
        agent.send("esp32-a", 1, "B", 15_000_000 + i * 100_000_000)
        assert api.run(run["id"])["status"] == "finished"
    return api


def _readable(resp) -> str:
    """What a person or a program could read in the answer: PDF and XLSX text included."""
    import io

    data = resp.get_data()
    if resp.mimetype == "application/pdf":
        from pypdf import PdfReader

        return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    if "spreadsheet" in resp.mimetype:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(str(v) for ws in book.worksheets for row in ws.iter_rows(
            values_only=True) for v in row if v is not None)
    if resp.mimetype.startswith("image/"):
        return ""
    return data.decode()


def _leaks(client, urls, members, phones) -> list[tuple[str, str]]:
    found = []
    for url in urls:
        resp = client.get(url)
        assert resp.status_code < 500, url
        body = _readable(resp)
        found += [(url, m) for m in members if m in body]
        found += [(url, p) for p in phones if p in body]
        found += [(url, p) for p in PHONE.findall(body)]
    return found


def test_no_member_name_or_phone_leaves_through_public_pages_while_the_switch_is_off(
        app, finished):
    members, phones = _personal()
    urls = _public_urls(app, finished)
    assert "/tim/LF-SMP-001" in urls and "/api/v1/open/teams.csv" in urls and len(urls) > 40
    assert _leaks(app.test_client(), urls, members, phones) == []


def test_the_switch_on_shows_members_on_the_team_page_and_the_scan_sees_them(app, finished):
    from scoreboard.models import Event

    with app.extensions["kejurda_db"].transaction() as session:
        session.scalar(select(Event)).options = {"public_members": True}
    members, phones = _personal()
    leaks = _leaks(app.test_client(), ["/tim/LF-SMP-001"], members, phones)
    assert {name for _url, name in leaks} == {"Sari Santoso", "Budi Lestari"}
    # the open data never carries members, switch or not
    assert _leaks(app.test_client(), ["/api/v1/open/teams.csv"], members, phones) == []


def test_the_event_file_switch_is_checked(tmp_path):
    from scoreboard.errors import LoadError
    from scoreboard.services.event_file import parse_event_file

    text = (DATA / "event.toml").read_text()
    good = tmp_path / "on.toml"
    good.write_text(text.replace("[event]\n", "[event]\npublic_members = true\n", 1))
    assert parse_event_file(good)["event"]["options"] == {"public_members": True}
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("[event]\n", "[event]\npublic_members = \"ya\"\n", 1))
    with pytest.raises(LoadError, match="key 'public_members': must be true or false"):
        parse_event_file(bad)


def _approved(session, code: str, proof: str):
    """An approved registration of team `code` with its payment proof `proof`."""
    from scoreboard.models import Registration, Team

    team = session.scalar(select(Team).where(Team.code == code))
    session.add(Registration(
        code=f"R-{code}", edit_key="k" * 32, status="approved", team_name=team.name,
        institution=team.institution, level="SMP", category_id=team.category_id,
        robot_name="R", coach_name="Pak Guru", coach_phone="+6281234567890",
        members=["Sari Santoso"], consent=True, dup_key=code, team_id=team.id,
        team_code=team.code, proof_file=proof, proof_type="image/png", source_ip="10.0.0.7"))
    return team


def test_purge_deletes_contacts_and_uploads_only_after_the_event(app, finished, tmp_path):
    from scoreboard.errors import Conflict
    from scoreboard.models import Inspection, Registration, Team
    from scoreboard.models.base import utcnow
    from scoreboard.services.privacy import purge

    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "bukti-1.png").write_bytes(b"\x89PNG proof")
    with app.extensions["kejurda_db"].transaction() as session:
        team = _approved(session, "LF-SMP-001", "bukti-1.png")
        (uploads / "inspections").mkdir()
        (uploads / "inspections" / "LF-SMP-001-ab.png").write_bytes(b"\x89PNG robot")
        session.add(Inspection(category_id=team.category_id, team_id=team.id, passed=True,
                               created_by="user:pemeriksa",
                               photo_file="inspections/LF-SMP-001-ab.png"))
    with app.extensions["kejurda_db"].transaction() as session:
        with pytest.raises(Conflict, match="0 day\\(s\\) old, not yet 30"):
            purge(session, uploads, 30, "test")
    assert (uploads / "bukti-1.png").exists()
    with app.extensions["kejurda_db"].transaction() as session:
        done = purge(session, uploads, 30, "test", now=utcnow() + timedelta(days=31))
    assert done.uploads == 2 and not (uploads / "bukti-1.png").exists()
    assert list((uploads / "inspections").iterdir()) == []
    with app.extensions["kejurda_db"].transaction() as session:
        assert set(session.scalars(select(Team.contact))) == {""}
        reg = session.scalar(select(Registration))
        assert (reg.coach_phone, reg.coach_name, reg.source_ip, reg.proof_file) == \
            ("", "", "", None)
        assert reg.members == ["Sari Santoso"]  # certificates still name them
        assert session.scalar(select(Inspection.photo_file)) is None   # the record stays


def test_purge_from_the_command_line(tmp_path):
    db = f"sqlite:///{tmp_path / 'p.db'}"
    kejurda("event", "load", str(DATA / "event.toml"), "--db", db)
    kejurda("teams", "import", str(DATA / "teams.csv"), "--db", db)
    out = kejurda("privacy", "purge", "--after", "0", "--uploads", str(tmp_path / "up"),
                  "--db", db)
    assert out.strip().splitlines()[-1] == (
        "privacy purge: 10 contacts and 0 uploaded files deleted")


def test_purge_from_the_command_line_finds_the_uploads_where_the_setting_says(
        app, finished, tmp_path, monkeypatch):
    """Without --uploads, `privacy purge` deletes in KEJURDA_UPLOAD_DIR (it used to look in
    <instance>/uploads whatever the setting said, and left the files where they were)."""
    uploads = tmp_path / "elsewhere"
    uploads.mkdir()
    (uploads / "bukti-9.png").write_bytes(b"\x89PNG proof")
    with app.extensions["kejurda_db"].transaction() as session:
        _approved(session, "LF-SMP-002", "bukti-9.png")
    monkeypatch.setenv("KEJURDA_UPLOAD_DIR", str(uploads))
    url = app.extensions["kejurda_db"].engine.url.render_as_string(False)
    out = kejurda("privacy", "purge", "--after", "0", "--db", url)
    assert out.strip().splitlines()[-1].endswith("contacts and 1 uploaded files deleted")
    assert not (uploads / "bukti-9.png").exists()
