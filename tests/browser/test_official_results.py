"""A category's result on the public pages says "Sementara" (provisional) while its
protest window is open, and "Resmi" (official) once the head judge makes it official on
/hasil ("Sahkan hasil"), in headless Chromium against a real server: the results page,
the category page and a team's page. A category without that step stays provisional."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.browser.test_results_screens import timed_result

pytestmark = pytest.mark.browser
PASSWORD = "rahasia-ketua-123"


def _states(page, base: str) -> tuple[str, str, str, str]:
    """What a spectator reads on each public page: lf-smp and lf-sd on /hasil, the
    category page and team SMP-01's page."""
    page.goto(f"{base}/hasil")
    smp = page.locator("tr[data-category='lf-smp'] .result-state").inner_text()
    sd = page.locator("tr[data-category='lf-sd'] .result-state").inner_text()
    page.goto(f"{base}/kategori/lf-smp")
    category = page.locator("#result-state").inner_text()
    page.goto(f"{base}/tim/SMP-01")
    team = page.locator("#team-result-state").inner_text()
    return smp, sd, category, team


def test_provisional_until_the_head_judge_makes_it_official(browser, venue):
    venue.add_user("head_judge", "ketua", PASSWORD)
    venue.start_server()
    timed_result(venue, "SMP-01", "o1", 2_345_000)  # lf-smp: time_limit_s = 4
    public = browser.new_context().new_page()
    # the result stands, its 15-minute protest window is open: provisional everywhere
    assert _states(public, venue.url) == ("Sementara", "Sementara", "Hasil sementara",
                                          "Sementara")
    assert venue.api("GET", "/categories/lf-smp/official").json()["state"] == "provisional"

    judge = browser.new_context().new_page()
    sign_in(judge, venue.url, "ketua", PASSWORD, "/juri")
    judge.goto(f"{venue.url}/hasil")
    judge.locator("tr[data-category='lf-smp'] form button").click()
    expect(judge.locator("p.flash.ok")).to_have_text(
        "Hasil kategori disahkan; sertifikat memakai nama yang tercatat saat ini.")
    expect(judge.locator("tr[data-category='lf-smp'] .result-state")).to_have_text("Resmi")

    assert venue.api("GET", "/categories/lf-smp/official").json()["state"] == "official"
    assert _states(public, venue.url) == ("Resmi", "Sementara", "Hasil resmi", "Resmi")
    public.context.close()
    judge.context.close()
