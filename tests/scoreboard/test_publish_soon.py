"""A gate edge's run goes to the screens at once, its category's ranking a moment later and
once for every change in between, read afresh (services/publish.py `Soon`)."""

from __future__ import annotations

import threading
import time

from scoreboard.app import create_app
from scoreboard.live import live
from scoreboard.services import publish, runs
from scoreboard.services.publish import Soon
from scoreboard.services.ranking import category_ranking
from tests.support.waiting import wait_until


def test_runs_go_at_once_and_one_fresh_ranking_follows_a_burst_of_changes(app, db):
    soon = live(app).soon = Soon(app, 0.3)
    sent: list[tuple[str, dict, float]] = []
    publish.connect(lambda event, data: sent.append((event, data, time.monotonic())), app)
    with app.app_context():
        run_id = runs.arm_run(db.session, "lf-sd", "LF-SD-001", actor="desk").id
        db.remove()
        runs.abort_run(db.session, run_id, actor="desk", reason="robot mogok")
        db.remove()
    # both runs are out before any ranking (and within the delay)
    assert [(event, data["status"]) for event, data, _t in sent] == [
        ("run", "armed"), ("run", "dnf")]
    assert wait_until(lambda: any(event == "ranking" for event, _d, _t in sent), 5)
    assert wait_until(lambda: soon._timer is None, 5)  # nothing more is due
    rankings = [(data, t) for event, data, t in sent if event == "ranking"]
    assert len(rankings) == 1  # one for the two changes
    ranking, at = rankings[0]
    assert at - sent[0][2] >= 0.25  # a moment after the first run (timer: 0.3 s)
    with app.app_context():
        assert ranking == category_ranking(db.session, "lf-sd")  # read after the last change
        db.remove()


def test_a_category_whose_ranking_fails_does_not_keep_the_others(app, caplog):
    soon = Soon(app, 0.05)
    done = threading.Event()

    def broken(_session):
        raise RuntimeError("no draw yet")

    soon.ask("ranking a", broken)
    soon.ask("ranking b", lambda _session: done.set())
    assert done.wait(5)
    assert "publishing ranking a failed" in caplog.text


def test_the_delay_is_a_quarter_second_on_a_server_and_none_in_tests(tmp_path, monkeypatch):
    def soon(name: str, **config):
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / name}", "SECRET_KEY": "t",
                          **config})
        try:
            return live(app).soon
        finally:
            app.extensions["kejurda_db"].dispose()

    assert soon("server.db").delay == 0.25
    assert soon("tests.db", TESTING=True) is None
    monkeypatch.setenv("KEJURDA_RANKING_DELAY_S", "0")
    assert soon("at-once.db") is None
    monkeypatch.setenv("KEJURDA_RANKING_DELAY_S", "1.5")
    assert soon("slower.db").delay == 1.5
