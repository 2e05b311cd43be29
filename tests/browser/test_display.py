"""The projector page in headless Chromium: a live clock that moves, then exactly the
API's final time, and the ranking updating without a reload, over a compressed WebSocket."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import watch_requests
from tests.support.venue import Venue

pytestmark = pytest.mark.browser


def fmt(us: int) -> str:
    ms = us // 1000
    return f"{ms // 1000}.{ms % 1000:03d}"


def test_display_runs_a_live_clock_then_shows_the_final_time(browser, venue: Venue,
                                                           outside_requests):
    venue.start_server()
    venue.start_agent("--simulate", "--sim-seed", "3", "--sim-scale", "0.15",
                      "--sim-dnf-rate", "0")
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    watch_requests(page, venue.url, outside_requests)
    handshakes: list[dict] = []  # the WebSocket's answer, as Chromium received it
    cdp = page.context.new_cdp_session(page)
    cdp.on("Network.webSocketHandshakeResponseReceived",
           lambda event: handshakes.append(event["response"]))
    cdp.send("Network.enable")
    page.goto(f"{venue.url}/display")
    assert page.locator("html").get_attribute("lang") == "id"
    clock = page.locator("#live-clock")

    deadline = time.monotonic() + 20
    while True:  # the simulator is listening once the server lists the agent
        if venue.api("GET", "/agents", token="admin").json():
            break
        assert time.monotonic() < deadline, venue.logs()
        time.sleep(0.1)
    run = venue.api("POST", "/runs", json={"category": "lf-smp", "team": "SMP-02"}).json()

    page.wait_for_function("document.getElementById('live-clock').dataset.status === 'running'",
                           timeout=20000)
    first = clock.inner_text()
    page.wait_for_timeout(400)
    second = clock.inner_text()
    assert re.fullmatch(r"\d+\.\d{3}", first) and re.fullmatch(r"\d+\.\d{3}", second)
    assert float(second) > float(first), (first, second)  # the clock moves

    page.wait_for_function("document.getElementById('live-clock').dataset.status === 'finished'",
                           timeout=30000)
    final = venue.wait_final(run["id"])
    assert final["status"] == "finished"
    assert clock.inner_text() == fmt(final["elapsed_us"])
    assert page.locator("#live-team").inner_text().startswith(final["team_name"])

    # the ranking shows the time without a reload (it follows the run a moment later:
    # the row may first show the team's earlier state)
    row = page.locator("#ranking-body tr[data-team='SMP-02']")
    expect(row.locator("td").nth(2)).to_have_text(fmt(final["elapsed_us"]), timeout=10000)
    assert outside_requests == []
    # Chromium offered compression and took the server's answer: every update above came
    # compressed once for all screens (scoreboard/wsdeflate.py)
    assert [r["status"] for r in handshakes] == [101]
    headers = {k.lower(): v for k, v in handshakes[0]["headers"].items()}
    assert headers["sec-websocket-extensions"] == (
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover")
