"""The app's pages under their own Content-Security-Policy, enforced (the other browser
tests let Playwright's helpers bypass it): every script runs from the site itself, the
live socket connects, and the browser reports no violation."""

from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in, watch_requests
from tests.support.venue import Venue

pytestmark = pytest.mark.browser
PASSWORD = "panitia-rahasia-9"


def test_headers_csp_pages_run_with_the_policy_enforced(browser, venue: Venue,
                                                        outside_requests):
    venue.add_user("admin", "panitia", PASSWORD)
    venue.start_server()
    page = browser.new_page(bypass_csp=False, viewport={"width": 1280, "height": 800})
    watch_requests(page, venue.url, outside_requests)
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text)
            if "Content Security Policy" in msg.text else None)
    for path in ("/display", "/kategori/lf-smp"):
        # the page's own script opens the live WebSocket: scripts ran and may connect
        with page.expect_websocket(lambda ws: "/socket.io/" in ws.url, timeout=60_000):
            page.goto(f"{venue.url}{path}")
    for path in ("/login", "/daftar", "/hasil"):
        page.goto(f"{venue.url}{path}")
    sign_in(page, venue.url, "panitia", PASSWORD, "/")  # an admin lands on the start page
    page.goto(f"{venue.url}/admin/pendaftaran")
    page.goto(f"{venue.url}/admin/perubahan")
    assert violations == []
    assert outside_requests == []
