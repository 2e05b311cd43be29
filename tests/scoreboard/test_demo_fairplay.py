"""The demo shows fair play: its inspector weighs every sumo robot before the draw (one
fails, is repaired and passes), a team protests a lost bout, the head judge rejects it with
a reason and makes each finished category official, and the medal table fills."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from scoreboard.demo import prepare
from scoreboard.demo.fairplay import (
    DECISION_REASON,
    PROTEST_REASON,
    REPAIR_NOTE,
    DemoHeadJudge,
    DemoProtester,
)
from scoreboard.demo.players import DemoJudges, DemoReferees
from scoreboard.models import AuditRecord, Category, Inspection, Protest, Team
from scoreboard.services import inspection, protests
from scoreboard.services.publication import final_categories


@pytest.fixture
def demo_app(tmp_path: Path):
    """The demo prepared as `kejurda demo` prepares it (its inspector has worked)."""
    from scoreboard.app import create_app

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    prepare(url)
    app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "uji"})
    with app.app_context():
        yield app
    app.extensions["kejurda_db"].dispose()


def _audit(session, action: str) -> list[tuple[str, str]]:
    return [(a.actor, a.entity_id) for a in session.scalars(
        select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id))]


def test_the_inspector_passes_every_sumo_robot_one_after_repair(demo_app):
    session = demo_app.extensions["kejurda_db"].session
    sumo = session.scalar(select(Category).where(Category.slug == "sumo-sma"))
    assert [i.key for i in inspection.checklist(sumo)] == ["massa", "ukuran", "tanpa_perekat"]
    rows = session.scalars(select(Inspection).order_by(Inspection.id)).all()
    history: dict[str, list[bool]] = {}
    for row in rows:
        history.setdefault(row.team.code, []).append(row.passed)
    codes = sorted(session.scalars(select(Team.code).where(Team.category_id == sumo.id)))
    assert len(codes) == 8 and sorted(history) == codes
    assert history.pop("SUMO-SMA-001") == [False, True]
    assert set(map(tuple, history.values())) == {(True,)}
    failed = rows[0]
    assert [r["key"] for r in failed.results if not r["passed"]] == ["massa"]
    assert failed.item_values["massa"] == 3150 and rows[-1].notes == REPAIR_NOTE
    assert _audit(session, "inspect") == [("demo:pemeriksa", c) for c in codes] + [
        ("demo:pemeriksa", "SUMO-SMA-001")]
    client = demo_app.test_client()
    board = client.get("/api/v1/inspections").get_json()
    assert len(board) == 8 and {r["status"] for r in board} == {"passed"}


def test_a_protest_is_decided_and_finished_categories_become_official(demo_app):
    session = demo_app.extensions["kejurda_db"].session
    people = [DemoReferees(pause_s=0, seed=7), DemoJudges(pause_s=0, seed=7),
              DemoProtester(pause_s=0), DemoHeadJudge(pause_s=0)]
    for _ in range(200):  # bounded: the demo's matches and sheets take 21 rounds
        if all([person.step(session) is None for person in people]):
            break
    else:
        raise AssertionError("the demo's people never ran out of things to do")
    filed = protests.list_protests(session)
    assert [(p["team"], p["target"], p["target_id"], p["reason"], p["status"],
             p["decided_by"], p["decision_reason"]) for p in filed] == [
        ("SUMO-SMA-001", "match", "W1-1", PROTEST_REASON, "rejected", "demo:ketua",
         DECISION_REASON)]
    protest_id = str(session.scalar(select(Protest.id)))
    assert _audit(session, "protest") == [("demo:tim:SUMO-SMA-001", protest_id)]
    assert _audit(session, "protest:rejected") == [("demo:ketua", protest_id)]
    # match categories made official by the head judge; the timed ones wait for their
    # runs (the agent's), the judged one for the visitor as ketua to publish it
    assert final_categories(session) == {"sumo-sma", "soccer-smp"}
    assert _audit(session, "finalise") == [("demo:ketua", "soccer-smp"),  # 6 games
                                           ("demo:ketua", "sumo-sma")]  # 14 or 15 bouts
    client = demo_app.test_client()
    medals = client.get("/api/v1/medals").get_json()
    assert [sum(r[m] for r in medals) for m in ("gold", "silver", "bronze")] == [3, 3, 3]
    assert sum(r["points"] for r in medals) == 27
    page = client.get("/juara-umum").get_data(as_text=True)
    assert all(r["institution"] in page for r in medals)
    hasil = client.get("/hasil").get_data(as_text=True)
    assert hasil.count('data-final="yes"') == 2
