"""The projector and the public pages in headless Chromium against real processes:
recovery after a server restart, playlists followed live, rankings changing without a
reload, and nothing requested from outside the server."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest
from PIL import Image

from tests.browser.conftest import sign_in, watch_requests
from tests.support.venue import Venue

pytestmark = pytest.mark.browser


def fmt(us: int) -> str:
    ms = us // 1000
    return f"{ms // 1000}.{ms % 1000:03d}"


def wait_agent(venue: Venue) -> None:
    deadline = time.monotonic() + 30
    while not venue.api("GET", "/agents", token="admin").json():
        assert time.monotonic() < deadline, venue.logs()
        time.sleep(0.1)


def start(venue: Venue) -> None:
    venue.start_server()
    venue.start_agent("--simulate", "--sim-seed", "5", "--sim-scale", "0.15", "--sim-dnf-rate", "0")
    wait_agent(venue)


def conn_is(page, state: str, timeout: int = 30000) -> None:
    page.wait_for_function(f"document.getElementById('conn').dataset.state === '{state}'",
                           timeout=timeout)


def test_display_recovers_by_itself_after_the_server_restarts(browser, venue: Venue,
                                                             outside_requests):
    start(venue)
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    watch_requests(page, venue.url, outside_requests)
    page.goto(f"{venue.url}/display")
    conn_is(page, "online")

    server = venue.procs[0]
    server.stop()
    conn_is(page, "offline")
    venue.start_server()  # same port, same database
    conn_is(page, "online")  # no reload: socket.io reconnects and the snapshot resyncs
    wait_agent(venue)

    run = venue.api("POST", "/runs", json={"category": "lf-sd", "team": "SD-03"}).json()
    page.wait_for_function("document.getElementById('live-clock').dataset.status === 'running'",
                           timeout=20000)
    first = page.locator("#live-clock").inner_text()
    page.wait_for_timeout(300)
    assert float(page.locator("#live-clock").inner_text()) > float(first)
    page.wait_for_function("document.getElementById('live-clock').dataset.status === 'finished'",
                           timeout=30000)
    final = venue.wait_final(run["id"])
    assert page.locator("#live-clock").inner_text() == fmt(final["elapsed_us"])
    assert page.locator("#live-team").inner_text() == "Tugu 3 (SD-03)"
    assert outside_requests == []


def test_a_playlist_is_followed_live_and_its_ranking_changes_without_reload(
        browser, venue: Venue, outside_requests):
    start(venue)
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    watch_requests(page, venue.url, outside_requests)
    page.goto(f"{venue.url}/display/aula")
    conn_is(page, "online")
    assert page.locator("#display").get_attribute("data-scene") == "live"

    playlist = [{"scene": "ranking", "category": "lf-smp", "seconds": 600}]
    resp = venue.api("PUT", "/display/screens/aula", token="admin", json={"playlist": playlist})
    assert resp.status_code == 200, resp.text
    page.wait_for_function("document.getElementById('display').dataset.scene === 'ranking'",
                           timeout=10000)
    # the scene shows at once; its rows follow from the API
    page.wait_for_function("document.querySelectorAll('#scene-ranking-body tr').length === 4",
                           timeout=10000)
    assert page.locator("#scene-ranking-title").inner_text() == "Peringkat · Line Follower SMP"
    # another screen's playlist is not this screen's business
    venue.api("PUT", "/display/screens/lobi", token="admin",
              json={"playlist": [{"scene": "announcement", "text": "Halo"}]})

    run = venue.api("POST", "/runs", json={"category": "lf-smp", "team": "SMP-03"}).json()
    final = venue.wait_final(run["id"])
    assert final["status"] == "finished"
    row = page.locator("#scene-ranking-body tr[data-team='SMP-03']")
    page.wait_for_function(
        "(t) => { const r = document.querySelector(\"#scene-ranking-body tr[data-team='SMP-03']\");"
        " return r && r.cells[2].textContent === t; }", arg=fmt(final["elapsed_us"]),
        timeout=10000)
    assert row.locator("td").nth(0).inner_text() == "1"
    assert row.get_attribute("class") == "new-result"  # the new result is highlighted
    assert page.locator("#display").get_attribute("data-scene") == "ranking"

    # an announcement replaces the playlist, still without a reload
    venue.api("PUT", "/display/screens/aula", token="admin",
              json={"playlist": [{"scene": "announcement", "text": "Makan siang"}]})
    page.wait_for_function("document.getElementById('display').dataset.scene === 'announcement'",
                           timeout=10000)
    assert page.locator("#announcement-text").inner_text() == "Makan siang"
    assert outside_requests == []


def test_an_uploaded_sponsor_slide_fills_the_projector_between_scenes(browser, venue: Venue,
                                                                     tmp_path):
    venue.start_server()
    venue.add_user("admin", "panitia", "slide-rahasia-123")
    image = tmp_path / "sponsor.png"
    Image.new("RGB", (1920, 1080), "navy").save(image)
    admin = browser.new_page(viewport={"width": 1366, "height": 768})
    sign_in(admin, venue.url, "panitia", "slide-rahasia-123", "/")
    admin.goto(f"{venue.url}/admin/slide")
    admin.fill("#title", "Sponsor Utama")
    admin.set_input_files("#image", str(image))
    admin.click("#slide-form button[type=submit]")
    admin.wait_for_selector(".slide-item")
    slide = int(admin.locator(".slide-item").get_attribute("data-slide"))
    admin.goto(f"{venue.url}/admin/layar?layar=aula")
    admin.fill("#lines", f"slide | 600 | {slide}")
    admin.click("#playlist-form button[type=submit]")
    admin.wait_for_url(f"{venue.url}/admin/layar?layar=aula")

    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(f"{venue.url}/display/aula")
    page.wait_for_function("document.getElementById('display').dataset.scene === 'slide'"
                           " && document.getElementById('slide-image').naturalWidth === 1920",
                           timeout=10000)
    box = page.locator("#slide-image").bounding_box()
    assert box["width"] > 1000 and box["y"] + box["height"] <= 1080   # whole, on screen
    assert page.locator("#slide-missing").is_hidden()


def test_callup_scene_shows_the_queue_and_a_scene_without_data_says_so(browser, venue: Venue):
    venue.start_server()
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{venue.url}/display/gerbang")
    # a bracket of a timed category has no data source: the scene says so, nothing is faked
    assert venue.api("GET", "/categories/lf-smp/bracket").status_code != 200
    venue.api("PUT", "/display/screens/gerbang", token="admin",
              json={"playlist": [{"scene": "bracket", "category": "lf-smp", "seconds": 600}]})
    page.wait_for_function("document.getElementById('display').dataset.scene === 'data'",
                           timeout=10000)
    page.locator("#scene-data-body p").wait_for(timeout=10000)
    assert page.locator("#scene-data-title").inner_text() == "Bagan pertandingan · Line Follower SMP"
    assert page.locator("#scene-data-body").inner_text().strip() == "Belum tersedia"

    script = ("from scoreboard.app import create_app\n"
              "from scoreboard.services import callup\n"
              f"app = create_app({{'DATABASE_URL': {venue.db_url!r}, 'SECRET_KEY': 'x'}})\n"
              "with app.app_context():\n"
              "    db = app.extensions['kejurda_db']\n"
              "    callup.join(db.session, 'lintasan-a', 'SMP-04', 'test')\n"
              "    callup.join(db.session, 'lintasan-a', 'SMP-01', 'test')\n")
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    venue.api("PUT", "/display/screens/gerbang", token="admin",
              json={"playlist": [{"scene": "callup", "seconds": 600}]})
    row = page.locator("#scene-data-body tr[data-arena='lintasan-a']")
    row.wait_for(timeout=10000)
    assert page.locator("#scene-data-title").inner_text() == "Bersiap di lintasan"
    # a table: the track by name, who is ready (with the school), who comes next
    assert row.locator("td").all_inner_texts() == ["Lintasan A", "Brantas 4 (SMPN 1 Srengat)",
                                                   "2. Garuda 1 (SMPN 1 Blitar)"]


def test_public_ranking_on_a_phone_updates_without_reload(browser, venue: Venue,
                                                         outside_requests):
    start(venue)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    watch_requests(page, venue.url, outside_requests)
    page.goto(f"{venue.url}/kategori/lf-sd")
    conn_is(page, "online")
    run = venue.api("POST", "/runs", json={"category": "lf-sd", "team": "SD-02"}).json()
    final = venue.wait_final(run["id"])
    page.wait_for_function(
        "(t) => { const r = document.querySelector(\"#ranking-body tr[data-team='SD-02']\");"
        " return r && r.cells[2].textContent === t; }", arg=fmt(final["elapsed_us"]),
        timeout=10000)
    assert page.locator("#ranking-body tr").first.get_attribute("data-team") == "SD-02"
    assert re.search(r"Melati 2 · #1 · Selesai · \d+\.\d{3}", page.locator("#live-run").inner_text())
    assert outside_requests == []


def test_a_slow_answer_from_before_a_push_does_not_undo_the_pushed_playlist(browser,
                                                                           venue: Venue):
    """The page asks for its playlist on connect; if an admin's push overtakes that
    answer, the stale (empty) answer must not blank the screen (seen once in CI)."""
    venue.start_server()
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    held = []
    page.route("**/api/v1/display/screens/aula", lambda route: held.append(route))
    page.goto(f"{venue.url}/display/aula")
    conn_is(page, "online")
    deadline = time.monotonic() + 10
    while not held:  # the connect-time question, held back
        assert time.monotonic() < deadline
        page.wait_for_timeout(50)
    playlist = [{"scene": "ranking", "category": "lf-smp", "seconds": 600}]
    assert venue.api("PUT", "/display/screens/aula", token="admin",
                     json={"playlist": playlist}).status_code == 200
    page.wait_for_function("document.querySelectorAll('#scene-ranking-body tr').length === 4",
                           timeout=10000)
    with page.expect_event("requestfinished"):
        held[0].fulfill(json={"screen": "aula", "playlist": [], "updated_at": None})
    page.wait_for_timeout(300)  # let the page act on the stale answer, if it would
    assert page.locator("#display").get_attribute("data-scene") == "ranking"
    assert page.locator("#scene-ranking-body tr").count() == 4


def finish_run(venue: Venue, category: str, team: str, elapsed_us: int) -> None:
    """One run timed by edges the test sends itself (lf-smp's track: esp32-a gates 0 and 1)."""
    assert venue.api("POST", "/runs", json={"category": category, "team": team}).status_code == 201
    acks = venue.send_edges(
        {"source": "esp32-a", "boot": "b1", "seq": 1, "gate": 0, "edge": "B", "t_us": 1_000_000},
        {"source": "esp32-a", "boot": "b1", "seq": 2, "gate": 1, "edge": "B",
         "t_us": 1_000_000 + elapsed_us})
    assert acks == [{"ok": True}, {"ok": True}]


def hold_first(page, pattern: str) -> list:
    """Holds the first request matching `pattern` (returned once it is made); lets the rest through."""
    held = []
    page.route(pattern, lambda route: held.append(route) if not held else route.continue_())
    return held


def wait_held(page, held: list):
    deadline = time.monotonic() + 10
    while not held:
        assert time.monotonic() < deadline
        page.wait_for_timeout(50)
    return held[0]


def ranked(page, body: str, team: str, time_text: str) -> None:
    page.wait_for_function(
        "([body, team, t]) => { const r = document.querySelector("
        "`#${body} tr[data-team='${team}']`); return r && r.cells[2].textContent === t; }",
        arg=[body, team, time_text], timeout=10000)


@pytest.mark.parametrize("path,body", [("/display", "ranking-body"),
                                       ("/kategori/lf-smp", "ranking-body")])
def test_a_slow_ranking_answer_from_before_a_push_does_not_undo_the_pushed_ranking(
        browser, venue: Venue, path: str, body: str):
    """The projector and the public ranking ask for the ranking when they (re)connect; a
    result pushed while that answer is on its way is newer than it, and stays."""
    venue.start_server()
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    held = hold_first(page, "**/api/v1/categories/lf-smp/ranking")
    page.goto(f"{venue.url}{path}")
    conn_is(page, "online")
    stale = wait_held(page, held).fetch()  # the ranking as it is now: nobody has a time yet
    assert [e["best_us"] for e in stale.json()["entries"]] == [None] * 4
    finish_run(venue, "lf-smp", "SMP-03", 2_345_000)
    ranked(page, body, "SMP-03", "2.345")  # pushed
    with page.expect_event("requestfinished"):
        held[0].fulfill(response=stale)
    page.wait_for_timeout(300)  # let the page act on the stale answer, if it would
    row = page.locator(f"#{body} tr").first
    assert (row.get_attribute("data-team"), row.locator("td").nth(0).inner_text(),
            row.locator("td").nth(2).inner_text()) == ("SMP-03", "1", "2.345")


def test_the_run_that_ended_while_away_does_not_hide_the_next_one(browser, venue: Venue):
    """Back from a dropped connection with its run gone from the snapshot, the projector
    asks how that run ended; a run pushed meanwhile takes the screen, and the late answer
    about the old run does not take it back."""
    no_time_limit(venue)
    venue.start_server()
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    sockets = held_sockets(page)
    page.goto(f"{venue.url}/display")
    conn_is(page, "online")
    edge = {"source": "esp32-a", "boot": "b1", "gate": 0, "edge": "B"}
    old = venue.api("POST", "/runs", json={"category": "lf-smp", "team": "SMP-01"}).json()
    assert venue.send_edges(dict(edge, seq=1, t_us=1_000_000)) == [{"ok": True}]
    on_screen(page, old["id"], "running")
    held = hold_first(page, f"**/api/v1/runs/{old['id']}")
    sockets[0].close()  # the venue Wi-Fi drops the projector
    conn_is(page, "offline")
    assert venue.api("POST", f"/runs/{old['id']}/abort").json()["status"] == "dnf"
    reconnect(page, sockets, 2)
    stale = wait_held(page, held).fetch()  # the snapshot has no run: how did it end?
    assert stale.json()["status"] == "dnf"
    new = venue.api("POST", "/runs", json={"category": "lf-smp", "team": "SMP-02"}).json()
    assert venue.send_edges(dict(edge, seq=2, t_us=9_000_000)) == [{"ok": True}]
    on_screen(page, new["id"], "running")  # pushed while the question was out
    with page.expect_event("requestfinished"):
        held[0].fulfill(response=stale)
    page.wait_for_timeout(300)  # let the page act on the late answer, if it would
    clock = page.locator("#live-clock")
    assert (clock.get_attribute("data-run-id"), clock.get_attribute("data-status")) == (
        str(new["id"]), "running")
    assert page.locator("#live-team").inner_text() == "Rajawali 2 (SMP-02)"


def on_screen(page, run_id: int, status: str) -> None:
    page.wait_for_function(
        "([id, s]) => { const c = document.getElementById('live-clock');"
        " return c.dataset.runId === id && c.dataset.status === s; }",
        arg=[str(run_id), status], timeout=15000)


def no_time_limit(venue: Venue) -> None:
    """lf-smp without its 4 s limit: a run the test started waits for the test's edges."""
    venue.load_event_with("time_limit_s = 4\n", "time_limit_s = 600\n")


def held_sockets(page) -> list:
    """The page's sockets: the first connects; each later one waits for reconnect()."""
    sockets = []

    def on_socket(ws):
        sockets.append(ws)
        if len(sockets) == 1:
            ws.connect_to_server()

    page.route_web_socket(re.compile(r"/socket\.io/"), on_socket)
    return sockets


def reconnect(page, sockets: list, count: int) -> None:
    deadline = time.monotonic() + 30
    while len(sockets) < count:  # socket.io tries again by itself
        assert time.monotonic() < deadline
        page.wait_for_timeout(50)
    sockets[count - 1].connect_to_server()


def test_the_team_page_catches_up_after_a_drop_and_keeps_the_newer_push(browser, venue: Venue):
    """An attempt that ended while the phone was away is in no snapshot: the team page asks
    for its attempts on connect; an answer from before a push does not undo that push."""
    no_time_limit(venue)
    venue.start_server()
    page = browser.new_page(viewport={"width": 390, "height": 844})
    sockets = held_sockets(page)
    page.goto(f"{venue.url}/tim/SMP-01")
    conn_is(page, "online")
    run = venue.api("POST", "/runs", json={"category": "lf-smp", "team": "SMP-01"}).json()
    edge = {"source": "esp32-a", "boot": "b1", "edge": "B"}
    assert venue.send_edges(dict(edge, seq=1, gate=0, t_us=1_000_000)) == [{"ok": True}]
    row = page.locator(f"#runs-body tr[data-run='{run['id']}']")

    def row_is(*cells: str) -> None:
        page.wait_for_function(
            "([id, cells]) => { const r = document.querySelector(`#runs-body tr[data-run='${id}']`);"
            " return r && Array.from(r.cells, c => c.textContent).join('|') === cells; }",
            arg=[str(run["id"]), "|".join(cells)], timeout=10000)

    row_is("1", "Berjalan", "—")
    sockets[0].close()  # away: the run finishes meanwhile
    conn_is(page, "offline")
    assert venue.send_edges(dict(edge, seq=2, gate=1, t_us=3_345_000)) == [{"ok": True}]
    reconnect(page, sockets, 2)
    row_is("1", "Selesai", "2.345")

    held = hold_first(page, re.compile(r"/api/v1/runs\?"))
    sockets[1].close()
    conn_is(page, "offline")
    reconnect(page, sockets, 3)
    stale = wait_held(page, held).fetch()  # still "finished"
    assert [r["status"] for r in stale.json()] == ["finished"]
    dsq = venue.api("POST", f"/runs/{run['id']}/dsq", json={"reason": "robot diganti"})
    assert dsq.json()["status"] == "dsq"
    row_is("1", "Diskualifikasi", "2.345")  # pushed
    with page.expect_event("requestfinished"):
        held[0].fulfill(response=stale)
    page.wait_for_timeout(300)  # let the page act on the stale answer, if it would
    assert [c.inner_text() for c in row.locator("td").all()] == ["1", "Diskualifikasi", "2.345"]
