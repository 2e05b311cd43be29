"""Penalties counted by the timekeeper are added to a run's time in the ranking, with an
audit record; bad requests change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoreboard.models import AuditRecord
from scoreboard.services.event_file import load_event
from tests.support.venue import event_variant

T0 = 5_000_000


@pytest.fixture
def penalised(app, db, data_dir: Path, tmp_path: Path):
    """The test event with penalties on lf-smp: sentuh 5 s, keluar 10 s."""
    marker = 'slug = "lf-smp"\n'
    path = event_variant(data_dir / "event.toml", tmp_path / "event.toml", marker,
                         marker + "penalties = { sentuh = 5, keluar = 10 }\n")
    with db.transaction() as session:
        load_event(session, path)
    return app


def finished_run(api, agent, team: str, elapsed_us: int) -> int:
    run_id = api.arm("lf-smp", team)["id"]
    agent.send("esp32-a", 0, "B", T0)
    agent.send("esp32-a", 1, "B", T0 + elapsed_us)
    assert api.run(run_id)["status"] == "finished"
    return run_id


def test_penalties_add_their_seconds_to_the_ranked_time(penalised, api, agent, count):
    fast = finished_run(api, agent, "LF-SMP-001", 8_000_000)
    resp = api.post(f"/api/v1/runs/{fast}/penalty", {"penalty": "sentuh", "count": 2})
    assert resp.status_code == 200, resp.get_json()
    run = resp.get_json()
    assert run["penalties"] == {"sentuh": 2} and run["elapsed_us"] == 8_000_000
    slow = finished_run(api, agent, "LF-SMP-002", 15_000_000)
    entries = {e["team"]: e for e in api.ranking("lf-smp")["entries"]}
    assert entries["LF-SMP-001"]["best_us"] == 18_000_000  # 8 s + 2 × 5 s
    assert entries["LF-SMP-002"]["best_us"] == 15_000_000
    assert entries["LF-SMP-002"]["rank"] == 1 and entries["LF-SMP-001"]["rank"] == 2
    assert count(AuditRecord, action="penalty") == 1
    assert slow != fast


def test_a_penalty_is_taken_back_only_with_a_reason(penalised, api, agent):
    run_id = finished_run(api, agent, "LF-SMP-001", 8_000_000)
    api.post(f"/api/v1/runs/{run_id}/penalty", {"penalty": "keluar"})
    refused = api.post(f"/api/v1/runs/{run_id}/penalty", {"penalty": "keluar", "count": -1})
    assert refused.status_code == 422 and refused.get_json()["error"].startswith("reason:")
    ok = api.post(f"/api/v1/runs/{run_id}/penalty",
                  {"penalty": "keluar", "count": -1, "reason": "salah catat"})
    assert ok.status_code == 200 and ok.get_json()["penalties"] == {}
    below = api.post(f"/api/v1/runs/{run_id}/penalty",
                     {"penalty": "keluar", "count": -1, "reason": "lagi"})
    assert below.status_code == 422 and "keluar" in below.get_json()["error"]


@pytest.mark.parametrize("body, status, field", [
    ({"penalty": "lompat"}, 422, "penalty:"),
    ({"penalty": 5}, 422, "penalty:"),
    ({"penalty": "sentuh", "count": 0}, 422, "count:"),
    ({"penalty": "sentuh", "count": "2"}, 422, "count:"),
    ({"penalty": "sentuh", "count": True}, 422, "count:"),
    ({"penalty": "sentuh", "count": 1000}, 422, "count:"),
])
def test_bad_penalties_are_refused_naming_the_field(penalised, api, agent, snapshot,
                                                     body, status, field):
    run_id = finished_run(api, agent, "LF-SMP-001", 8_000_000)
    before = snapshot()
    resp = api.post(f"/api/v1/runs/{run_id}/penalty", body)
    assert resp.status_code == status and resp.get_json()["error"].startswith(field)
    assert snapshot() == before


def test_penalties_need_a_timekeeper_and_a_run_under_way(penalised, api, agent):
    run_id = api.arm("lf-smp", "LF-SMP-001")["id"]
    armed = api.post(f"/api/v1/runs/{run_id}/penalty", {"penalty": "sentuh"})
    assert armed.status_code == 409
    assert api.post(f"/api/v1/runs/{run_id}/penalty", {"penalty": "sentuh"},
                    role=None).status_code == 401
    assert api.post(f"/api/v1/runs/{run_id}/penalty", {"penalty": "sentuh"},
                    role="judge").status_code == 403
    assert api.post("/api/v1/runs/999/penalty", {"penalty": "sentuh"}).status_code == 404
