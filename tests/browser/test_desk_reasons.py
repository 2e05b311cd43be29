"""The timekeeper's desk: DNF and DSQ with a reason typed on the desk, and the reason
required before a disqualification is sent."""

from __future__ import annotations

import pytest

from tests.support.venue import Venue, kejurda

pytestmark = pytest.mark.browser
PASSWORD = "sandi-pencatat-1"


def test_desk_disqualifies_and_aborts_with_the_typed_reason(browser, venue: Venue):
    kejurda("user", "create", "--role", "timekeeper", "--name", "waktu1", "--password-stdin",
            "--db", venue.db_url, stdin=PASSWORD + "\n")
    venue.start_server()
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{venue.url}/login")
    page.fill("#name", "waktu1")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{venue.url}/desk/")
    page.select_option("#category", "lf-smp")

    page.select_option("#team", "SMP-01")
    page.click("#arm")
    page.wait_for_selector("#dsq:not([hidden])")
    first = venue.api("GET", "/runs?limit=1").json()[0]
    page.click("#dsq")  # no reason yet: refused on the desk, nothing sent
    assert page.inner_text("#desk-error") == "Alasan wajib diisi (DSQ atau waktu manual)."
    assert venue.api("GET", f"/runs/{first['id']}").json()["status"] == "armed"
    page.fill("#run-reason", "robot dimodifikasi setelah inspeksi")
    page.click("#dsq")
    page.wait_for_selector("#run-status:has-text('dsq')")
    run = venue.api("GET", f"/runs/{first['id']}").json()
    assert (run["status"], run["reason"]) == ("dsq", "robot dimodifikasi setelah inspeksi")

    page.select_option("#team", "SMP-02")
    page.click("#arm")
    page.wait_for_selector("#abort:not([hidden])")
    second = venue.api("GET", "/runs?limit=1").json()[0]
    assert second["id"] != first["id"]
    page.fill("#run-reason", "robot keluar lintasan")
    page.click("#abort")
    page.wait_for_selector("#run-status:has-text('dnf')")
    run = venue.api("GET", f"/runs/{second['id']}").json()
    assert (run["status"], run["reason"]) == ("dnf", "robot keluar lintasan")
    assert page.is_hidden("#resolve")
