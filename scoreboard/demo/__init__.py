"""`kejurda demo`: the demo championship with a simulated agent and an auto-arming queue."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from scoreboard.demo.fairplay import DemoHeadJudge, DemoInspector, DemoProtester
from scoreboard.demo.players import DemoJudges, DemoReferees
from scoreboard.errors import KejurdaError
from scoreboard.models import Category, Track

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
EVENT_FILE = HERE / "event.toml"
TEAMS_FILE = HERE / "teams.csv"
# Shown on screen and in the README; valid only for the demo database.
DEMO_USERS = (("admin", "admin", "demo-admin"), ("pencatat", "timekeeper", "demo-pencatat"),
              ("ketua", "head_judge", "demo-ketua"), ("juri1", "judge", "demo-juri1"),
              ("pemeriksa", "inspector", "demo-pemeriksa"))
DEMO_DRAWS = ("sumo-sma", "soccer-smp")  # drawn and published at load: public brackets


def refuse_real_database(session: Session) -> None:
    """The demo writes its own logins (with passwords printed on screen) and teams: it runs
    only on an empty database or one an earlier demo made, never on a championship's."""
    from scoreboard.models import Event, Team, User
    from scoreboard.services.event_file import parse_event_file

    demo_slug = parse_event_file(EVENT_FILE)["event"]["slug"]
    slugs = set(session.scalars(select(Event.slug)))
    if slugs - {demo_slug}:
        raise KejurdaError(f"--db: this database holds the event {sorted(slugs)[0]!r}, not "
                           "the demo's; the demo runs only on an empty or demo database "
                           "(bukan basis data demo)")
    if not slugs and (session.scalar(select(User.id).limit(1)) is not None
                      or session.scalar(select(Team.id).limit(1)) is not None):
        raise KejurdaError("--db: this database already has accounts or teams; the demo "
                           "runs only on an empty or demo database (bukan basis data demo)")


def prepare(db_url: str) -> str:
    """Load the demo event, teams and logins into `db_url`; return a fresh agent token."""
    from scoreboard.db import Database
    from scoreboard.services.accounts import create_token, create_user
    from scoreboard.services.event_file import load_event
    from scoreboard.services.teams_csv import import_teams

    db = Database(db_url)
    try:
        with db.transaction() as session:
            refuse_real_database(session)
    except KejurdaError:
        db.dispose()
        raise
    with db.transaction() as session:
        load_event(session, EVENT_FILE)
        import_teams(session, TEAMS_FILE)
        for name, role, password in DEMO_USERS:
            try:
                create_user(session, role, name, password)
            except KejurdaError:
                pass  # already there from an earlier demo on this database
        # bound to the demo's own devices, as a venue's agent tokens should be
        sources = sorted({source for track in session.scalars(select(Track))
                          for source, _gate in track.gates()})
        token = create_token(session, "agent", "demo-sim", sources)
    with db.transaction() as session:
        _inspect(session)  # before the draw: only robots that passed are drawn
        _draw_matches(session)
        _assign_judges(session)
    db.dispose()
    return token


def _assign_judges(session: Session) -> None:
    """The demo judge scores every judged category, so /juri has teams to score."""
    from scoreboard.models import JudgeAssignment, User

    judge = session.scalar(select(User).where(User.name == "juri1"))
    done = set(session.scalars(select(JudgeAssignment.category_id)
                               .where(JudgeAssignment.user_id == judge.id)))
    for cid in session.scalars(select(Category.id).where(Category.format == "judged")):
        if cid not in done:
            session.add(JudgeAssignment(user_id=judge.id, category_id=cid))


def _inspect(session: Session) -> None:
    """The demo inspector works through every robot of a category with a checklist (one
    fails on the scale, is repaired and passes), so the sumo draw has its teams."""
    inspector = DemoInspector(pause_s=0, seed=3)
    while inspector.step(session) is not None:
        pass


def _draw_matches(session: Session) -> None:
    """Draw and publish the demo's match categories, so their bracket pages show something."""
    from scoreboard.services.matches import generate_draw, publish_draw
    from scoreboard.services.matches_state import load_view

    for slug in DEMO_DRAWS:
        if load_view(session, slug).draw is None:  # an earlier demo on this database drew it
            generate_draw(session, slug, "demo")
            publish_draw(session, slug, "demo")


def run_demo(host: str, port: int, workdir: str | None, sim_scale: float,
             db_url: str | None) -> None:
    """Prepare the demo, then serve it with a simulated agent until interrupted."""
    from scoreboard.app import get_db
    from scoreboard.duties import every
    from scoreboard.server import build, check_port, run_server

    check_port(host, port)  # before a database, an agent and a banner for a server that cannot start
    folder = Path(workdir or tempfile.mkdtemp(prefix="kejurda-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    if db_url is None:
        db_file = folder / "demo.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
        db_url = f"sqlite:///{db_file}"
    token = prepare(db_url)
    from scoreboard.demo import schedule as demo_schedule

    demo_schedule.start(db_url)  # the demo has a schedule from its first minute

    def make_app():  # built inside the server process, with the demo's own duties
        app = build(db_url)
        auto = demo_schedule.ScheduledArm(pause_s=max(0.5, 3.0 * sim_scale))
        every(app, 0.5, lambda: auto.step(get_db(app).session), "demo auto-arm", once=True)
        # every format plays: referees enter match results, judges score the creative robots
        referees = DemoReferees(pause_s=max(0.5, 4.0 * sim_scale))
        judges = DemoJudges(pause_s=max(0.5, 3.0 * sim_scale))
        every(app, 0.5, lambda: referees.step(get_db(app).session), "demo referees", once=True)
        every(app, 0.5, lambda: judges.step(get_db(app).session), "demo judges", once=True)
        # fair play: a team protests a lost bout, the head judge decides it and makes each
        # finished category official (the inspector weighed the robots in prepare())
        protester = DemoProtester(pause_s=max(0.5, 6.0 * sim_scale))
        head_judge = DemoHeadJudge(pause_s=max(0.5, 8.0 * sim_scale))
        every(app, 0.5, lambda: protester.step(get_db(app).session), "demo protest", once=True)
        every(app, 0.5, lambda: head_judge.step(get_db(app).session), "demo head judge",
              once=True)
        return app

    base = f"http://{host}:{port}"
    agent = _start_agent(base, token, folder / "agent", sim_scale)
    _banner(base, folder)
    try:
        run_server(host, port, db_url, make_app=make_app)
    finally:
        agent.terminate()
        try:
            agent.wait(5)
        except subprocess.TimeoutExpired:
            agent.kill()


def _start_agent(base: str, token: str, data_dir: Path, scale: float) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "hardware.cli", "--server", base,
           "--simulate", "--data-dir", str(data_dir), "--sim-scale", str(scale),
           "--name", "demo-agent"]
    # the token goes by environment: a command line is shown to every user by ps
    env = dict(os.environ, KEJURDA_TOKEN=token, PYTHONPATH=os.pathsep.join(filter(None, [
        str(HERE.parent.parent), os.environ.get("PYTHONPATH")])))
    return subprocess.Popen(cmd, env=env)


AUDIENCES = (  # (who, path): every audience's page, printed by the demo
    ("Beranda / start page (semua / everyone)", "/"),
    ("Layar proyektor / projector", "/display"),
    ("Ponsel penonton / phones: kategori", "/kategori"),
    ("Ponsel: peringkat / ranking", "/kategori/lf-smp"),
    ("Ponsel: bagan sumo / sumo bracket", "/kategori/sumo-sma/bagan"),
    ("Ponsel: tim / a team", "/tim/LF-SMP-001"),
    ("Hasil dan sertifikat / results", "/hasil"),
    ("Jadwal / schedule", "/jadwal"),
    ("Pendaftaran tim / registration", "/daftar"),
    ("Masuk / login", "/login"),
    ("Admin: dasbor / dashboard (admin)", "/"),
    ("Meja Lintasan A / desk (pencatat)", "/desk/?lintasan=lintasan-a"),
    ("Meja Lintasan B / desk (pencatat)", "/desk/?lintasan=lintasan-b"),
    ("Wasit sumo / referee (pencatat, ketua)", "/wasit/sumo-sma"),
    ("Wasit sepak bola / referee", "/wasit/soccer-smp"),
    ("Tablet juri / judge tablet (juri1)", "/juri"),
    ("Ketua juri / head judge (ketua)", "/juri/ketua"),
    ("Perangkat / devices (admin, pencatat)", "/admin/perangkat"),
    ("Pemeriksaan / inspection (pemeriksa)", "/pemeriksaan"),
    ("Sanggah / protests (ketua)", "/sanggah"),
    ("Juara umum / medal table", "/juara-umum"),
    ("Panduan panitia / committee guide", "/panduan"),
    ("API", "/api/v1/openapi.json"),
)


def _banner(base: str, folder: Path) -> None:
    lines = ["", "kejurda demo: Kejurda Robotik Kabupaten Blitar 2026"]
    lines += [f"  {who:<40} : {base}{path}" for who, path in AUDIENCES]
    lines += [
        "  Akun demo / demo logins (only in this demo database):",
    ]
    lines += [f"    {role:<11} {name:<9} password: {pw}" for name, role, pw in DEMO_USERS]
    lines += [f"  Data: {folder}", "  Ctrl+C untuk berhenti / to stop.", ""]
    click.echo("\n".join(lines))
