"""Headless Debian Chromium driven by Playwright, against real server processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.support.venue import ROOT, free_port, venue  # noqa: F401  (the fixture)

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def _chromium():
    """One Chromium for the whole session (starting it costs seconds)."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing in CI: .ci/run must install Debian's chromium")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def browser(_chromium):
    """The session's Chromium for one test: every page and context the test opened is closed
    after it, so no page of an earlier test keeps running its clocks and sockets."""
    harness = HarnessBrowser(_chromium)
    yield harness
    harness.close_all()


class HarnessBrowser:
    """The browser, whose pages let Playwright's own helpers run despite the app's
    Content-Security-Policy: `wait_for_function("...")` evaluates a string, which the
    policy (no eval) forbids. The app's pages themselves need no such exception:
    tests/browser/test_csp.py opens them with the policy enforced (`bypass_csp=False`)."""

    def __init__(self, browser):
        self._browser = browser
        self._contexts: list = []

    def new_context(self, **kwargs):
        context = self._browser.new_context(**{"bypass_csp": True, **kwargs})
        self._contexts.append(context)
        return context

    def new_page(self, **kwargs):
        page = self._browser.new_page(**{"bypass_csp": True, **kwargs})
        self._contexts.append(page.context)
        return page

    def close_all(self) -> None:
        for context in self._contexts:
            try:
                context.close()
            except Exception:  # already closed by the test, or the browser went away
                pass
        self._contexts.clear()

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


def _has_result(base: str, category: dict) -> bool:
    if category["format"] == "match":
        return bool(requests.get(f"{base}/api/v1/matches", timeout=5,
                                 params={"category": category["slug"], "status": "done"}).json())
    entries = requests.get(f"{base}/api/v1/categories/{category['slug']}/ranking",
                           timeout=5).json()["entries"]
    key = "score" if category["format"] == "judged" else "best_us"
    return any(e.get(key) is not None for e in entries)


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """`kejurda demo` itself, waited on until every category has a result."""
    folder = tmp_path_factory.mktemp("demo")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (folder / "demo.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "scoreboard.cli", "demo", "--port", str(port),
                             "--dir", str(folder), "--sim-scale", "0.2"], cwd=ROOT,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 240
        pending = None
        while pending != []:
            assert proc.poll() is None, (folder / "demo.log").read_text()
            assert time.monotonic() < deadline, f"no result yet for {pending}"
            try:
                categories = requests.get(f"{base}/api/v1/categories", timeout=5).json()
                pending = [c["slug"] for c in categories if not _has_result(base, c)]
            except requests.RequestException:
                pass
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
