"""Stream overlays in headless Chromium: a transparent page (the alpha channel of a
screenshot is clear outside the overlay's own box) that follows a run live, and a ranking
ticker that fills without a reload."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.browser.conftest import watch_requests
from tests.support.venue import Venue

pytestmark = pytest.mark.browser


def edge(seq: int, gate: int, t_us: int) -> dict:
    return {"source": "esp32-a", "boot": "0verlay1", "seq": seq, "gate": gate, "edge": "B",
            "t_us": t_us}


def alpha_at(png: bytes, x: int, y: int) -> int:
    return Image.open(io.BytesIO(png)).convert("RGBA").getpixel((x, y))[3]


def test_lower_third_is_transparent_around_it_and_follows_a_run(browser, venue: Venue,
                                                                outside_requests):
    venue.start_server()
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    watch_requests(page, venue.url, outside_requests)
    page.goto(f"{venue.url}/overlay/lintasan?track=lintasan-a")
    empty = page.screenshot(omit_background=True)
    assert alpha_at(empty, 10, 10) == 0 and alpha_at(empty, 200, 950) == 0  # nothing yet

    run = venue.api("POST", "/runs", json={"category": "lf-smp", "team": "SMP-02"}).json()
    page.wait_for_function("!document.getElementById('lower-third').hidden", timeout=10000)
    assert page.locator("#lt-team").inner_text() == "Rajawali 2"
    assert venue.send_edges(edge(1, 0, 1_000_000)) == [{"ok": True}]
    page.wait_for_function(
        "document.getElementById('lt-clock').dataset.status === 'running'", timeout=10000)
    assert venue.send_edges(edge(2, 1, 3_456_789)) == [{"ok": True}]
    page.wait_for_function(
        "document.getElementById('lt-clock').dataset.status === 'finished'", timeout=10000)
    assert venue.wait_final(run["id"])["elapsed_us"] == 2_456_789
    assert page.locator("#lt-clock").inner_text() == "2.456"
    shown = page.screenshot(omit_background=True)
    assert alpha_at(shown, 10, 10) == 0           # the canvas stays clear
    assert alpha_at(shown, 200, 950) > 200        # the lower third itself is opaque
    assert outside_requests == []


def test_ranking_ticker_fills_live(browser, venue: Venue):
    venue.start_server()
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(f"{venue.url}/overlay/peringkat/lf-smp")
    page.wait_for_function("document.getElementById('ticker-track') !== null")
    assert page.locator("#ticker-track span").count() == 0
    run = venue.api("POST", "/runs", json={"category": "lf-smp", "team": "SMP-01"}).json()
    venue.send_edges(edge(1, 0, 1_000_000), edge(2, 1, 2_500_000))
    assert venue.wait_final(run["id"])["status"] == "finished"
    page.wait_for_function("document.querySelectorAll('#ticker-track span').length === 1",
                           timeout=10000)
    assert page.locator("#ticker-track span").inner_text() == "1.Garuda 1 1.500"
    shot = page.screenshot(omit_background=True)
    assert alpha_at(shot, 960, 100) == 0 and alpha_at(shot, 960, 1050) > 200
