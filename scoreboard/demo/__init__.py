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

from scoreboard.errors import KejurdaError
from scoreboard.models import Category

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
EVENT_FILE = HERE / "event.toml"
TEAMS_FILE = HERE / "teams.csv"
# Shown on screen and in the README; valid only for the demo database.
DEMO_USERS = (("admin", "admin", "demo-admin"), ("pencatat", "timekeeper", "demo-pencatat"),
              ("ketua", "head_judge", "demo-ketua"), ("juri1", "judge", "demo-juri1"))
DEMO_DRAWS = ("sumo-sma", "soccer-smp")  # drawn and published at load: public brackets


def prepare(db_url: str) -> str:
    """Load the demo event, teams and logins into `db_url`; return a fresh agent token."""
    from scoreboard.db import Database
    from scoreboard.services.accounts import create_token, create_user
    from scoreboard.services.event_file import load_event
    from scoreboard.services.teams_csv import import_teams

    db = Database(db_url)
    with db.transaction() as session:
        load_event(session, EVENT_FILE)
        import_teams(session, TEAMS_FILE)
        for name, role, password in DEMO_USERS:
            try:
                create_user(session, role, name, password)
            except KejurdaError:
                pass  # already there from an earlier demo on this database
        token = create_token(session, "agent", "demo-sim")
    with db.transaction() as session:
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
    from scoreboard.server import build, check_port, every, run_server

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

    def make_app():  # built inside the server process, with the demo's own duty
        app = build(db_url)
        auto = demo_schedule.ScheduledArm(pause_s=max(0.5, 3.0 * sim_scale))
        every(app, 0.5, lambda: auto.step(get_db(app).session), "demo auto-arm", once=True)
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
    cmd = [sys.executable, "-m", "hardware.cli", "--server", base, "--token", token,
           "--simulate", "--data-dir", str(data_dir), "--sim-scale", str(scale),
           "--name", "demo-agent"]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [
        str(HERE.parent.parent), os.environ.get("PYTHONPATH")])))
    return subprocess.Popen(cmd, env=env)


def _banner(base: str, folder: Path) -> None:
    lines = [
        "",
        "kejurda demo: Kejurda Robotik Kabupaten Blitar 2026",
        f"  Layar proyektor / projector : {base}/display",
        f"  Meja pencatat waktu / desk  : {base}/desk/",
        f"  Masuk / login               : {base}/login",
        f"  Bagan / bracket             : {base}/kategori/sumo-sma/bagan",
        f"  API                         : {base}/api/v1/openapi.json",
        "  Akun demo / demo logins (only in this demo database):",
    ]
    lines += [f"    {role:<11} {name:<9} password: {pw}" for name, role, pw in DEMO_USERS]
    lines += [f"  Data: {folder}", "  Ctrl+C untuk berhenti / to stop.", ""]
    click.echo("\n".join(lines))
