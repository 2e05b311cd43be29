"""The public bracket follows /live in headless Chromium, and the referee's sheet stores a
result through the API (CSRF, Idempotency-Key) that the bracket then shows."""

from __future__ import annotations

import re
import time

import pytest

from tests.browser.conftest import watch_requests
from tests.scoreboard.matches_support import add_match_categories_to
from tests.support.venue import Venue, kejurda

pytestmark = pytest.mark.browser


def _prepare(venue: Venue) -> None:
    from scoreboard.db import Database

    database = Database(venue.db_url)
    try:
        add_match_categories_to(database)
    finally:
        database.dispose()
    kejurda("user", "create", "--role", "head_judge", "--name", "ketua", "--password-stdin",
            "--db", venue.db_url, stdin="rahasia-wasit-123\n")
    venue.start_server()
    assert venue.api("POST", "/categories/ko-8/draw", token="admin").status_code == 201
    assert venue.api("POST", "/categories/ko-8/draw/publish", token="admin").status_code == 200


def test_public_bracket_updates_live_and_the_referee_enters_a_result(browser, venue: Venue,
                                                                       outside_requests):
    _prepare(venue)
    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
    watch_requests(page, venue.url, outside_requests)
    page.goto(f"{venue.url}/kategori/ko-8/bagan")
    assert page.locator("html").get_attribute("lang") == "id"
    page.wait_for_function("document.getElementById('bagan-conn').dataset.state === 'online'",
                           timeout=10000)
    semi = page.locator("#match-W2-1")
    assert semi.get_attribute("data-status") == "pending"

    resp = venue.api("POST", "/categories/ko-8/matches/W1-1/result",
                     json={"home_score": 3, "away_score": 1})
    assert resp.status_code == 201
    page.wait_for_function(
        "document.querySelector('#match-W1-1').dataset.status === 'done'", timeout=10000)
    assert "Tim KO-1" in page.locator("#match-W2-1").inner_text()

    referee = browser.new_page(viewport={"width": 390, "height": 844})
    watch_requests(referee, venue.url, outside_requests)
    referee.goto(f"{venue.url}/login?next=/wasit/ko-8")
    referee.fill("input[name=name]", "ketua")
    referee.fill("input[name=password]", "rahasia-wasit-123")
    referee.click("button[type=submit]")
    referee.wait_for_url(re.compile(r".*/wasit/ko-8$"))
    sheet = referee.locator("form[data-match='W1-2']")
    sheet.locator("input[name=home_score]").fill("0")
    sheet.locator("input[name=away_score]").fill("2")
    sheet.locator("button[type=submit]").click()
    referee.wait_for_function(
        "document.querySelector(\"form[data-match='W1-2']\") === null || "
        "document.querySelector(\"form[data-match='W1-2']\").dataset.version === '1'",
        timeout=10000)

    stored = venue.api("GET", "/categories/ko-8/matches/W1-2").json()
    assert (stored["winner"], stored["version"]) == ("KO-5", 1)
    assert stored["history"][0]["by"] == "user:ketua"
    page.wait_for_function(
        "document.querySelector('#match-W2-1').dataset.status === 'ready'", timeout=10000)
    assert "Tim KO-5" in page.locator("#match-W2-1").inner_text()
    assert outside_requests == []


def test_a_result_stored_before_the_page_connects_shows_without_reload(browser, venue: Venue):
    """The page is rendered, then its socket connects: a result stored in between is never
    pushed to it again, so it asks for its bracket once connected."""
    _prepare(venue)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    sockets = []
    page.route_web_socket(re.compile(r"/socket\.io/"), lambda ws: sockets.append(ws))  # held
    page.goto(f"{venue.url}/kategori/ko-8/bagan")
    assert page.locator("#match-W1-1").get_attribute("data-status") == "ready"
    resp = venue.api("POST", "/categories/ko-8/matches/W1-1/result",
                     json={"home_score": 3, "away_score": 1})
    assert resp.status_code == 201
    deadline = time.monotonic() + 10
    while not sockets:
        assert time.monotonic() < deadline
        page.wait_for_timeout(50)
    sockets[0].connect_to_server()
    page.wait_for_function("document.getElementById('bagan-conn').dataset.state === 'online'",
                           timeout=10000)
    page.wait_for_function(
        "document.querySelector('#match-W1-1').dataset.status === 'done'", timeout=10000)
    assert "Tim KO-1" in page.locator("#match-W2-1").inner_text()
