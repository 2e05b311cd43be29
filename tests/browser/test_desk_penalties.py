"""The timekeeper adds a penalty from the desk: the run counts it and the ranking adds
its seconds to the time."""

from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in
from tests.support.venue import Venue

pytestmark = pytest.mark.browser
PASSWORD = "sandi-pencatat-2"


def test_desk_penalty_button_adds_seconds_to_the_ranked_time(browser, venue: Venue):
    venue.load_event_with('slug = "lf-smp"\n', 'slug = "lf-smp"\npenalties = { sentuh = 5 }\n')
    venue.add_user("timekeeper", "waktu2", PASSWORD)
    venue.start_server()
    venue.start_agent("--simulate", "--sim-seed", "9", "--sim-scale", "0.1",
                      "--sim-dnf-rate", "0")
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, venue.url, "waktu2", PASSWORD, "/desk/")
    page.select_option("#category", "lf-smp")
    page.select_option("#team", "SMP-03")
    while not venue.api("GET", "/agents", token="admin").json():
        page.wait_for_timeout(100)
    page.click("#arm")
    page.wait_for_selector("#run-team:has-text('#1')")
    run_id = venue.api("GET", "/runs?limit=1").json()[0]["id"]
    final = venue.wait_final(run_id)
    assert final["status"] == "finished", venue.logs()

    button = page.locator("#penalty-box button[data-penalty='sentuh']")
    button.wait_for(timeout=10000)
    button.click()
    page.wait_for_selector("#penalty-box button[data-penalty='sentuh']:has-text('· 1')")
    run = venue.api("GET", f"/runs/{run_id}").json()
    assert run["penalties"] == {"sentuh": 1} and run["elapsed_us"] == final["elapsed_us"]
    entry = next(e for e in venue.api("GET", "/categories/lf-smp/ranking").json()["entries"]
                 if e["team"] == "SMP-03")
    assert entry["best_us"] == final["elapsed_us"] + 5_000_000
