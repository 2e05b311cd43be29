"""Every format's result on every screen, in headless Chromium at the venue's sizes: the
projector (1920×1080 and 1280×720) and a phone (390×844). One server for the module: a
timed category (lf-smp), a judged one (kreatif-sd) and a sumo knockout (sumo-4), each
result stored through the API as the desk, a judge's tablet and a referee store it."""

from __future__ import annotations

import re

import pytest
import requests

from tests.browser.conftest import watch_requests
from tests.scoreboard.matches_support import add_match_categories_to
from tests.support.venue import DATA, Venue, kejurda, make_venue

pytestmark = pytest.mark.browser
JUDGE_PASSWORD = "rahasia-juri-123"
LONG_NAME = "Tim Robotika Sekolah Dasar Negeri Satu Kabupaten Blitar Jawa"  # 60 characters
JUDGED = '''[[category]]
slug = "kreatif-sd"
name = "Robot Kreatif SD"
format = "judged"
criteria = [
  { key = "inovasi", name = "Inovasi", weight = 50, max = 100 },
  { key = "teknis",  name = "Teknis",  weight = 50, max = 100 },
]

[[category]]'''
PROJECTOR, SMALL_PROJECTOR, PHONE = ({"width": 1920, "height": 1080},
                                     {"width": 1280, "height": 720}, {"width": 390, "height": 844})


def _add_rows(venue: Venue) -> None:
    """The match categories, kreatif-sd's teams (one with a 60-character name), a judge
    assigned to it, and 30 more teams in lf-sd (a ranking longer than one screen)."""
    from sqlalchemy import select

    from scoreboard.db import Database
    from scoreboard.models import Category, JudgeAssignment, Team, User

    database = Database(venue.db_url)
    try:
        add_match_categories_to(database)
        with database.transaction() as session:
            kreatif = session.scalar(select(Category).where(Category.slug == "kreatif-sd"))
            for code, name in (("KRE-01", LONG_NAME), ("KRE-02", "Kreasi Cilik 2")):
                session.add(Team(code=code, name=name, institution="SDN Kademangan 1",
                                 category_id=kreatif.id, level="SD", members=["Anak"]))
            sd = session.scalar(select(Category).where(Category.slug == "lf-sd"))
            for n in range(30):
                session.add(Team(code=f"SDX-{n:02d}", name=f"Tim Tambahan {n:02d}",
                                 institution="SD Uji", category_id=sd.id, level="SD",
                                 members=[]))
            judge = session.scalar(select(User).where(User.name == "juri1"))
            session.add(JudgeAssignment(user_id=judge.id, category_id=kreatif.id))
    finally:
        database.dispose()


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    venue = make_venue(tmp_path_factory.mktemp("hall"))
    text = (DATA / "event.toml").read_text(encoding="utf-8").replace("[[category]]", JUDGED, 1)
    # lf-sd's runs may last: a run that keeps running is what the playlist test needs
    sd = 'track = "lintasan-b"\nattempts = 3\ntime_limit_s = 4'
    assert sd in text
    event = venue.tmp / "event-results.toml"
    event.write_text(text.replace(sd, sd[:-1] + "600"), encoding="utf-8")
    kejurda("event", "load", str(event), "--db", venue.db_url)
    venue.add_user("judge", "juri1", JUDGE_PASSWORD)
    _add_rows(venue)
    venue.start_server(env={"KEJURDA_DISPLAY_LIVE_MAX_S": "4"})
    assert venue.api("POST", "/categories/sumo-4/draw", token="admin").status_code == 201
    assert venue.api("POST", "/categories/sumo-4/draw/publish", token="admin").status_code == 200
    assert venue.api("POST", "/categories/bola-rr/draw", token="admin").status_code == 201
    assert venue.api("POST", "/categories/bola-rr/draw/publish",
                     token="admin").status_code == 200
    yield venue
    for proc in reversed(venue.procs):
        proc.stop()


def playlist(venue: Venue, screen: str, *scenes: dict) -> None:
    resp = venue.api("PUT", f"/display/screens/{screen}", token="admin",
                     json={"playlist": list(scenes)})
    assert resp.status_code == 200, resp.text


def timed_result(venue: Venue, team: str, boot: str, elapsed_us: int) -> None:
    """A run of `team` on lintasan-a timed by two edges of esp32-a."""
    run = venue.api("POST", "/runs", json={"category": "lf-smp", "team": team}).json()
    acks = venue.send_edges(
        {"source": "esp32-a", "boot": boot, "seq": 1, "gate": 0, "edge": "B", "t_us": 1_000_000},
        {"source": "esp32-a", "boot": boot, "seq": 2, "gate": 1, "edge": "B",
         "t_us": 1_000_000 + elapsed_us})
    assert acks == [{"ok": True}, {"ok": True}]
    assert venue.wait_final(run["id"])["status"] == "finished"


def judged_result(venue: Venue, team: str, inovasi: int, teknis: int) -> None:
    """A score sheet sent as the judge's tablet sends it (signed in, CSRF header)."""
    session = requests.Session()
    token = re.search(r'name="csrf-token" content="([^"]+)"',
                      session.get(f"{venue.url}/login", timeout=10).text)[1]
    session.post(f"{venue.url}/login", data={"csrf_token": token, "name": "juri1",
                                             "password": JUDGE_PASSWORD}, timeout=10)
    token = re.search(r'name="csrf-token" content="([^"]+)"',
                      session.get(f"{venue.url}/login", timeout=10).text)[1]
    resp = session.post(f"{venue.url}/api/v1/categories/kreatif-sd/scores",
                        headers={"X-CSRFToken": token}, timeout=10,
                        json={"team": team, "scores": {"inovasi": inovasi, "teknis": teknis},
                              "idempotency_key": f"tablet-{team}-{inovasi}", "base_version": 0})
    assert resp.status_code in (200, 201), resp.text


def match_result(venue: Venue, match_id: str, home: int, away: int) -> None:
    resp = venue.api("POST", f"/categories/sumo-4/matches/{match_id}/result",
                     json={"home_yuko": home, "away_yuko": away})
    assert resp.status_code == 201, resp.text


def row_text(page, selector: str, team: str) -> str:
    return page.locator(f"{selector} tr[data-team='{team}']").inner_text()


def wait_row(page, body: str, team: str, text: str, timeout: int = 15000) -> None:
    page.wait_for_function(
        "([body, team, text]) => { const r = document.querySelector("
        "`#${body} tr[data-team='${team}']`); return r && r.innerText.includes(text); }",
        arg=[body, team, text], timeout=timeout)


def test_each_format_appears_on_the_projector_after_it_is_stored(browser, hall: Venue,
                                                                 outside_requests):
    page = browser.new_page(viewport=PROJECTOR)
    watch_requests(page, hall.url, outside_requests)
    page.goto(f"{hall.url}/display/hasil")
    playlist(hall, "hasil", {"scene": "ranking", "category": "lf-smp", "seconds": 600})
    page.wait_for_function("document.getElementById('display').dataset.scene === 'ranking'",
                           timeout=10000)
    timed_result(hall, "SMP-02", "t1", 2_345_999)
    wait_row(page, "scene-ranking-body", "SMP-02", "2.345")
    assert row_text(page, "#scene-ranking-body", "SMP-02").split("\t") == [
        "1", "Rajawali 2", "2.345"]

    playlist(hall, "hasil", {"scene": "ranking", "category": "kreatif-sd", "seconds": 600})
    page.wait_for_function("document.querySelector('#scene-ranking-head').innerText"
                           ".includes('Nilai')", timeout=10000)
    judged_result(hall, "KRE-01", 90, 80)
    wait_row(page, "scene-ranking-body", "KRE-01", "85.00 (sementara)")
    cells = row_text(page, "#scene-ranking-body", "KRE-01").split("\t")
    assert cells == ["1", LONG_NAME, "85.00 (sementara)"]
    # the long name is cut with "…" inside its cell: the row stays one line high
    heights = page.eval_on_selector_all("#scene-ranking-body tr",
                                        "rows => rows.map(r => r.getBoundingClientRect().height)")
    assert max(heights) - min(heights) < 2, heights

    playlist(hall, "hasil", {"scene": "ranking", "category": "sumo-4", "seconds": 600})
    page.wait_for_function("document.querySelector('#scene-ranking-head').innerText"
                           ".includes('Menang')", timeout=10000)
    match_result(hall, "W1-1", 2, 0)
    wait_row(page, "scene-ranking-body", "SM-1", "Final")
    assert row_text(page, "#scene-ranking-body", "SM-1").split("\t") == [
        "–", "Tim SM-1", "1", "1", "Final"]
    assert row_text(page, "#scene-ranking-body", "SM-4").split("\t")[2:] == [
        "1", "0", "Perebutan Juara 3"]
    assert outside_requests == []


def test_the_bracket_scene_draws_boxes_and_lines_with_winners_by_name(browser, hall: Venue):
    page = browser.new_page(viewport=SMALL_PROJECTOR)
    page.goto(f"{hall.url}/display/bagan")
    playlist(hall, "bagan", {"scene": "bracket", "category": "sumo-4", "seconds": 600})
    page.locator(".bx-match#bx-W2-1").wait_for(timeout=10000)
    match_result(hall, "W1-2", 0, 2)
    page.wait_for_function(
        "document.querySelector('#bx-W1-2 .bx-side.win') !== null", timeout=10000)
    assert page.locator("#bx-W1-2 .bx-side.win .bx-name").inner_text() == "Tim SM-3"
    assert page.locator("#bx-W1-2 .bx-side.win .bx-score").inner_text() == "2"
    titles = page.locator(".bx-col h4").all_inner_texts()
    assert titles == ["Semifinal", "Final", "Perebutan Juara 3"]
    # a line from each semifinal to the final: two paths ending at the final's left edge
    page.wait_for_function("document.querySelectorAll('.bx-lines path').length === 2",
                           timeout=10000)
    final = page.locator("#bx-W2-1").bounding_box()
    origin = page.locator(".bx-part").bounding_box()
    for d in page.eval_on_selector_all(".bx-lines path", "ps => ps.map(p => p.getAttribute('d'))"):
        end_x = float(d.rsplit("H", 1)[1])
        assert abs(origin["x"] + end_x - final["x"]) < 2, (d, final)
    # readable from 20 m: team names at least 3% of the screen's height
    size = page.eval_on_selector(".bx-name", "e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 0.03 * 720 - 0.5, size
    # the semifinal's winner has moved on to the final, by name
    assert page.locator("#bx-W2-1 .bx-side").nth(1).locator(".bx-name").inner_text() == "Tim SM-3"


def test_a_long_ranking_pages_through_by_itself(browser, hall: Venue):
    page = browser.new_page(viewport=SMALL_PROJECTOR)
    page.goto(f"{hall.url}/display/panjang")
    playlist(hall, "panjang", {"scene": "ranking", "category": "lf-sd", "seconds": 600})
    page.wait_for_function(
        "document.getElementById('scene-ranking-page').innerText.includes('1/')", timeout=10000)
    note = page.locator("#scene-ranking-page").inner_text()
    pages = int(note.rsplit("/", 1)[1])
    assert pages >= 2, note
    rows = page.locator("#scene-ranking-body tr")
    assert rows.count() == 34  # every team is in the table, the others on later pages
    first = page.eval_on_selector_all("#scene-ranking-body tr:not([hidden])",
                                      "rs => rs.map(r => r.dataset.team)")
    # every shown row lies on the screen
    bottom = page.eval_on_selector_all(
        "#scene-ranking-body tr:not([hidden])",
        "rs => Math.max(...rs.map(r => r.getBoundingClientRect().bottom))")
    assert bottom <= 720
    page.wait_for_function(
        "document.getElementById('scene-ranking-page').innerText.includes('2/')", timeout=15000)
    second = page.eval_on_selector_all("#scene-ranking-body tr:not([hidden])",
                                       "rs => rs.map(r => r.dataset.team)")
    assert second and not set(first) & set(second)


def test_callup_is_a_table_and_back_to_back_runs_do_not_stop_the_playlist(browser,
                                                                         hall: Venue):
    import subprocess
    import sys

    script = ("from scoreboard.app import create_app\n"
              "from scoreboard.services import callup\n"
              f"app = create_app({{'DATABASE_URL': {hall.db_url!r}, 'SECRET_KEY': 'x'}})\n"
              "with app.app_context():\n"
              "    db = app.extensions['kejurda_db']\n"
              "    callup.join(db.session, 'lintasan-a', 'SMP-04', 'test')\n"
              "    callup.join(db.session, 'lintasan-a', 'SMP-01', 'test')\n")
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    page = browser.new_page(viewport=PROJECTOR)
    page.goto(f"{hall.url}/display/putar")
    playlist(hall, "putar", {"scene": "live", "seconds": 3},
             {"scene": "callup", "seconds": 3})
    row = page.locator("#scene-data-body tr[data-arena='lintasan-a']")
    row.wait_for(timeout=15000)
    assert page.locator("#scene-data-body th").all_inner_texts() == [
        "Lintasan", "Bersiap", "Berikutnya"]
    assert row.locator("td").all_inner_texts() == ["Lintasan A", "Brantas 4 (SMPN 1 Srengat)",
                                                   "2. Garuda 1 (SMPN 1 Blitar)"]
    # a run that never ends holds the live scene only for the bound (4 s here), then the
    # playlist goes on; the same run cannot take the screen back before the others had a turn
    hall.api("POST", "/runs", json={"category": "lf-sd", "team": "SD-01"})
    hall.send_edges({"source": "pi-b", "boot": "t9", "seq": 1, "gate": 0, "edge": "B",
                     "t_us": 1_000_000})
    page.wait_for_function("document.getElementById('display').dataset.scene === 'live'",
                           timeout=15000)
    assert page.locator("#live-label").inner_text().startswith("Lintasan B (putaran) · ")
    # a second track running at the same time: both listed by their names
    hall.api("POST", "/runs", json={"category": "lf-smp", "team": "SMP-04"})
    hall.send_edges({"source": "esp32-a", "boot": "t8", "seq": 1, "gate": 0, "edge": "B",
                     "t_us": 1_000_000})
    page.wait_for_function("document.querySelectorAll('#live-tracks li').length === 2",
                           timeout=15000)
    assert page.locator("#live-tracks .track-name").all_inner_texts() == [
        "Lintasan A", "Lintasan B (putaran)"]
    page.wait_for_function("document.getElementById('display').dataset.scene === 'data'",
                           timeout=15000)
    page.wait_for_function("document.getElementById('display').dataset.scene === 'live'",
                           timeout=15000)
    page.wait_for_function("document.getElementById('display').dataset.scene === 'data'",
                           timeout=15000)
    run = hall.api("GET", "/runs?category=lf-sd&limit=1000").json()
    running = [r for r in run if r["status"] == "running"]
    assert len(running) == 1 and running[0]["team"] == "SD-01"
    resp = hall.api("POST", f"/runs/{running[0]['id']}/abort")
    assert resp.status_code == 200


def test_each_format_appears_on_the_phone_pages(browser, hall: Venue):
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{hall.url}/kategori/kreatif-sd")
    page.wait_for_function("document.getElementById('conn').dataset.state === 'online'",
                           timeout=10000)
    judged_result(hall, "KRE-02", 70, 70)
    wait_row(page, "ranking-body", "KRE-02", "70.00 (sementara)")
    changed = page.locator("#ranking-body tr.new-result")
    assert changed.count() == 1 and changed.get_attribute("data-team") == "KRE-02"
    # the mark is brief, and readable while it lasts (contrast at least 4.5:1)
    ratio = page.eval_on_selector("#ranking-body tr.new-result td", CONTRAST)
    assert ratio >= 4.5, ratio
    page.wait_for_function("document.querySelectorAll('#ranking-body tr.new-result').length"
                           " === 0", timeout=10000)
    # the 60-character name wraps inside the table: nothing wider than the phone
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width

    first = hall.api("GET", "/categories/bola-rr/bracket").json()["matches"][0]
    home, away = first["home"], first["away"]
    page.goto(f"{hall.url}/tim/{home}")
    assert page.locator("#team-played").inner_text() == "0"
    page.wait_for_function("document.getElementById('conn').dataset.state === 'online'",
                           timeout=10000)
    resp = hall.api("POST", f"/categories/bola-rr/matches/{first['id']}/result",
                    json={"home_goals": 3, "away_goals": 1})
    assert resp.status_code == 201, resp.text
    page.wait_for_function("document.getElementById('team-stage').innerText === '3'",
                           timeout=10000)
    assert (page.locator("#team-played").inner_text(),
            page.locator("#team-wins").inner_text()) == ("1", "1")
    page.wait_for_function(
        f"document.querySelector(\"#team-matches tr[data-match='{first['id']}']\").innerText"
        ".includes('Menang')", timeout=10000)
    assert page.locator(f"#team-matches tr[data-match='{first['id']}']").inner_text() \
        .split("\t") == ["Ronde 1", f"Tim {away}", "3–1", "Menang"]
    # tap targets: every link and button at least 44 px high
    small = page.eval_on_selector_all(
        "main a, main button",
        "els => els.filter(e => e.getBoundingClientRect().height < 44).map(e => e.outerHTML)")
    assert small == []

    page.goto(f"{hall.url}/hasil")
    box = page.locator(".table-scroll")
    if page.evaluate("(() => { const b = document.querySelector('.table-scroll');"
                     " return b.scrollWidth > b.clientWidth; })()"):
        assert box.get_attribute("data-overflowing") == "yes"
        assert page.evaluate("getComputedStyle(document.querySelector('.table-scroll'),"
                             " '::before').display") == "block"


# WCAG contrast of a cell's text on its own background (both opaque here)
CONTRAST = """cell => {
  const rgb = s => s.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
  const lum = c => { const [r, g, b] = c.map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const style = getComputedStyle(cell);
  const a = lum(rgb(style.color)), b = lum(rgb(style.backgroundColor));
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""
