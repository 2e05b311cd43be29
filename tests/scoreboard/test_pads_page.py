"""The referee pad page: who may open it, what it knows about the match, and the link
from the referee's sheet."""

from __future__ import annotations

from sqlalchemy import select

from scoreboard.models import Category, Team
from tests.scoreboard import people as support

people = support.people  # the fixture


def _drawn_sumo(app, api) -> str:
    with app.extensions["kejurda_db"].transaction() as session:
        cid = session.scalar(select(Category.id).where(Category.slug == "sumo-sma"))
        session.add(Team(code="SUMO-002", name="Banteng Merah", institution="SMKN 2",
                         category_id=cid, level="SMA", members=["A"], contact=""))
    assert api.post("/api/v1/categories/sumo-sma/draw", role="admin").status_code == 201
    assert api.post("/api/v1/categories/sumo-sma/draw/publish", role="admin").status_code == 200
    bracket = api.get("/api/v1/categories/sumo-sma/bracket").get_json()
    return bracket["matches"][0]["id"]


def test_the_pad_knows_its_match_and_rules(app, api, people, client):
    match_id = _drawn_sumo(app, api)
    url = f"/wasit/pad/sumo-sma/{match_id}"
    page = people["waktu1"].get(url).get_data(as_text=True)
    assert 'data-kind="sumo"' in page and f'data-match="{match_id}"' in page
    assert """data-rules='{"max_rounds": 3, "round_time_s": 180, "yuko_to_win": 2}'""" in page
    assert 'data-version="0"' in page
    assert url in people["waktu1"].get("/wasit/sumo-sma").get_data(as_text=True)
    assert people["ketua"].get(url).status_code == 200
    assert people["juri1"].get(url).status_code == 403
    assert client.get(url).status_code == 302
    assert people["waktu1"].get("/wasit/pad/sumo-sma/W9-9").status_code == 404
    assert people["waktu1"].get("/wasit/pad/lf-smp/W1-1").status_code in (404, 422)
