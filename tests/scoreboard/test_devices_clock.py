"""`elapsed_err_us` on the run object: how sure the server is of a run's time.

0 when start and finish share one clock, the two edges' `t_epoch_err_us` added when
they come from two devices (docs/internals.md §5), null without a measured time."""

from __future__ import annotations

EPOCH = 1_764_452_840_000_000


def test_one_clock_is_exact(api, agent):
    run_id = api.arm("lf-smp", "LF-SMP-001")["id"]
    assert api.run(run_id)["elapsed_err_us"] is None          # armed: no time yet
    agent.send("esp32-a", 0, "B", 1_000_000, t_epoch_us=EPOCH, t_epoch_err_us=900)
    assert api.run(run_id)["elapsed_err_us"] is None          # running
    agent.send("esp32-a", 1, "B", 9_000_000, t_epoch_us=EPOCH + 1, t_epoch_err_us=900)
    run = api.run(run_id)
    assert (run["status"], run["elapsed_us"], run["elapsed_err_us"]) == ("finished", 8_000_000, 0)


def test_two_clocks_add_their_stated_uncertainties(api, agent):
    run_id = api.arm("lf-sma", "LF-SMA-001")["id"]
    agent.send("esp32-c1", 0, "B", 123, t_epoch_us=EPOCH, t_epoch_err_us=350)
    agent.send("esp32-c2", 0, "B", 999_999_999, t_epoch_us=EPOCH + 7_654_321,
               t_epoch_err_us=1_150)
    run = api.run(run_id)
    assert (run["status"], run["elapsed_us"], run["elapsed_err_us"]) == (
        "finished", 7_654_321, 1_500)


def test_two_clocks_without_stated_uncertainty_count_as_exact(api, agent):
    run_id = api.arm("lf-sma", "LF-SMA-001")["id"]
    agent.send("esp32-c1", 0, "B", 123, t_epoch_us=EPOCH)
    agent.send("esp32-c2", 0, "B", 5, t_epoch_us=EPOCH + 3_000_000, t_epoch_err_us=40)
    assert api.run(run_id)["elapsed_err_us"] == 40


def test_a_run_in_review_or_aborted_has_none(api, agent):
    run_id = api.arm("lf-sma", "LF-SMA-001")["id"]
    agent.send("esp32-c1", 0, "B", 1_000_000)
    agent.send("esp32-c2", 0, "B", 9_000_000)
    assert (api.run(run_id)["status"], api.run(run_id)["elapsed_err_us"]) == ("review", None)
    resolved = api.post(f"/api/v1/runs/{run_id}/resolve",
                        {"elapsed_us": 8_000_000, "reason": "stopwatch"}).get_json()
    assert (resolved["status"], resolved["elapsed_us"], resolved["elapsed_err_us"]) == (
        "finished", 8_000_000, None)


def test_live_run_events_carry_it(api, agent, live):
    run_id = api.arm("lf-sma", "LF-SMA-001")["id"]
    agent.send("esp32-c1", 0, "B", 123, t_epoch_us=EPOCH, t_epoch_err_us=10)
    agent.send("esp32-c2", 0, "B", 77, t_epoch_us=EPOCH + 2_000_000, t_epoch_err_us=20)
    runs = [a["args"][0] for a in live.get_received("/live") if a["name"] == "run"]
    assert [(r["id"], r["status"], r["elapsed_err_us"]) for r in runs] == [
        (run_id, "armed", None), (run_id, "running", None), (run_id, "finished", 30)]
    # the running event already carries its start's time (displays run their clock on it)
    assert [r["start_t_epoch_us"] for r in runs] == [None, EPOCH, EPOCH]
