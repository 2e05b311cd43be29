"""The demo plays every format: its simulated referees and judges go through the services
the pads and tablets use, until every match is played and every sheet is in."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from scoreboard.demo import AUDIENCES, prepare
from scoreboard.demo.players import DemoJudges, DemoReferees
from scoreboard.models import Category, MatchRecord, ScoreSheetVersion
from scoreboard.services import matches
from scoreboard.services.ranking import category_ranking


@pytest.fixture
def demo_app(tmp_path: Path):
    from scoreboard.app import create_app

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    prepare(url)
    app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "uji"})
    with app.app_context():
        yield app
    app.extensions["kejurda_db"].dispose()


def test_referees_play_every_match_and_judges_score_every_team(demo_app):
    session = demo_app.extensions["kejurda_db"].session
    referees, judges = DemoReferees(pause_s=0, seed=7), DemoJudges(pause_s=0, seed=7)
    played = 0
    while referees.step(session) is not None:
        played += 1
    sheets = 0
    while judges.step(session) is not None:
        sheets += 1
    assert matches.list_matches(session, None, "ready") == []
    done = [m for m in matches.list_matches(session, None, None) if m["status"] == "done"]
    assert played == len(done) == session.scalar(select(func.count(MatchRecord.id)))
    assert set(session.scalars(select(MatchRecord.actor))) == {"demo:wasit"}
    soccer = category_ranking(session, "soccer-smp")["entries"]
    assert [e["played"] for e in soccer] == [3, 3, 3, 3]  # a round robin of four
    sumo = category_ranking(session, "sumo-sma")["entries"]
    assert [e["status"] for e in sumo].count("champion") == 1
    assert sheets == 4 and set(session.scalars(select(ScoreSheetVersion.entered_by))) == {"demo:juri1"}
    creative = category_ranking(session, "kreatif-sd")["entries"]
    assert all(isinstance(e["score"], float) for e in creative) and len(creative) == 4


def test_the_people_keep_their_pace(demo_app):
    session = demo_app.extensions["kejurda_db"].session
    referees, judges = DemoReferees(pause_s=3600, seed=1), DemoJudges(pause_s=3600, seed=1)
    assert referees.step(session) is not None and judges.step(session) is not None
    assert referees.step(session) is None and judges.step(session) is None
    assert session.scalar(select(func.count(MatchRecord.id))) == 1


def test_the_demo_event_sets_levels_and_prints_every_audience(demo_app):
    session = demo_app.extensions["kejurda_db"].session
    levels = {c.slug: (c.options or {}).get("levels") for c in session.scalars(select(Category))}
    assert levels == {"lf-smp": ["SMP"], "lf-sd": ["SD"], "sumo-sma": ["SMA", "SMK"],
                      "soccer-smp": ["SMP"], "kreatif-sd": ["SD"]}
    client = demo_app.test_client()
    for _who, path in AUDIENCES:
        resp = client.get(path)
        assert resp.status_code in (200, 302), path  # 302: to /login for signed-in pages
