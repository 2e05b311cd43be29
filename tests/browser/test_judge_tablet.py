"""The judge's tablet in headless Chromium at tablet size: scores survive the venue
Wi-Fi dropping, a captive portal answering for the server, and are stored exactly once."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.browser.conftest import sign_in, watch_requests
from tests.support.venue import Venue, free_port, kejurda

pytestmark = pytest.mark.browser
DATA = Path(__file__).parent / "data"
PASSWORD = "sandi-juri-tablet"


@pytest.fixture
def judge_venue(tmp_path: Path):
    from scoreboard.db import Database
    from scoreboard.models import Category, JudgeAssignment, User

    db_url = f"sqlite:///{tmp_path / 'venue.db'}"
    kejurda("event", "load", str(DATA / "judges_event.toml"), "--db", db_url)
    kejurda("teams", "import", str(DATA / "judges_teams.csv"), "--db", db_url)
    kejurda("user", "create", "--role", "judge", "--name", "juri1", "--password-stdin",
            "--db", db_url, stdin=PASSWORD + "\n")
    database = Database(db_url)
    with database.transaction() as session:
        uid = session.scalar(select(User.id).where(User.name == "juri1"))
        cid = session.scalar(select(Category.id).where(Category.slug == "kreatif-sd"))
        session.add(JudgeAssignment(user_id=uid, category_id=cid))
    admin = kejurda("token", "create", "--role", "admin", "--name", "admin-uji", "--db",
                    db_url).strip().splitlines()[-1]
    venue = Venue(tmp_path, free_port(), db_url, {"admin": admin})
    venue.start_server()
    yield venue, database
    database.dispose()
    for proc in reversed(venue.procs):
        proc.stop()


def stored(database) -> list[tuple[str, int, str]]:
    from scoreboard.models import ScoreSheetVersion, Team

    with database.transaction() as session:
        return [tuple(r) for r in session.execute(
            select(Team.code, ScoreSheetVersion.version, ScoreSheetVersion.idempotency_key)
            .join(Team, ScoreSheetVersion.team_id == Team.id).order_by(Team.code))]


def score(page, team: str, values: tuple[int, int, int]) -> None:
    page.click(f"button.team[data-team='{team}']")
    for key, value in zip(("inovasi", "teknis", "presentasi"), values, strict=True):
        page.fill(f"#crit-{key}", str(value))
    page.click("#sheet-submit")


def badge(page, team: str):
    return page.locator(f"button.team[data-team='{team}'] .badge")


def wait_saved(page, team: str) -> None:
    page.wait_for_selector(f"button.team[data-team='{team}'] .badge[data-state='saved']",
                           timeout=15000)


def test_judge_scores_through_a_wifi_drop_and_a_captive_portal(browser, judge_venue,
                                                               outside_requests):
    venue, database = judge_venue
    context = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True)
    page = context.new_page()
    watch_requests(page, venue.url, outside_requests)
    sign_in(page, venue.url, "juri1", PASSWORD, "/juri")
    assert page.locator("html").get_attribute("lang") == "id"

    # steppers and the live weighted total before submitting
    page.click("button.team[data-team='KRE-001']")
    page.fill("#crit-inovasi", "80")
    page.fill("#crit-teknis", "70")
    assert page.inner_text("#sheet-total") == "—"
    page.fill("#crit-presentasi", "89")
    page.locator("#crit-presentasi").locator("xpath=..").locator("button.step").nth(1).click()
    assert page.input_value("#crit-presentasi") == "90"
    assert page.inner_text("#sheet-total") == "78.000"
    box = page.locator("#sheet-submit").bounding_box()
    assert box["height"] >= 44
    page.click("#sheet-submit")
    wait_saved(page, "KRE-001")

    for team, values in (("KRE-002", (60, 60, 60)), ("KRE-003", (50, 40, 30))):
        score(page, team, values)
        wait_saved(page, team)
    assert [r[:2] for r in stored(database)] == [("KRE-001", 1), ("KRE-002", 1),
                                                   ("KRE-003", 1)]

    context.set_offline(True)
    score(page, "KRE-004", (90, 90, 90))
    assert badge(page, "KRE-004").get_attribute("data-state") == "pending"
    assert badge(page, "KRE-004").inner_text() == "belum tersimpan"
    assert page.inner_text("#conn") == "tidak terhubung"
    page.wait_for_timeout(3500)  # a retry tick while offline changes nothing
    assert badge(page, "KRE-004").get_attribute("data-state") == "pending"
    assert len(stored(database)) == 3
    context.set_offline(False)
    wait_saved(page, "KRE-004")
    rows = stored(database)
    assert [r[:2] for r in rows] == [("KRE-001", 1), ("KRE-002", 1), ("KRE-003", 1),
                                     ("KRE-004", 1)]
    assert len({r[2] for r in rows}) == 4
    for team in ("KRE-001", "KRE-002", "KRE-003", "KRE-004"):
        assert badge(page, team).get_attribute("data-state") == "saved"

    # A captive portal answers 200 for the server, once after letting the request through
    # (the server stores it, the tablet never hears back) and once without: neither is a
    # confirmation; the resend with the same key is stored once and then confirmed.
    answered = []

    def portal(route):
        if not answered:
            route.fetch()
        answered.append(route.request.url)
        route.fulfill(status=200, content_type="text/html",
                      body="<html><body>Login Wi-Fi</body></html>")

    page.route("**/api/v1/categories/*/scores", portal)
    score(page, "KRE-002", (61, 60, 60))
    page.wait_for_timeout(3500)
    assert len(answered) >= 2
    assert badge(page, "KRE-002").get_attribute("data-state") == "pending"
    page.unroute("**/api/v1/categories/*/scores")
    wait_saved(page, "KRE-002")
    assert "versi 2" in badge(page, "KRE-002").inner_text()
    rows = stored(database)
    assert [r[:2] for r in rows] == [("KRE-001", 1), ("KRE-002", 1), ("KRE-002", 2),
                                     ("KRE-003", 1), ("KRE-004", 1)]

    # Another person changes KRE-003 (the head judge's correction) while this tablet still
    # shows version 1 (its refresh is held back): the tablet's edit is refused with the
    # current value, nothing is overwritten.
    page.route("**/api/v1/categories/*/scores",
               lambda route: route.abort() if route.request.method == "GET"
               else route.continue_())
    other = venue.api("POST", "/categories/kreatif-sd/scores", token="admin", json={
        "team": "KRE-003", "scores": {"inovasi": 55, "teknis": 40, "presentasi": 30},
        "idempotency_key": "koreksi-ketua-1", "base_version": 1, "judge": "juri1",
        "reason": "salah baca"})
    assert other.status_code == 201, other.text
    score(page, "KRE-003", (10, 10, 10))
    page.wait_for_selector("button.team[data-team='KRE-003'] .badge[data-state='conflict']",
                           timeout=15000)
    assert badge(page, "KRE-003").inner_text() == "konflik"
    message = page.inner_text("#sheet-message")
    assert message.startswith("Lembar nilai ini baru saja diubah di tempat lain")
    assert "versi 2" in message and "Inovasi: 55" in message
    page.unroute("**/api/v1/categories/*/scores")
    assert [r[:2] for r in stored(database) if r[0] == "KRE-003"] == [("KRE-003", 1),
                                                                        ("KRE-003", 2)]

    # a reload keeps the saved state (from the server) and nothing pending remains
    page.reload()
    wait_saved(page, "KRE-004")
    assert page.evaluate("JSON.parse(localStorage.getItem('kejurda.juri.juri1.queue'))") == []
    assert outside_requests == []
    context.close()


def test_portrait_tablet_touch_targets(browser, judge_venue):
    venue, _database = judge_venue
    context = browser.new_context(viewport={"width": 768, "height": 1024}, has_touch=True)
    page = context.new_page()
    sign_in(page, venue.url, "juri1", PASSWORD, "/juri")
    page.click("button.team[data-team='KRE-001']")
    small = page.evaluate("""() => Array.from(document.querySelectorAll(
        '#juri button, #juri input, #juri select, #juri textarea'))
        .filter(e => e.offsetParent !== null)
        .map(e => [e.id || e.className || e.tagName, e.getBoundingClientRect().height])
        .filter(([, h]) => h < 44)""")
    assert small == []
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 768
    context.close()



def test_a_refresh_from_before_a_save_does_not_undo_the_saved_version(browser, judge_venue):
    """The tablet re-reads its sheets now and then; a read that set off before one of its
    saves was confirmed must not put the older version back (the next edit would then be
    sent on that older version and refused as a conflict with the tablet's own save)."""
    venue, database = judge_venue
    context = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True)
    page = context.new_page()
    sign_in(page, venue.url, "juri1", PASSWORD, "/juri")
    score(page, "KRE-001", (80, 70, 90))
    wait_saved(page, "KRE-001")
    held = []
    page.route("**/api/v1/categories/*/scores", lambda route: held.append(route)
               if route.request.method == "GET" and not held else route.continue_())
    page.evaluate("window.dispatchEvent(new Event('online'))")  # the tablet re-reads
    deadline = time.monotonic() + 10
    while not held:
        assert time.monotonic() < deadline
        page.wait_for_timeout(50)
    stale = held[0].fetch()  # answered now: KRE-001 at version 1
    assert [s["version"] for s in stale.json()["sheets"]] == [1]
    score(page, "KRE-001", (81, 70, 90))
    page.wait_for_selector("button.team[data-team='KRE-001'] .badge:has-text('versi 2')",
                           timeout=15000)
    with page.expect_event("requestfinished"):
        held[0].fulfill(response=stale)
    page.wait_for_timeout(300)  # let the page act on the stale answer, if it would
    assert "versi 2" in badge(page, "KRE-001").inner_text()
    score(page, "KRE-001", (82, 70, 90))  # built on version 2: stored, no conflict
    page.wait_for_selector("button.team[data-team='KRE-001'] .badge:has-text('versi 3')",
                           timeout=15000)
    assert [r[:2] for r in stored(database)] == [("KRE-001", 1), ("KRE-001", 2),
                                                   ("KRE-001", 3)]
    context.close()


@pytest.mark.parametrize("viewport", [{"width": 768, "height": 1024}, {"width": 1024, "height": 768}],
                         ids=["portrait", "landscape"])
def test_values_are_checked_at_their_field_and_save_stays_in_reach(browser, judge_venue,
                                                                    viewport):
    """150 for a criterion out of 100 is refused at the field, in Indonesian, before
    anything is sent; "Simpan" is on screen without scrolling in both orientations, and
    "Tim berikutnya" opens the next team."""
    venue, database = judge_venue
    context = browser.new_context(viewport=viewport, has_touch=True)
    page = context.new_page()
    sign_in(page, venue.url, "juri1", PASSWORD, "/juri")
    sent = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)
    page.click("button.team[data-team='KRE-001']")
    page.fill("#crit-inovasi", "150")
    page.fill("#crit-teknis", "70")
    box = page.locator("#sheet-submit").bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= viewport["height"]
    page.click("#sheet-submit")
    assert page.inner_text("#crit-inovasi-error") == \
        "Isi bilangan bulat dari 0 sampai 100 (tertulis 150)."
    assert page.get_attribute("#crit-inovasi", "aria-invalid") == "true"
    assert page.get_attribute("#crit-teknis", "aria-invalid") is None
    assert page.inner_text("#sheet-message") == \
        "Periksa nilai yang ditandai merah; belum ada yang dikirim."
    assert sent == [] and stored(database) == []
    page.fill("#crit-inovasi", "100")
    assert page.locator("#crit-inovasi-error").count() == 0
    page.click("#sheet-submit")
    wait_saved(page, "KRE-001")
    assert [r[:2] for r in stored(database)] == [("KRE-001", 1)]
    page.click("#sheet-next")
    assert page.inner_text("#sheet-team").startswith("KRE-002")
    context.close()
