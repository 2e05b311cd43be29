"""Failover with every kind of device at work: a timing agent (virtual ESP32 on a pty), a
judge's tablet and a referee's pad in headless Chromium (docs/data-safety.md).

The pages reach the server through one address that moves (a TCP relay standing in for
the venue name or an nginx upstream); the agent is given both servers. The standby is
frozen (SIGSTOP) while the tablet saves a sheet, the pad a bout's result and the agent
a run, so the primary confirms facts its standby never copied; then the primary is
SIGKILLed, the standby promoted and the address moved. The tablet, the pad and the agent
notice the new server and send what it confirmed in the last minutes again: every
sheet, result and edge is stored exactly once, and the rankings are those the stored
facts give.
"""

from __future__ import annotations

import signal
import sqlite3
from pathlib import Path

import pytest

from tests.browser.conftest import sign_in
from tests.e2e.test_failover import promote, start_standby, wait_for
from tests.support.esp32 import Robot, assert_runs_match, start_box, wait_stored
from tests.support.proxy import TcpProxy
from tests.support.venue import Venue, free_port, kejurda, wait_for_agent

pytestmark = pytest.mark.browser
DATA = Path(__file__).parent / "data"
PASSWORD = "sandi-siaga-123"
SECRET = {"KEJURDA_SECRET_KEY": "siaga-kunci-bersama-untuk-dua-laptop",
          "KEJURDA_BACKUP_EVERY_MIN": "0"}
SHEETS = {"KRE-001": (80, 70, 90), "KRE-002": (60, 95, 50)}


def weighted(values) -> float:
    return round((40 * values[0] + 40 * values[1] + 20 * values[2]) / 100, 2)


@pytest.fixture
def site(tmp_path: Path):
    from sqlalchemy import select

    from scoreboard.db import Database
    from scoreboard.models import Category, JudgeAssignment, User

    db_url = f"sqlite:///{tmp_path / 'venue.db'}"
    kejurda("event", "load", str(DATA / "failover_event.toml"), "--db", db_url)
    kejurda("teams", "import", str(DATA / "failover_teams.csv"), "--db", db_url)
    for role, name in (("judge", "juri1"), ("timekeeper", "wasit1")):
        kejurda("user", "create", "--role", role, "--name", name, "--password-stdin",
                "--db", db_url, stdin=PASSWORD + "\n")
    database = Database(db_url)
    with database.transaction() as session:
        uid = session.scalar(select(User.id).where(User.name == "juri1"))
        cid = session.scalar(select(Category.id).where(Category.slug == "kreatif-sd"))
        session.add(JudgeAssignment(user_id=uid, category_id=cid))
    database.dispose()
    tokens = {role: kejurda("token", "create", "--role", role, "--name", f"t-{role}", "--db",
                            db_url).strip().splitlines()[-1]
              for role in ("agent", "admin", "timekeeper")}
    venue = Venue(tmp_path, free_port(), db_url, tokens)
    box = start_box(tmp_path, seed=5, ppm=10)
    yield venue, box
    box.stop()
    for proc in reversed(venue.procs):
        proc.stop()


def rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def score(page, team: str) -> None:
    page.click(f"button.team[data-team='{team}']")
    for key, value in zip(("inovasi", "teknis", "presentasi"), SHEETS[team], strict=True):
        page.fill(f"#crit-{key}", str(value))
    page.click("#sheet-submit")
    page.wait_for_selector(f"button.team[data-team='{team}'] .badge[data-state='saved']",
                           timeout=20000)


def test_tablet_pad_and_agent_facts_survive_a_failover_once(browser, site, tmp_path):
    venue, box = site
    primary = venue.start_server(env=SECRET)
    for path in ("/categories/sumo-uji/draw", "/categories/sumo-uji/draw/publish"):
        assert venue.api("POST", path, token="admin").status_code in (200, 201)
    folder, port = tmp_path / "standby", free_port()
    standby = start_standby(venue, folder, port, env=SECRET)
    standby_db = folder / "standby.db"
    address = TcpProxy(venue.port)  # the one address pages know
    new = Venue(tmp_path, port, f"sqlite:///{standby_db}", venue.tokens, venue.procs)
    venue.start_agent("--serial", box.link, "--server", new.url)
    wait_for_agent(venue, timeout=90)  # a loaded machine starts processes slowly

    judge = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True)
    referee = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True)
    tablet, pad = judge.new_page(), referee.new_page()
    sign_in(tablet, address.url, "juri1", PASSWORD, "/juri")
    pad.goto(f"{address.url}/login")
    pad.fill("#name", "wasit1")
    pad.fill("#password", PASSWORD)
    pad.click("button[type=submit]")
    pad.wait_for_load_state()
    robot = Robot(box, venue)
    robot.play("SMP-01", 654_321, 200_000)
    score(tablet, "KRE-001")
    run = robot.arm("SMP-02")
    wait_for(lambda: rows(standby_db, "SELECT COUNT(*) FROM score_sheet") == [(1,)]
             and rows(standby_db, f"SELECT status FROM run WHERE id = {run['id']}")
             == [("armed",)], "the standby never caught up", venue.logs)

    standby.popen.send_signal(signal.SIGSTOP)
    try:
        score(tablet, "KRE-002")
        truth = robot.drive(run, 987_654, 300_000)
        bout = venue.api("GET", "/categories/sumo-uji/bracket", token="admin").json()["matches"][0]
        pad.goto(f"{address.url}/wasit/pad/sumo-uji/{bout['id']}")
        pad.locator(".pad-point[data-side='home']").click()
        pad.locator(".pad-point[data-side='home']").click()
        pad.click("#pad-submit")
        pad.wait_for_selector("#pad-state[data-state='saved']", timeout=20000)
        robot.wait_done()
        robot.wait_acked()
        assert_runs_match(venue, robot.truths)
        assert wait_stored(venue, robot.expected_rows()) == robot.expected_rows()
        primary.stop(signal.SIGKILL)
    finally:
        standby.popen.send_signal(signal.SIGCONT)
    assert rows(standby_db, "SELECT COUNT(*) FROM score_sheet") == [(1,)]
    assert rows(standby_db, "SELECT COUNT(*) FROM match_record") == [(0,)]

    done = promote(folder)
    assert done.returncode == 0, done.stderr + venue.logs()
    address.upstream = ("127.0.0.1", port)  # the venue name now points at the standby
    address.cut()

    keys = tablet.evaluate("Object.keys(JSON.parse(localStorage.getItem("
                           "'kejurda.juri.juri1.confirmed')))")
    wait_for(lambda: rows(standby_db, "SELECT COUNT(*) FROM score_sheet") == [(2,)]
             and rows(standby_db, "SELECT COUNT(*) FROM match_record") == [(1,)],
             "the tablet and the pad did not re-send", new.logs, timeout=60)
    assert sorted(k for (k,) in rows(standby_db, "SELECT idempotency_key FROM score_sheet")) \
        == sorted(keys)
    assert_runs_match(new, [truth], timeout=60)
    assert wait_stored(new, robot.expected_rows()) == robot.expected_rows()

    ranking = new.api("GET", "/categories/kreatif-sd/ranking").json()["entries"]
    assert {e["team"]: e["score"] for e in ranking} == {t: weighted(v) for t, v in SHEETS.items()}
    sumo = new.api("GET", "/categories/sumo-uji/bracket", token="admin").json()["matches"][0]
    assert (sumo["status"], sumo["winner"], sumo["version"]) == ("done", bout["home"], 1)
    timed = new.api("GET", "/categories/lf-smp/ranking").json()["entries"]
    assert {e["team"]: e["best_us"] for e in timed} == {
        t.team: t.elapsed_us for t in robot.truths}
    judge.close()
    referee.close()
    address.close()
