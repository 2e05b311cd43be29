"""The timekeeper's desk: DNF and DSQ with a reason typed on the desk, and the reason
required before a disqualification is sent."""

from __future__ import annotations

import time

import pytest

from tests.browser.conftest import sign_in
from tests.support.venue import Venue

pytestmark = pytest.mark.browser
PASSWORD = "sandi-pencatat-1"


def test_desk_disqualifies_and_aborts_with_the_typed_reason(browser, venue: Venue):
    venue.add_user("timekeeper", "waktu1", PASSWORD)
    venue.start_server()
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, venue.url, "waktu1", PASSWORD, "/desk/")
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


def test_a_slow_arm_answer_does_not_undo_the_pushed_start(browser, venue: Venue):
    """The desk shows both the answer to its own request and the runs pushed on /live; if
    the run starts before the answer to "arm" arrives, that late answer (still "armed")
    must not put the desk back to 0.000 with the clock stopped."""
    venue.load_event_with("time_limit_s = 4\n", "time_limit_s = 600\n")
    venue.add_user("timekeeper", "waktu1", PASSWORD)
    venue.start_server()
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, venue.url, "waktu1", PASSWORD, "/desk/")
    page.select_option("#category", "lf-smp")
    page.select_option("#team", "SMP-02")
    held = []
    page.route("**/api/v1/runs", lambda route: held.append(route)
               if route.request.method == "POST" else route.continue_())
    page.click("#arm")
    deadline = time.monotonic() + 10
    while not held:
        assert time.monotonic() < deadline
        page.wait_for_timeout(50)
    answer = held[0].fetch()  # the server arms the run now; its answer to the desk waits
    assert (answer.status, answer.json()["status"]) == (201, "armed")
    page.wait_for_selector("#run-status:text-is('armed')", timeout=10000)  # pushed
    acks = venue.send_edges({"source": "esp32-a", "boot": "b1", "seq": 1, "gate": 0,
                             "edge": "B", "t_us": 1_000_000})
    assert acks == [{"ok": True}]
    page.wait_for_selector("#run-status:text-is('running')", timeout=10000)  # pushed
    with page.expect_event("requestfinished"):
        held[0].fulfill(response=answer)
    page.wait_for_timeout(300)  # let the page act on the late answer, if it would
    assert page.locator("#run-status").inner_text() == "running"
    assert page.locator("#abort").is_visible()
    first = page.locator("#run-clock").inner_text()
    page.wait_for_timeout(300)
    assert float(page.locator("#run-clock").inner_text()) > float(first) > 0
