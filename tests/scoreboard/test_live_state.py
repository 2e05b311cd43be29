"""Two apps in one process keep their own live state: listeners, agents, locks, fan-out."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scoreboard.app import create_app
from scoreboard.live import live
from scoreboard.services import publish
from scoreboard.services.accounts import create_token


@pytest.fixture
def other(_templates, tmp_path: Path):
    """A second app in this process, on its own copy of the loaded test database."""
    folder = tmp_path / "other"
    folder.mkdir()
    shutil.copyfile(_templates[True], folder / "kejurda.db")
    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'kejurda.db'}",
                      "SECRET_KEY": "test", "TESTING": True})
    yield app
    app.extensions["kejurda_db"].dispose()


def test_each_app_has_its_own_live_state(app, other):
    mine, theirs = live(app), live(other)
    assert mine is not theirs
    for name in ("emitters", "publish_order", "run_lock", "match_lock", "score_lock",
                 "agents", "reports", "flusher"):
        assert getattr(mine, name) is not getattr(theirs, name), name
    assert app.extensions["socketio"] is not other.extensions["socketio"]
    assert app.extensions["socketio"].server is not other.extensions["socketio"].server


def test_what_one_app_publishes_reaches_only_its_own_listeners(app, other):
    heard: dict[str, list] = {"app": [], "other": []}
    publish.connect(lambda event, data: heard["app"].append((event, data)), app)
    publish.connect(lambda event, data: heard["other"].append((event, data)), other)
    with app.app_context():
        publish.publish("notice", {"n": 1})
    with other.app_context():
        publish.publish("notice", {"n": 2})
    assert heard == {"app": [("notice", {"n": 1})], "other": [("notice", {"n": 2})]}


def test_a_run_armed_on_one_app_is_broadcast_by_that_app_alone(api, app, other):
    watching = app.extensions["socketio"].test_client(app, namespace="/live")
    elsewhere = other.extensions["socketio"].test_client(other, namespace="/live")
    watching.get_received("/live"), elsewhere.get_received("/live")  # the snapshots
    run = api.arm("lf-smp", "LF-SMP-001")
    runs_seen = [p["args"][0] for p in watching.get_received("/live") if p["name"] == "run"]
    assert [(r["id"], r["status"]) for r in runs_seen] == [(run["id"], "armed")]
    assert elsewhere.get_received("/live") == []
    watching.disconnect("/live"), elsewhere.disconnect("/live")


def test_an_agent_is_listed_by_the_app_it_connected_to(app, other, tokens):
    with other.extensions["kejurda_db"].transaction() as session:
        other_token = create_token(session, "admin", "admin-other")
    agent = app.extensions["socketio"].test_client(app, namespace="/timing",
                                                   auth={"token": tokens["agent"]})
    assert agent.is_connected("/timing")
    mine = app.test_client().get("/api/v1/agents",
                                 headers={"Authorization": f"Bearer {tokens['admin']}"})
    theirs = other.test_client().get("/api/v1/agents",
                                     headers={"Authorization": f"Bearer {other_token}"})
    assert [a["token"] for a in mine.get_json()] == ["test-agent"]
    assert theirs.get_json() == []
    agent.disconnect("/timing")
