"""Headless Debian Chromium driven by Playwright, against real server processes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.venue import venue  # noqa: F401  (the fixture)

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing in CI: .ci/run must install Debian's chromium")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield HarnessBrowser(browser)
        browser.close()


class HarnessBrowser:
    """The browser, whose pages let Playwright's own helpers run despite the app's
    Content-Security-Policy: `wait_for_function("...")` evaluates a string, which the
    policy (no eval) forbids. The app's pages themselves need no such exception:
    tests/browser/test_csp.py opens them with the policy enforced (`bypass_csp=False`)."""

    def __init__(self, browser):
        self._browser = browser

    def new_context(self, **kwargs):
        return self._browser.new_context(**{"bypass_csp": True, **kwargs})

    def new_page(self, **kwargs):
        return self._browser.new_page(**{"bypass_csp": True, **kwargs})

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture
def outside_requests():
    """Collects every request a page makes to anywhere but the server itself."""
    return []


def watch_requests(page, base: str, outside: list) -> None:
    page.on("request", lambda req: None if req.url.startswith(base) or
            req.url.startswith("data:") else outside.append(req.url))




def sign_in(page, base: str, name: str, password: str, landing: str) -> None:
    """Sign in through the real login form and wait for the page it leads to."""
    page.goto(f"{base}/login")
    page.fill("#name", name)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{landing}")
