"""A two-device track whose edges reach the server out of order (docs/internals.md §2).

`lf-sma` runs on lintasan-c: start on `esp32-c1` gate 0, finish on `esp32-c2` gate 0, a
1 s hold-off, a 60 s limit. When the start device's outbox catches up after a Wi-Fi drop,
the finish device's edge of the same run is already stored. Epoch times are chosen so every
expected value is exact.
"""

from __future__ import annotations

from scoreboard.models import GateEvent
from scoreboard.services import runs

EPOCH = 1_764_452_840_000_000


def outcome(api, run_id: int) -> tuple:
    run = api.run(run_id)
    return run["status"], run["elapsed_us"]


def test_a_finish_that_arrives_before_its_start_times_the_run(api, agent, live):
    run_id = api.arm("lf-sma", "LF-SMA-001")["id"]
    agent.send("esp32-c2", 0, "B", 999_999_999, t_epoch_us=EPOCH + 7_654_321)
    assert outcome(api, run_id) == ("armed", None)
    live.get_received("/live")
    agent.send("esp32-c1", 0, "B", 123, t_epoch_us=EPOCH)
    assert outcome(api, run_id) == ("finished", 7_654_321)
    pushed = [args[0] for msg in live.get_received("/live") if msg["name"] == "run"
              for args in [msg["args"]]]
    assert [(r["id"], r["status"], r["elapsed_us"]) for r in pushed] == [
        (run_id, "finished", 7_654_321)]


def test_both_in_one_batch_finish_first(api, agent):
    run_id = api.arm("lf-sma", "LF-SMA-001")["id"]
    batch = [agent.edge("esp32-c2", 0, "B", 5_000, t_epoch_us=EPOCH + 2_500_000),
             agent.edge("esp32-c1", 0, "B", 9_000, t_epoch_us=EPOCH)]
    assert agent.sio.emit("gate_events", batch, namespace="/timing", callback=True) == [
        {"ok": True}] * 2
    assert outcome(api, run_id) == ("finished", 2_500_000)


def test_a_crossing_of_the_finish_before_the_start_is_not_a_finish(api, agent):
    run_id = api.arm("lf-sma", "LF-SMA-001")["id"]
    agent.send("esp32-c2", 0, "B", 1_000, t_epoch_us=EPOCH - 3_000_000)  # set-up, before
    agent.send("esp32-c2", 0, "B", 2_000, t_epoch_us=EPOCH + 999_999)    # in the hold-off
    agent.send("esp32-c1", 0, "B", 5_000, t_epoch_us=EPOCH)
    assert outcome(api, run_id) == ("running", None)
    agent.send("esp32-c2", 0, "B", 9_000, t_epoch_us=EPOCH + 4_321_000)
    assert outcome(api, run_id) == ("finished", 4_321_000)


def test_a_rebound_stored_before_the_start_does_not_finish_the_run(api, agent):
    """The finish beam flickers (B, C, B within 20 ms) just as the hold-off ends: the last
    B is the same crossing as the first, which was inside the hold-off."""
    run_id = api.arm("lf-sma", "LF-SMA-001")["id"]
    agent.send("esp32-c2", 0, "B", 1_000_000, t_epoch_us=EPOCH + 990_000)
    agent.send("esp32-c2", 0, "C", 1_005_000, t_epoch_us=EPOCH + 995_000)
    agent.send("esp32-c2", 0, "B", 1_010_100, t_epoch_us=EPOCH + 1_000_100)
    agent.send("esp32-c1", 0, "B", 5_000, t_epoch_us=EPOCH)
    assert outcome(api, run_id) == ("running", None)
    agent.send("esp32-c2", 0, "B", 8_000_000, t_epoch_us=EPOCH + 6_990_000)
    assert outcome(api, run_id) == ("finished", 6_990_000)


def test_an_edge_stored_before_the_run_was_armed_is_not_its_finish(api, agent):
    """Only edges stored since the run was armed can be its own (a device whose epoch
    estimate ran ahead must not finish the next team's run)."""
    agent.send("esp32-c2", 0, "B", 1_000, t_epoch_us=EPOCH + 3_000_000)
    run_id = api.arm("lf-sma", "LF-SMA-001")["id"]
    agent.send("esp32-c1", 0, "B", 5_000, t_epoch_us=EPOCH)
    assert outcome(api, run_id) == ("running", None)


def test_without_a_clock_in_common_an_early_finish_is_left_to_the_timekeeper(api, agent):
    """With no epoch times the two devices' clocks cannot be compared: the early finish
    could be a set-up crossing, so it is not applied and the run keeps running (the
    timekeeper sees it on the track page; an in-order finish would send it to review)."""
    run_id = api.arm("lf-sma", "LF-SMA-001")["id"]
    agent.send("esp32-c2", 0, "B", 9_000_000)
    agent.send("esp32-c1", 0, "B", 1_000_000)
    assert outcome(api, run_id) == ("running", None)


def test_a_faulty_crossing_during_the_set_up_arriving_in_order_changes_nothing(api, agent):
    """A fault sends a run to review whatever the edge's time, so only the edges after the
    start for certain are caught up: this one came before it, in order, as it happened."""
    run_id = api.arm("lf-sma", "LF-SMA-001")["id"]
    agent.send("esp32-c2", 0, "B", 1_000, t_epoch_us=EPOCH - 3_000_000, fault="t_us_backwards")
    agent.send("esp32-c1", 0, "B", 5_000, t_epoch_us=EPOCH)
    assert outcome(api, run_id) == ("running", None)


def timed_out(api, agent, db, monkeypatch) -> int:
    """A run on lf-sma started, then timed out by the server's clock (its agent cut off)."""
    run_id = api.arm("lf-sma", "LF-SMA-001")["id"]
    agent.send("esp32-c1", 0, "B", 5_000, t_epoch_us=EPOCH)
    later = runs.now_us() + 3_600_000_000
    with monkeypatch.context() as patched:
        patched.setattr(runs, "now_us", lambda: later)
        try:
            assert [run.id for run in runs.expire_runs(db.session)] == [run_id]
        finally:
            db.remove()
    return run_id


def test_a_backlog_revives_a_timed_out_run_in_the_order_its_edges_came(
        api, agent, db, monkeypatch):
    """The finish device's backlog brings the finish, then (after the device rebooted) a
    later crossing: the edges are stored in the order they came, and the run is re-derived
    from them in that order (boot "b9" sorts after "a1": a store in key order ended the
    run on the later crossing)."""
    run_id = timed_out(api, agent, db, monkeypatch)
    batch = [agent.edge("esp32-c2", 0, "B", 7, boot="b9", t_epoch_us=EPOCH + 5_000_000),
             agent.edge("esp32-c2", 0, "B", 3, boot="a1", t_epoch_us=EPOCH + 20_000_000)]
    assert agent.sio.emit("gate_events", batch, namespace="/timing", callback=True) == [
        {"ok": True}] * 2
    assert outcome(api, run_id) == ("finished", 5_000_000)
    with db.transaction() as session:
        stored = [e.boot for e in session.query(GateEvent).filter_by(
            source="esp32-c2").order_by(GateEvent.id)]
    assert stored == ["b9", "a1"]
