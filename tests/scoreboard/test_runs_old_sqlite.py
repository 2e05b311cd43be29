"""Gate edges on SQLite before 3.35 (Raspberry Pi OS 11, Debian 11): no INSERT … RETURNING.

The batch's edges are then stored with the stored keys read first and one INSERT per new
edge (`runs._store_edges_one_by_one`); what an agent and a screen see is the same.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event

T0 = 10_000_000


@pytest.fixture
def old_sqlite(app, monkeypatch) -> list[str]:
    """The app's database as SQLAlchemy sees SQLite 3.34; the statements it sends."""
    engine = app.extensions["kejurda_db"].engine
    monkeypatch.setattr(engine.dialect, "insert_executemany_returning", False)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_a: statements.append(statement))
    return statements


def test_a_run_is_timed_and_a_resent_edge_is_stored_once(api, agent, count, old_sqlite):
    from scoreboard.models import GateEvent

    run_id = api.arm("lf-smp", "LF-SMP-001")["id"]
    batch = [agent.edge("esp32-a", 0, "B", T0), agent.edge("esp32-a", 2, "B", T0 + 4_000_123)]
    assert agent.sio.emit("gate_events", batch + batch[:1], namespace="/timing",
                          callback=True) == [{"ok": True}] * 3
    agent.send("esp32-a", 1, "B", T0 + 8_765_432)
    assert agent.sio.emit("gate_events", batch, namespace="/timing", callback=True) == [
        {"ok": True}] * 2                               # the agent resends: stored before
    run = api.run(run_id)
    assert (run["status"], run["elapsed_us"], run["checkpoints_us"]) == (
        "finished", 8_765_432, [4_000_123])
    assert count(GateEvent) == 3
    inserts = [s for s in old_sqlite if s.lstrip().upper().startswith("INSERT INTO GATE_EVENT")]
    assert len(inserts) == 3 and not [s for s in inserts if "RETURNING" in s.upper()]
