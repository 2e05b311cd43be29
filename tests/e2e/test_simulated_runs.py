"""The whole chain for real: server process, agent process with the simulated source,
runs armed over the API. Every stored time must equal the simulator's ground truth."""

from __future__ import annotations

import threading
import time

import pytest

from tests.support.venue import Venue, ground_truth, wait_for_agent

pytestmark = pytest.mark.e2e

TEAMS = {"lf-smp": ["SMP-01", "SMP-02", "SMP-03", "SMP-04"],
         "lf-sd": ["SD-01", "SD-02", "SD-03", "SD-04"]}


def arm(venue: Venue, category: str, team: str) -> dict:
    deadline = time.monotonic() + 30
    while True:
        resp = venue.api("POST", "/runs", json={"category": category, "team": team})
        if resp.status_code == 201:
            return resp.json()
        assert resp.status_code == 409 and "busy" in resp.json()["error"], resp.text
        assert time.monotonic() < deadline, resp.text
        time.sleep(0.1)


def play_category(venue: Venue, category: str, attempts: int, results: list, errors: list) -> None:
    try:
        for attempt in range(attempts):
            for team in TEAMS[category]:
                run = arm(venue, category, team)
                assert run["status"] == "armed" and run["attempt"] == attempt + 1
                results.append(venue.wait_final(run["id"]))
    except BaseException as exc:  # surfaced by the test thread below
        errors.append(exc)


def wait_truth(venue: Venue, run_ids: set[int]) -> dict[int, dict]:
    """The simulator writes a robot's truth when it leaves the track: wait for the last one."""
    deadline = time.monotonic() + 15
    while True:
        truth = ground_truth(venue.tmp / "agent")
        if run_ids <= set(truth) or time.monotonic() > deadline:
            return truth
        time.sleep(0.1)


def test_every_simulated_run_is_timed_exactly_as_the_ground_truth(venue: Venue):
    venue.start_server()
    venue.start_agent("--simulate", "--sim-seed", "11", "--sim-scale", "0.1",
                      "--sim-dnf-rate", "0.12")
    wait_for_agent(venue)
    results: list[dict] = []
    errors: list[BaseException] = []
    threads = [threading.Thread(target=play_category, args=(venue, c, 3, results, errors))
               for c in TEAMS]
    for t in threads:
        t.start()
    for t in threads:
        t.join(240)
    assert not errors, f"{errors[0]!r}\n{venue.logs()}"
    assert len(results) == 24

    truth = wait_truth(venue, {r["id"] for r in results})
    outcomes = {"finished": 0, "dnf": 0}
    for run in results:
        gt = truth.get(run["id"])
        assert gt is not None, f"simulator has no record of run {run['id']}\n{venue.logs()}"
        assert gt["team"] == run["team"] and gt["track"] == run["track"]
        outcomes[gt["outcome"]] += 1
        if gt["outcome"] == "finished":
            assert run["status"] == "finished", (run, gt)
            assert run["elapsed_us"] == gt["elapsed_us"], (run, gt)
            assert run["checkpoints_us"] == gt["checkpoints_us"], (run, gt)
        else:
            assert run["status"] == "timeout", (run, gt)
            assert run["elapsed_us"] is None
    assert outcomes["finished"] >= 18, outcomes

    # the ranking is derived from exactly those times
    for category in TEAMS:
        entries = venue.api("GET", f"/categories/{category}/ranking").json()["entries"]
        best = {}
        for run in results:
            if run["category"] == category and run["status"] == "finished":
                best[run["team"]] = min(best.get(run["team"], 1 << 62), run["elapsed_us"])
        assert {e["team"]: e["best_us"] for e in entries if e["best_us"] is not None} == best
        ranked = [e["best_us"] for e in entries if e["best_us"] is not None]
        assert ranked == sorted(ranked)
