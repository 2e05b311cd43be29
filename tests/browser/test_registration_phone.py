"""Registration on a phone (390×844) against a real server: register a team, open the
private link later, change a member, and after the organiser's approval see the QR; then
the desk checks the team in by its code."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import watch_requests
from tests.support.venue import Venue

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
PASSWORD = "panitia-rahasia-1"


def _fits_the_screen(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways: {width}px"


def test_register_edit_and_see_the_qr_on_a_phone(browser, venue: Venue, outside_requests):
    venue.add_user("admin", "panitia", PASSWORD)
    venue.start_server()
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    watch_requests(page, venue.url, outside_requests)

    page.goto(f"{venue.url}/daftar")
    assert page.locator("html").get_attribute("lang") == "id"
    _fits_the_screen(page)
    page.fill("#team_name", "Tim Kelud")
    page.fill("#institution", "SMPN 2 Blitar")
    page.fill("#npsn", "20514321")
    page.select_option("#level", "SMP")
    page.select_option("#category", "lf-smp")
    page.fill("#robot_name", "Kilat Biru")
    page.fill("#coach_name", "Pak Joko")
    page.fill("#coach_phone", "0857 1234 5678")
    page.fill("#members", "Rizky\nSalsa")
    page.check("#consent")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/daftar/[^/]+$"))
    code = page.locator("#reg-code").inner_text()
    assert re.fullmatch(r"KJ-[2-9A-HJ-NP-Z]{6}", code)
    assert page.locator("#reg-status").get_attribute("data-status") == "pending"
    assert page.locator("#checkin-qr").count() == 0
    _fits_the_screen(page)
    link = page.url
    phone.close()

    # days later, from the same phone's saved link: change a member
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    watch_requests(page, venue.url, outside_requests)
    page.goto(link)
    assert page.locator("#members").input_value() == "Rizky\nSalsa"
    page.fill("#members", "Rizky\nDimas")
    page.click("#reg-form button[type=submit]")
    page.wait_for_url(link)
    assert "Perubahan tersimpan." in page.locator("body").inner_text()
    assert page.locator("#members").input_value() == "Rizky\nDimas"

    # the organiser approves it on the admin page
    desk = browser.new_page(viewport={"width": 1280, "height": 800})
    watch_requests(desk, venue.url, outside_requests)
    desk.goto(f"{venue.url}/login?next=/admin/pendaftaran")
    desk.fill("#name", "panitia")
    desk.fill("#password", PASSWORD)
    desk.click("button[type=submit]")
    desk.wait_for_url(re.compile(r"/admin/pendaftaran$"))
    row = desk.locator(f"tr[data-code='{code}']")
    assert "Rizky, Dimas" in row.inner_text()
    row.locator("select[name=status]").select_option("approved")
    row.locator("form.review button[type=submit]").click()
    desk.wait_for_selector(f"tr[data-code='{code}'][data-status='approved']")

    page.reload()
    qr = page.locator("#checkin-qr svg")
    qr.wait_for()
    assert qr.is_visible()
    box = qr.bounding_box()
    assert box["width"] >= 150 and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    # the code itself fills its box (not a small drawing in a corner of it)
    filled = page.evaluate("""() => {
        const svg = document.querySelector('#checkin-qr svg');
        return svg.querySelector('path').getBoundingClientRect().width
            / svg.getBoundingClientRect().width; }""")
    assert filled > 0.6, filled
    assert page.locator("#team-code").inner_text() == "LF-SMP-001"
    assert page.locator("#reg-status").get_attribute("data-status") == "approved"
    _fits_the_screen(page)
    assert page.locator("#team-checked-in").inner_text() == "Belum daftar ulang."

    # on the day, the desk types the code (no camera in a headless browser)
    desk.goto(f"{venue.url}/admin/daftar-ulang")
    assert desk.locator("#scanner-start").is_hidden() or desk.evaluate(
        "'BarcodeDetector' in window")
    desk.fill("#code", code)
    desk.click("#checkin-form button[type=submit]")
    assert "LF-SMP-001" in desk.locator("#checkin-result").inner_text()
    desk.close()
    page.reload()
    assert page.locator("#team-checked-in").inner_text() == "Sudah daftar ulang."
    phone.close()
    assert outside_requests == []
