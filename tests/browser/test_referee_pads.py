"""Referee pads at tablet size: a sumo bout tapped Yuko by Yuko (with a rematch, a
warning and an undo) and a soccer game half by half, each stored once through the
offline queue, also when the Wi-Fi drops at the moment of sending."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.venue import Venue, free_port, kejurda

pytestmark = pytest.mark.browser
DATA = Path(__file__).parent / "data"
PASSWORD = "sandi-wasit-123"


@pytest.fixture
def pad_venue(tmp_path: Path):
    db_url = f"sqlite:///{tmp_path / 'venue.db'}"
    kejurda("event", "load", str(DATA / "pads_event.toml"), "--db", db_url)
    kejurda("teams", "import", str(DATA / "pads_teams.csv"), "--db", db_url)
    kejurda("user", "create", "--role", "timekeeper", "--name", "wasit1", "--password-stdin",
            "--db", db_url, stdin=PASSWORD + "\n")
    admin = kejurda("token", "create", "--role", "admin", "--name", "admin-uji", "--db",
                    db_url).strip().splitlines()[-1]
    venue = Venue(tmp_path, free_port(), db_url, {"admin": admin})
    venue.start_server()
    for slug in ("sumo-uji", "soccer-uji"):
        assert venue.api("POST", f"/categories/{slug}/draw", token="admin").status_code == 201
        assert venue.api("POST", f"/categories/{slug}/draw/publish",
                         token="admin").status_code == 200
    yield venue
    for proc in reversed(venue.procs):
        proc.stop()


def _match(venue: Venue, slug: str) -> dict:
    bracket = venue.api("GET", f"/categories/{slug}/bracket", token="admin").json()
    return bracket["matches"][0]


def test_sumo_and_soccer_pads_store_each_result_once(browser, pad_venue: Venue):
    venue = pad_venue
    context = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True)
    page = context.new_page()
    page.goto(f"{venue.url}/login")
    page.fill("#name", "wasit1")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()

    sumo = _match(venue, "sumo-uji")
    assert sumo["status"] == "ready"
    page.goto(f"{venue.url}/wasit/pad/sumo-uji/{sumo['id']}")
    home = page.locator(".pad-point[data-side='home']")
    away = page.locator(".pad-point[data-side='away']")
    page.click("#clock-toggle")
    page.wait_for_timeout(1200)
    assert page.inner_text("#pad-clock") in ("2:59", "2:58")
    home.click()                       # round 1: home Yuko
    assert page.inner_text("#pad-clock") == "3:00"  # a new round starts a fresh clock
    page.click("#pad-rematch")         # replayed, does not count
    page.locator(".pad-warning[data-side='away']").click()
    away.click()                       # round 2: away Yuko (with away's warning)
    home.click()                       # tapped by mistake ...
    page.click("#pad-undo")            # ... and undone
    home.click()                       # round 3: home Yuko, 2-1
    assert (page.inner_text("#score-home"), page.inner_text("#score-away")) == ("2", "1")
    page.reload()                      # the record survives a reload
    assert (page.inner_text("#score-home"), page.inner_text("#score-away")) == ("2", "1")

    context.set_offline(True)
    page.click("#pad-submit")
    assert page.inner_text("#pad-state") == "belum tersimpan"
    context.set_offline(False)
    page.wait_for_selector("#pad-state[data-state='saved']", timeout=15000)
    stored = _match(venue, "sumo-uji")
    assert (stored["status"], stored["version"], stored["winner"]) == ("done", 1,
                                                                       sumo["home"])
    assert (stored["result"]["home_score"], stored["result"]["away_score"]) == (2, 1)
    history = venue.api("GET", f"/categories/sumo-uji/matches/{sumo['id']}",
                        token="admin").json()
    rounds = history["history"][0]["entry"]["rounds"]
    assert [r["end"] for r in rounds] == ["home_yuko", "rematch", "away_yuko", "home_yuko"]
    assert rounds[2]["away_warnings"] == 1

    soccer = _match(venue, "soccer-uji")
    page.goto(f"{venue.url}/wasit/pad/soccer-uji/{soccer['id']}")
    for side in ("home", "home", "away"):
        page.click(f".pad-point[data-side='{side}']")
    page.click("#pad-half")
    page.click(".pad-point[data-side='home']")
    assert (page.inner_text("#score-home"), page.inner_text("#score-away")) == ("3", "1")
    page.click("#pad-submit")
    page.wait_for_selector("#pad-state[data-state='saved']", timeout=15000)
    stored = _match(venue, "soccer-uji")
    assert (stored["result"]["home_score"], stored["result"]["away_score"],
            stored["version"]) == (3, 1, 1)
    assert page.evaluate("JSON.parse(localStorage.getItem('kejurda.pad.wasit1.queue'))") == []
    context.close()
