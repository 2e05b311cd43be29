"""The timekeeper's desk: DNF and DSQ with a reason typed on the desk, the reason
required and a confirmation asked before either is sent."""

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
    page.click("#dsq")  # no reason yet: refused on the desk, at the field, nothing sent
    assert page.inner_text("#desk-error") == "Alasan wajib diisi (DNF, DSQ atau waktu manual)."
    assert page.get_attribute("#run-reason", "aria-invalid") == "true"
    assert page.inner_text("#run-reason-error") == "Alasan wajib diisi (DNF, DSQ atau waktu manual)."
    assert venue.api("GET", f"/runs/{first['id']}").json()["status"] == "armed"
    page.fill("#run-reason", "robot dimodifikasi setelah inspeksi")
    page.click("#dsq")  # a reason: the desk asks first, still nothing sent
    assert page.inner_text("#confirm-text") == ("Diskualifikasi percobaan #1 tim Garuda 1 "
                                                "(DSQ)? Alasan: robot dimodifikasi setelah inspeksi")
    page.click("#confirm-no")
    assert page.is_hidden("#confirm-box")
    assert venue.api("GET", f"/runs/{first['id']}").json()["status"] == "armed"
    page.click("#dsq")
    page.click("#confirm-yes")
    page.wait_for_selector("#run-status[data-status='dsq']:text-is('Diskualifikasi (robot dimodifikasi setelah inspeksi)')")
    run = venue.api("GET", f"/runs/{first['id']}").json()
    assert (run["status"], run["reason"]) == ("dsq", "robot dimodifikasi setelah inspeksi")

    page.select_option("#team", "SMP-02")
    page.click("#arm")
    page.wait_for_selector("#abort:not([hidden])")
    second = venue.api("GET", "/runs?limit=1").json()[0]
    assert second["id"] != first["id"]
    page.fill("#run-reason", "robot keluar lintasan")
    page.click("#abort")
    page.click("#confirm-yes")
    page.wait_for_selector("#run-status[data-status='dnf']")
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
    page.wait_for_selector("#run-status[data-status='armed']:text-is('Bersiap')", timeout=10000)  # pushed
    acks = venue.send_edges({"source": "esp32-a", "boot": "b1", "seq": 1, "gate": 0,
                             "edge": "B", "t_us": 1_000_000})
    assert acks == [{"ok": True}]
    page.wait_for_selector("#run-status[data-status='running']", timeout=10000)  # pushed
    with page.expect_event("requestfinished"):
        held[0].fulfill(response=answer)
    page.wait_for_timeout(300)  # let the page act on the late answer, if it would
    assert page.locator("#run-status").inner_text() == "Berjalan"
    assert page.locator("#abort").is_visible()
    first = page.locator("#run-clock").inner_text()
    page.wait_for_timeout(300)
    assert float(page.locator("#run-clock").inner_text()) > float(first) > 0


def test_desk_names_its_track_counts_attempts_and_offers_the_next_team(browser, venue: Venue):
    venue.add_user("timekeeper", "waktu1", PASSWORD)
    venue.start_server()
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, venue.url, "waktu1", PASSWORD, "/desk/")
    page.goto(f"{venue.url}/desk/?lintasan=lintasan-b")
    assert page.inner_text("#desk-track") == "Lintasan B (putaran)"
    assert page.locator("#category option").all_inner_texts() == ["Line Follower SD"]
    page.goto(f"{venue.url}/desk/?lintasan=lintasan-a")
    assert page.inner_text("#desk-track") == "Lintasan A"
    page.wait_for_selector("#next-team:has-text('SMP-01')")
    assert page.inner_text("#next-team") == \
        "Antrian kosong; berikutnya menurut urutan: SMP-01 · Garuda 1"
    # SMP-03 joins this track's call-up queue (its page, reached from the start page)
    page.goto(f"{venue.url}/admin/antrian/lintasan-a")
    page.fill("#code", "SMP-03")
    page.click("form:not(.inline) button[type=submit]")
    page.wait_for_selector("#queue tr[data-team='SMP-03']")
    page.goto(f"{venue.url}/desk/?lintasan=lintasan-a")
    page.wait_for_selector("#next-team:has-text('SMP-03')")
    page.click("#pick-next")
    assert page.input_value("#team") == "SMP-03"
    assert page.inner_text("#attempts") == "Percobaan dipakai: 0 dari 3 · sisa 3"
    page.click("#arm")
    page.wait_for_selector("#run-status[data-status='armed']")
    page.wait_for_selector("#attempts:text-is('Percobaan dipakai: 1 dari 3 · sisa 2')")
    page.fill("#run-reason", "robot tidak siap")
    page.click("#abort")
    page.click("#confirm-yes")
    page.wait_for_selector("#run-status[data-status='dnf']")
    page.wait_for_selector("#recent td:text-is('Tidak selesai')")
