"""Socket.IO (docs/contract.md §5): `/timing` for agents, run timing from gate edges, `/live`.

Times are device microseconds chosen so every expected value is exact.
"""

from __future__ import annotations

import time

import pytest

from scoreboard.models import AuditRecord, GateEvent, Run
from scoreboard.services import runs
from scoreboard.services.event_file import load_event
from tests.support.venue import event_variant

T0 = 10_000_000  # the device's clock at the start edge


# ------------------------------------------------------------------ connecting to /timing


@pytest.mark.parametrize("auth", [
    None,
    {},
    {"token": None},
    {"token": ""},
    {"token": 12345},
    {"token": ["kj_x"]},
    {"token": "kj_not-a-real-token"},
    {"token": "x" * 10_000},
    "kj_just-a-string",
    ["token"],
    42,
])
def test_timing_refuses_connect_without_an_agent_token(socket_client, auth):
    sio = socket_client("/timing", auth=auth)
    assert not sio.is_connected("/timing")


@pytest.mark.parametrize("role", ["admin", "timekeeper", "judge"])
def test_timing_refuses_tokens_of_other_roles(socket_client, tokens, role):
    sio = socket_client("/timing", auth={"token": tokens[role]})
    assert not sio.is_connected("/timing")


def test_timing_accepts_an_agent_token(socket_client, tokens):
    sio = socket_client("/timing", auth={"token": tokens["agent"]})
    assert sio.is_connected("/timing")


# ------------------------------------------------------------------ gate_event acks and storage


def stored_edges(db) -> list[tuple]:
    with db.transaction() as s:
        return [(e.source, e.boot, e.seq, e.gate, e.edge, e.t_us, e.t_epoch_us, e.t_epoch_err_us)
                for e in s.query(GateEvent).order_by(GateEvent.id)]


def test_gate_event_is_acked_and_stored_exactly(agent, db):
    edge = {"source": "esp32-x", "boot": "3f9a0c12", "seq": 1, "gate": 3, "edge": "B",
            "t_us": 1_523_004, "t_epoch_us": 1_764_452_840_123_456, "t_epoch_err_us": 120}
    assert agent.emit(edge) == {"ok": True}
    edge2 = {"source": "esp32-x", "boot": "3f9a0c12", "seq": 2, "gate": 3, "edge": "C",
             "t_us": 1_600_000}
    assert agent.emit(edge2) == {"ok": True}
    assert stored_edges(db) == [
        ("esp32-x", "3f9a0c12", 1, 3, "B", 1_523_004, 1_764_452_840_123_456, 120),
        ("esp32-x", "3f9a0c12", 2, 3, "C", 1_600_000, None, None)]


def test_same_source_boot_seq_twice_is_stored_once_and_acked_both_times(agent, count):
    edge = agent.edge("esp32-x", 0, "B", 1_000)
    assert agent.emit(edge) == {"ok": True}
    assert agent.emit(dict(edge)) == {"ok": True}
    # even with other values: the id is (source, boot, seq), the first one stands
    assert agent.emit({**edge, "t_us": 999_999}) == {"ok": True}
    assert count(GateEvent) == 1
    # a new boot restarts the sequence: a different edge
    assert agent.emit({**edge, "boot": "b00t0002"}) == {"ok": True}
    assert count(GateEvent) == 2


def test_a_duplicate_does_not_drive_a_run_twice(api, agent, count):
    run = api.arm("lf-smp", "LF-SMP-001")
    start = agent.edge("esp32-a", 0, "B", T0)
    agent.emit(start)
    finish = agent.edge("esp32-a", 1, "B", T0 + 5_000_000)
    agent.emit(finish)
    assert api.run(run["id"])["elapsed_us"] == 5_000_000
    nxt = api.arm("lf-smp", "LF-SMP-002")
    assert agent.emit(start) == {"ok": True}  # a late resend of the old start
    assert api.run(nxt["id"])["status"] == "armed"
    assert count(GateEvent) == 2


VALID = {"source": "esp32-a", "boot": "b00t0001", "seq": 1, "gate": 0, "edge": "B",
         "t_us": 1_000}


def without(key):
    return {k: v for k, v in VALID.items() if k != key}


MALFORMED = [
    # (id, payload, the field the error names)
    ("no source", without("source"), "source"),
    ("no boot", without("boot"), "boot"),
    ("no seq", without("seq"), "seq"),
    ("no gate", without("gate"), "gate"),
    ("no edge", without("edge"), "edge"),
    ("no t_us", without("t_us"), "t_us"),
    ("source not a string", {**VALID, "source": 7}, "source"),
    ("empty source", {**VALID, "source": ""}, "source"),
    ("source too long", {**VALID, "source": "s" * 65}, "source"),
    ("boot not a string", {**VALID, "boot": 3}, "boot"),
    ("seq a string", {**VALID, "seq": "1"}, "seq"),
    ("seq a float", {**VALID, "seq": 1.0}, "seq"),
    ("seq a bool", {**VALID, "seq": True}, "seq"),
    ("seq zero", {**VALID, "seq": 0}, "seq"),
    ("seq negative", {**VALID, "seq": -1}, "seq"),
    ("seq beyond 64 bits", {**VALID, "seq": 2**63}, "seq"),
    ("gate a bool", {**VALID, "gate": False}, "gate"),
    ("gate negative", {**VALID, "gate": -1}, "gate"),
    ("gate null", {**VALID, "gate": None}, "gate"),
    ("edge lowercase", {**VALID, "edge": "b"}, "edge"),
    ("edge unknown", {**VALID, "edge": "X"}, "edge"),
    ("edge a number", {**VALID, "edge": 1}, "edge"),
    ("t_us negative", {**VALID, "t_us": -5}, "t_us"),
    ("t_us a bool", {**VALID, "t_us": True}, "t_us"),
    ("t_us a float", {**VALID, "t_us": 1.5}, "t_us"),
    ("t_us huge", {**VALID, "t_us": 10**30}, "t_us"),
    ("t_epoch_us a string", {**VALID, "t_epoch_us": "now"}, "t_epoch_us"),
    ("t_epoch_us a bool", {**VALID, "t_epoch_us": True}, "t_epoch_us"),
    ("t_epoch_us negative", {**VALID, "t_epoch_us": -1}, "t_epoch_us"),
    ("t_epoch_err_us negative", {**VALID, "t_epoch_err_us": -1}, "t_epoch_err_us"),
    ("a list", [VALID], "edge"),
    ("a string", "EV,1,0,B,1000", "edge"),
    ("a number", 5, "edge"),
    ("null", None, "edge"),
]


@pytest.mark.parametrize("payload,field", [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_malformed_gate_event_is_refused_naming_the_field(agent, api, count, payload, field):
    run = api.arm("lf-smp", "LF-SMP-001")
    ack = agent.emit(payload)
    assert set(ack) == {"ok", "error"}, ack
    assert ack["ok"] is False
    assert ack["error"].startswith(f"{field}:"), ack
    assert count(GateEvent) == 0
    assert api.run(run["id"])["status"] == "armed"


def test_gate_event_without_a_payload(agent, count):
    ack = agent.sio.emit("gate_event", namespace="/timing", callback=True)
    assert ack["ok"] is False and ack["error"].startswith("edge:")
    assert count(GateEvent) == 0


def test_unknown_extra_fields_are_ignored(agent, count):
    assert agent.emit({**VALID, "rssi": -60}) == {"ok": True}
    assert count(GateEvent) == 1


def test_gate_events_batch_extension(agent, count):
    good = agent.edge("esp32-x", 0, "B", 1)
    acks = agent.sio.emit("gate_events", [good, {**VALID, "seq": 0}, good],
                          namespace="/timing", callback=True)
    assert acks[0] == {"ok": True} and acks[2] == {"ok": True}
    assert acks[1]["ok"] is False and acks[1]["error"].startswith("seq:")
    assert count(GateEvent) == 1


# ------------------------------------------------------------------ run timing


def test_a_run_from_start_through_checkpoint_to_finish(api, agent):
    run_id = api.arm("lf-smp", "LF-SMP-001")["id"]

    def status():
        r = api.run(run_id)
        return r["status"], r["elapsed_us"], r["checkpoints_us"]

    agent.send("esp32-a", 0, "C", T0 - 500)             # C edges never count
    agent.send("esp32-a", 1, "B", T0 - 400)             # finish gate while armed
    agent.send("esp32-a", 2, "B", T0 - 300)             # checkpoint while armed
    agent.send("esp32-b", 0, "B", T0 - 200)             # a gate of another device
    assert status() == ("armed", None, [None])
    agent.send("esp32-a", 0, "B", T0)                   # the start
    assert status() == ("running", None, [None])
    agent.send("esp32-a", 0, "C", T0 + 3_000)
    agent.send("esp32-a", 0, "B", T0 + 7_000)           # bounce of the start beam
    agent.send("esp32-a", 0, "B", T0 + 2_500_000)       # start gate again: ignored
    assert status() == ("running", None, [None])
    agent.send("esp32-a", 2, "C", T0 + 4_000_000)
    agent.send("esp32-a", 2, "B", T0 + 4_000_123)       # checkpoint
    agent.send("esp32-a", 2, "B", T0 + 4_100_000)       # its bounce: first one stays
    assert status() == ("running", None, [4_000_123])
    agent.send("esp32-a", 1, "B", T0 + 1_999_999)       # within min_run_ms: ignored
    agent.send("esp32-a", 1, "C", T0 + 8_000_000)
    assert status() == ("running", None, [4_000_123])
    agent.send("esp32-a", 1, "B", T0 + 8_765_432)       # the finish
    assert status() == ("finished", 8_765_432, [4_000_123])
    agent.send("esp32-a", 1, "B", T0 + 9_000_000)       # after the finish: nothing
    assert status() == ("finished", 8_765_432, [4_000_123])


def test_a_whole_run_in_one_batch_points_at_its_stored_edges(api, agent, db):
    """Start, checkpoint and finish in one `gate_events` batch: the run's edges are the rows
    the batch stored (taken from the rows in hand, not read back), with their ids."""
    run_id = api.arm("lf-smp", "LF-SMP-001")["id"]
    edges = [agent.edge("esp32-a", 0, "B", T0), agent.edge("esp32-a", 2, "B", T0 + 4_000_123),
             agent.edge("esp32-a", 1, "B", T0 + 8_765_432)]
    acks = agent.sio.emit("gate_events", edges, namespace="/timing", callback=True)
    assert acks == [{"ok": True}] * 3
    run = api.run(run_id)
    assert (run["status"], run["elapsed_us"], run["checkpoints_us"]) == (
        "finished", 8_765_432, [4_000_123])
    with db.transaction() as s:
        stored = {(e.gate, e.t_us): e.id for e in s.query(GateEvent)}
        row = s.get(Run, run_id)
        assert (row.start_event_id, row.checkpoint_event_ids, row.finish_event_id) == (
            stored[(0, T0)], [stored[(2, T0 + 4_000_123)]], stored[(1, T0 + 8_765_432)])


def test_a_finish_edge_costs_a_bounded_number_of_queries(api, agent, app):
    """The way from a gate edge to the screens reads what it needs in few statements (a
    lazy load per relationship, or reading back rows in hand, would add one each)."""
    from sqlalchemy import event as sa_event

    engine = app.extensions["kejurda_db"].engine
    api.arm("lf-smp", "LF-SMP-001")
    agent.send("esp32-a", 0, "B", T0)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement.split()[0].upper())

    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        agent.send("esp32-a", 1, "B", T0 + 8_765_432)
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)
    # token check; the edge stored unless it is already (one statement, no read first);
    # the tracks with which of them are live, the two edges before it on its gate, the run
    # with its rows; the run's update; then the ranking's reads
    assert statements[:statements.index("UPDATE") + 1] == [
        "SELECT", "INSERT", "SELECT", "SELECT", "SELECT", "UPDATE"], statements


def test_gate_edges_are_handled_in_the_app_s_context_without_a_flask_request(
        api, agent, monkeypatch):
    """An agent's connection has no URL, cookies or session for a Flask request to carry;
    building one per edge was a fifth of the edge's way to its handler (scoreboard/
    sockets.py `TimingNamespace.trigger_event`)."""
    import flask

    seen: list[tuple[bool, bool]] = []
    record_edges = runs.record_edges

    def spy(session, payloads):
        seen.append((flask.has_app_context(), flask.has_request_context()))
        return record_edges(session, payloads)

    monkeypatch.setattr(runs, "record_edges", spy)
    run_id = api.arm("lf-smp", "LF-SMP-001")["id"]
    agent.send("esp32-a", 0, "B", T0)
    assert api.run(run_id)["status"] == "running"
    batch = [agent.edge("esp32-a", 1, "B", T0 + 8_765_432)]
    assert agent.sio.emit("gate_events", batch, namespace="/timing", callback=True) == [
        {"ok": True}]
    assert seen == [(True, False), (True, False)]
    assert api.run(run_id)["elapsed_us"] == 8_765_432


def test_finish_exactly_at_min_run_ms(api, agent):
    run_id = api.arm("lf-smp", "LF-SMP-001")["id"]
    agent.send("esp32-a", 0, "B", T0)
    agent.send("esp32-a", 1, "B", T0 + 2_000_000)
    assert (api.run(run_id)["status"], api.run(run_id)["elapsed_us"]) == ("finished", 2_000_000)


def test_lap_track_finishes_on_the_start_gate_after_min_run_ms(api, agent):
    run_id = api.arm("lf-sd", "LF-SD-001")["id"]
    agent.send("pi-b", 0, "B", T0)
    agent.send("pi-b", 0, "C", T0 + 40_000)
    agent.send("pi-b", 0, "B", T0 + 60_000)             # bounce
    agent.send("pi-b", 0, "B", T0 + 2_999_999)          # 1 µs too early
    assert api.run(run_id)["status"] == "running"
    agent.send("pi-b", 0, "B", T0 + 3_000_000)
    run = api.run(run_id)
    assert (run["status"], run["elapsed_us"], run["checkpoints_us"]) == ("finished", 3_000_000, [])


def test_a_rebound_is_seen_across_stored_edges_and_the_batch_s_own(api, agent):
    """The rebound rule's look-back reads the gate's stored edges and the rows of the same
    batch that are not written yet: here the B is stored, its C and the rebound B come
    together in one batch (an outbox catching up) after the next team was armed."""
    agent.send("pi-b", 0, "B", T0)                      # the last robot crossing, no run armed
    run_id = api.arm("lf-sd", "LF-SD-001")["id"]
    batch = [agent.edge("pi-b", 0, "C", T0 + 5_000), agent.edge("pi-b", 0, "B", T0 + 10_000)]
    assert agent.sio.emit("gate_events", batch, namespace="/timing", callback=True) == [
        {"ok": True}, {"ok": True}]
    assert api.run(run_id)["status"] == "armed"         # a flicker starts nobody's run
    batch = [agent.edge("pi-b", 0, "C", T0 + 15_000), agent.edge("pi-b", 0, "B", T0 + 900_000),
             agent.edge("pi-b", 0, "C", T0 + 905_000), agent.edge("pi-b", 0, "B", T0 + 910_000)]
    assert agent.sio.emit("gate_events", batch, namespace="/timing", callback=True) == [
        {"ok": True}] * 4
    run = api.run(run_id)                               # a new crossing starts it; its own
    assert (run["status"], run["elapsed_us"]) == ("running", None)  # flicker does not end it
    agent.send("pi-b", 0, "B", T0 + 3_900_000)
    assert api.run(run_id)["elapsed_us"] == 3_000_000


def test_two_devices_with_epoch_times(api, agent):
    run_id = api.arm("lf-sma", "LF-SMA-001")["id"]
    epoch = 1_764_452_840_000_000
    agent.send("esp32-c1", 0, "B", 123, t_epoch_us=epoch)
    agent.send("esp32-c2", 0, "B", 999_999_999, t_epoch_us=epoch + 7_654_321)
    run = api.run(run_id)
    assert (run["status"], run["elapsed_us"]) == ("finished", 7_654_321)


def test_two_devices_without_epoch_times_go_to_review(api, agent):
    run_id = api.arm("lf-sma", "LF-SMA-001")["id"]
    agent.send("esp32-c1", 0, "B", 1_000_000)
    agent.send("esp32-c2", 0, "B", 9_000_000)
    run = api.run(run_id)
    assert (run["status"], run["elapsed_us"]) == ("review", None)
    assert run["reason"]
    # review holds the track
    resp = api.post("/api/v1/runs", {"category": "lf-sma", "team": "LF-SMA-001"})
    assert resp.status_code == 409
    # and the run takes no more edges
    agent.send("esp32-c2", 0, "B", 9_500_000, t_epoch_us=1)
    assert api.run(run_id)["status"] == "review"


def test_one_device_that_rebooted_mid_run_goes_to_review(api, agent):
    run_id = api.arm("lf-smp", "LF-SMP-001")["id"]
    agent.send("esp32-a", 0, "B", T0, boot="aaaa0001")
    agent.send("esp32-a", 1, "B", 50_000, boot="aaaa0002")  # new boot: t_us restarted
    run = api.run(run_id)
    assert (run["status"], run["elapsed_us"]) == ("review", None)


def test_one_device_that_rebooted_mid_run_with_epochs(api, agent):
    run_id = api.arm("lf-smp", "LF-SMP-001")["id"]
    epoch = 1_764_452_840_000_000
    agent.send("esp32-a", 0, "B", T0, boot="aaaa0001", t_epoch_us=epoch)
    agent.send("esp32-a", 1, "B", 50_000, boot="aaaa0002", t_epoch_us=epoch + 6_000_001)
    assert api.run(run_id)["elapsed_us"] == 6_000_001


def test_finish_after_the_time_limit_is_timeout_with_the_time_kept(api, agent):
    run_id = api.arm("lf-smp", "LF-SMP-001")["id"]
    agent.send("esp32-a", 0, "B", T0)
    agent.send("esp32-a", 1, "B", T0 + 60_000_001)      # limit 60 s
    run = api.run(run_id)
    assert (run["status"], run["elapsed_us"]) == ("timeout", 60_000_001)
    ranking = api.ranking("lf-smp")["entries"]
    assert (ranking[0]["team"], ranking[0]["best_us"], ranking[0]["status"]) == (
        "LF-SMP-001", None, "timeout")


def test_finish_exactly_at_the_time_limit_counts(api, agent):
    run_id = api.arm("lf-smp", "LF-SMP-001")["id"]
    agent.send("esp32-a", 0, "B", T0)
    agent.send("esp32-a", 1, "B", T0 + 60_000_000)
    run = api.run(run_id)
    assert (run["status"], run["elapsed_us"]) == ("finished", 60_000_000)


def test_a_run_that_never_finishes_times_out_on_the_server_clock(app, api, agent, db, live):
    run_id = api.arm("lf-cepat", "LF-CPT-001")["id"]   # time_limit_s = 1
    started = time.monotonic()
    agent.send("esp32-d", 0, "B", T0)
    try:
        with app.app_context():
            early = runs.expire_runs(db.session)
    finally:
        db.remove()
    if time.monotonic() - started < 0.9:  # (a stalled machine may already be past the limit)
        assert early == []
        assert api.run(run_id)["status"] == "running"
    # past the limit on the server's clock, counted from when it took the start in
    # (a loaded machine may take the edge in well after `started`)
    started_at_s = api.run(run_id)["started_server_us"] / 1e6
    time.sleep(max(0.0, started_at_s + 1.1 - time.time()))
    try:
        with app.app_context():  # as the server's duty runs it (server.every)
            expired = runs.expire_runs(db.session)
        assert [r.id for r in early + expired] == [run_id]
    finally:
        db.remove()
    run = api.run(run_id)
    assert (run["status"], run["elapsed_us"]) == ("timeout", None)
    # /live heard it: the run, then the ranking
    got = [(m["name"], m["args"][0]) for m in live.get_received("/live")]
    assert [(p["id"], p["status"]) for n, p in got if n == "run"][-1] == (run_id, "timeout")
    assert got[-1][0] == "ranking" and got[-1][1] == api.ranking("lf-cepat")
    # the track is free again
    assert api.arm("lf-cepat", "LF-CPT-001")["attempt"] == 2


def _until(moment_us: int) -> None:
    """Until the server's clock (time.time) reaches `moment_us`."""
    time.sleep(max(0.0, moment_us / 1e6 - time.time()))


def test_a_run_in_flight_while_no_server_listened_is_counted_from_when_one_did(
        app, api, agent, db):
    """A server that starts (or takes the duty over) with a run in flight past its limit
    gives it a whole limit and grace from then: its finish may wait in an agent's outbox
    (the rehearsal saw a run timed out at a restart whose finish came 0.3 s later)."""
    run_id = api.arm("lf-cepat", "LF-CPT-001")["id"]   # time_limit_s = 1
    agent.send("esp32-d", 0, "B", T0)
    _until(api.run(run_id)["started_server_us"] + 1_200_000)  # past the limit: a restart
    try:
        with app.app_context():
            assert runs.expire_runs(db.session, 0.0, heard_since_us=runs.now_us()) == []
        assert api.run(run_id)["status"] == "running"
        agent.send("esp32-d", 1, "B", T0 + 800_000)  # the finish, from the outbox
        run = api.run(run_id)
        assert (run["status"], run["elapsed_us"]) == ("finished", 800_000)
        # a run nobody finishes still times out: a limit after the server began to listen
        other = api.arm("lf-cepat", "LF-CPT-001")["id"]  # its next attempt
        agent.send("esp32-d", 0, "B", T0 + 10_000_000)
        heard = api.run(other)["started_server_us"] + 500_000
        _until(heard - 500_000 + 1_200_000)
        with app.app_context():
            assert runs.expire_runs(db.session, 0.0, heard_since_us=heard) == []
        _until(heard + 1_100_000)
        with app.app_context():
            assert [r.id for r in runs.expire_runs(db.session, 0.0, heard_since_us=heard)
                    ] == [other]
    finally:
        db.remove()


def expired_run(api, agent, db) -> int:
    """A run started on lf-cepat (time_limit_s = 1) that the server's clock timed out."""
    run_id = api.arm("lf-cepat", "LF-CPT-001")["id"]
    agent.send("esp32-d", 0, "B", T0)
    time.sleep(1.1)
    try:
        assert [r.id for r in runs.expire_runs(db.session)] == [run_id]
    finally:
        db.remove()
    assert api.run(run_id)["status"] == "timeout"
    return run_id


def test_a_finish_delayed_past_the_server_timeout_is_timed_by_its_edges(api, agent, db):
    """Time is taken at the edge: the agent was cut off, the server's clock timed the run
    out, then the finish arrived. Its device time (in the limit) decides."""
    run_id = expired_run(api, agent, db)
    agent.send("esp32-d", 1, "B", T0 + 900_000)
    run = api.run(run_id)
    assert (run["status"], run["elapsed_us"]) == ("finished", 900_000)
    with db.transaction() as s:  # the trail says what the edges changed, from and to
        revived = s.query(AuditRecord).filter_by(action="revive", entity_id=str(run_id)).one()
        assert (revived.actor, revived.old, revived.new) == (
            "server", {"status": "timeout", "elapsed_us": None},
            {"status": "finished", "elapsed_us": 900_000})


def test_a_late_finish_after_the_server_timeout_keeps_the_timeout_with_its_time(api, agent, db):
    run_id = expired_run(api, agent, db)
    agent.send("esp32-d", 1, "B", T0 + 1_200_000)
    run = api.run(run_id)
    assert (run["status"], run["elapsed_us"]) == ("timeout", 1_200_000)


def test_an_expired_run_is_not_revived_once_the_next_run_is_armed(api, agent, db):
    run_id = expired_run(api, agent, db)
    nxt = api.arm("lf-cepat", "LF-CPT-001")["id"]  # its second attempt
    agent.send("esp32-d", 1, "B", T0 + 900_000)
    assert (api.run(run_id)["status"], api.run(run_id)["elapsed_us"]) == ("timeout", None)
    assert api.run(nxt)["status"] == "armed"


def test_expire_leaves_armed_runs_alone(api, db):
    run_id = api.arm("lf-cepat", "LF-CPT-001")["id"]
    time.sleep(1.05)
    try:
        assert runs.expire_runs(db.session) == []
    finally:
        db.remove()
    assert api.run(run_id)["status"] == "armed"


def test_edges_with_no_run_armed_are_stored_and_start_nothing(api, agent, count):
    agent.send("esp32-a", 0, "B", T0)
    agent.send("esp32-a", 1, "B", T0 + 5_000_000)
    agent.send("pi-b", 0, "B", T0)
    assert count(GateEvent) == 3
    assert count(Run) == 0
    run_id = api.arm("lf-smp", "LF-SMP-001")["id"]
    assert api.run(run_id)["status"] == "armed"        # earlier edges do not start it
    agent.send("esp32-a", 0, "B", T0 + 6_000_000)
    assert api.run(run_id)["status"] == "running"


def test_a_finished_run_frees_the_track_for_the_next_one(api, agent):
    first = api.arm("lf-smp", "LF-SMP-001")["id"]
    agent.send("esp32-a", 0, "B", T0)
    agent.send("esp32-a", 1, "B", T0 + 5_000_000)
    second = api.arm("lf-smp", "LF-SMP-002")["id"]
    agent.send("esp32-a", 0, "B", T0 + 20_000_000)
    agent.send("esp32-a", 1, "B", T0 + 26_000_000)
    assert api.run(first)["elapsed_us"] == 5_000_000
    assert api.run(second)["elapsed_us"] == 6_000_000


# ------------------------------------------------------------------ /live


def received(live) -> list[tuple[str, dict]]:
    return [(m["name"], m["args"][0]) for m in live.get_received("/live")]


def test_live_connect_gets_a_snapshot_of_active_runs(api, socket_client):
    run = api.arm("lf-smp", "LF-SMP-001")
    sio = socket_client("/live")
    messages = [(m["name"], m["args"][0]) for m in sio.get_received("/live")]
    assert [name for name, _ in messages] == ["snapshot"]
    assert [r["id"] for r in messages[0][1]["runs"]] == [run["id"]]


def test_live_gets_run_on_every_change_and_ranking_after_a_result(api, agent, live):
    run_id = api.arm("lf-smp", "LF-SMP-001")["id"]
    got = received(live)
    runs_seen = [p for name, p in got if name == "run"]
    assert [(r["id"], r["status"]) for r in runs_seen] == [(run_id, "armed")]
    assert runs_seen[0] == api.run(run_id)

    agent.send("esp32-a", 0, "B", T0)
    agent.send("esp32-a", 0, "B", T0 + 5_000)           # ignored: no message
    agent.send("esp32-a", 2, "B", T0 + 3_000_000)
    got = received(live)
    assert [(p["status"], p["checkpoints_us"]) for n, p in got if n == "run"] == [
        ("running", [None]), ("running", [3_000_000])]

    agent.send("esp32-a", 1, "B", T0 + 7_000_000)
    got = received(live)
    assert [(p["status"], p["elapsed_us"]) for n, p in got if n == "run"] == [
        ("finished", 7_000_000)]
    rankings = [p for n, p in got if n == "ranking"]
    assert rankings and rankings[-1] == api.ranking("lf-smp")
    assert rankings[-1]["entries"][0]["best_us"] == 7_000_000


def test_live_gets_ranking_when_a_run_is_armed_and_started(api, agent, live):
    api.arm("lf-smp", "LF-SMP-004")
    got = received(live)
    assert [n for n, _ in got] == ["run", "ranking"]
    entry = next(e for e in got[1][1]["entries"] if e["team"] == "LF-SMP-004")
    assert (entry["status"], entry["best_us"]) == ("armed", None)
    agent.send("esp32-a", 0, "B", T0)
    got = received(live)
    assert [n for n, _ in got] == ["run", "ranking"]
    assert got[1][1] == api.ranking("lf-smp")
    entry = next(e for e in got[1][1]["entries"] if e["team"] == "LF-SMP-004")
    assert entry["status"] == "running"


def test_live_gets_ranking_when_a_team_status_changes(api, live):
    run_id = api.arm("lf-smp", "LF-SMP-002")["id"]
    api.post(f"/api/v1/runs/{run_id}/abort")
    got = received(live)
    assert [(p["status"]) for n, p in got if n == "run"] == ["armed", "dnf"]
    rankings = [p for n, p in got if n == "ranking"]
    assert rankings[-1] == api.ranking("lf-smp")
    entry = next(e for e in rankings[-1]["entries"] if e["team"] == "LF-SMP-002")
    assert entry["status"] == "dnf"


@pytest.mark.parametrize("event,payload", [
    ("gate_event", VALID),
    ("gate_events", [VALID]),
    ("arm", {"category": "lf-smp", "team": "LF-SMP-001"}),
    ("abort", {"id": 1}),
    ("run", {"id": 1, "status": "finished", "elapsed_us": 1}),
    ("ranking", {"category": "lf-smp", "entries": []}),
    ("agent_status", {"kind": "sim"}),
    ("message", "hello"),
])
def test_live_clients_get_nothing_done(api, live, snapshot, event, payload):
    run = api.arm("lf-smp", "LF-SMP-003")
    live.get_received("/live")
    before = snapshot()
    ack = live.emit(event, payload, namespace="/live", callback=True)
    assert ack in (None, [])  # an empty ack at most: no handler ran
    live.send("hello", namespace="/live")
    assert snapshot() == before
    assert api.run(run["id"])["status"] == "armed"
    assert received(live) == []


def test_live_sync_returns_the_active_runs(api, live):
    run = api.arm("lf-smp", "LF-SMP-001")
    ack = live.emit("sync", namespace="/live", callback=True)
    assert [r["id"] for r in ack["runs"]] == [run["id"]]
    assert isinstance(ack["now_us"], int)


def test_timing_clients_cannot_reach_live_only_events(agent, count):
    assert agent.sio.emit("arm", {"category": "lf-smp", "team": "LF-SMP-001"},
                          namespace="/timing", callback=True) in (None, [])
    assert count(Run) == 0


# ------------------------------------------------------------------ reload while live


def test_reload_adding_a_checkpoint_while_a_run_is_running(app, api, agent, data_dir, tmp_path):
    run_id = api.arm("lf-smp", "LF-SMP-001")["id"]
    agent.send("esp32-a", 0, "B", 1_000_000)
    event_variant(data_dir / "event.toml", tmp_path / "event.toml",
                  'checkpoints = [ { source = "esp32-a", gate = 2 } ]',
                  'checkpoints = [ { source = "esp32-a", gate = 2 }, { source = "esp32-a", gate = 3 } ]')
    db = app.extensions["kejurda_db"]
    with db.transaction() as s:
        load_event(s, tmp_path / "event.toml")
    agent.send("esp32-a", 3, "B", 3_000_000)
    agent.send("esp32-a", 2, "B", 2_000_000)
    agent.send("esp32-a", 1, "B", 9_000_000)
    run = api.run(run_id)
    assert (run["status"], run["elapsed_us"], run["checkpoints_us"]) == (
        "finished", 8_000_000, [1_000_000, 2_000_000])


def test_long_reasons_fit_the_run_column(api, agent, db):
    from scoreboard.models import AuditRecord

    # a review reason names both clocks: two 64-char sources and boots
    run_id = api.arm("lf-sma", "LF-SMA-001")["id"]
    agent.send("esp32-c1", 0, "B", 1_000, boot="b" * 64)
    agent.send("esp32-c2", 0, "B", 9_000, boot="c" * 64)
    run = api.run(run_id)
    assert run["status"] == "review"
    assert run["reason"].startswith("no common clock between start (esp32-c1/bbbb")
    assert len(run["reason"]) == 200
    # an abort reason of 300 characters is kept whole in the audit trail
    reason = "r" * 300
    resp = api.post(f"/api/v1/runs/{run_id}/abort", {"reason": reason})
    assert resp.status_code == 200
    assert resp.get_json()["reason"] == "r" * 200
    with db.transaction() as s:
        audit = s.query(AuditRecord).filter_by(action="abort", entity_id=str(run_id)).one()
        assert audit.reason == reason


@pytest.mark.parametrize("auth_role", [None, "judge", "timekeeper"])
def test_a_refused_client_that_emits_anyway_stores_nothing(app, socket_client, tokens, count,
                                                           auth_role):
    from socketio import packet

    auth = {"token": tokens[auth_role]} if auth_role else None
    sio = socket_client("/timing", auth=auth)
    assert not sio.is_connected("/timing")
    live = socket_client("/live")
    # the test client will not emit on a refused namespace: send the raw packet as a
    # misbehaving client would, on the same engine.io connection
    for client in (sio, live):
        raw = packet.Packet(packet.EVENT, data=["gate_event", VALID], namespace="/timing", id=1)
        app.extensions["socketio"].server._handle_eio_message(client.eio_sid, raw.encode())
    assert count(GateEvent) == 0
    # the same raw path does store for a connected agent (so the check above can fail)
    agent = socket_client("/timing", auth={"token": tokens["agent"]})
    raw = packet.Packet(packet.EVENT, data=["gate_event", VALID], namespace="/timing", id=2)
    app.extensions["socketio"].server._handle_eio_message(agent.eio_sid, raw.encode())
    assert count(GateEvent) == 1


def test_extra_arguments_are_acked_as_malformed(agent, count):
    ack = agent.sio.emit("gate_event", VALID, {"x": 1}, namespace="/timing", callback=True)
    assert ack["ok"] is False and ack["error"].startswith("edge:")
    assert count(GateEvent) == 0
    acks = agent.sio.emit("gate_events", [VALID], "more", namespace="/timing", callback=True)
    assert acks == [{"ok": True}]
    assert agent.sio.emit("agent_status", {"kind": "sim"}, 2, namespace="/timing",
                          callback=True) == {"ok": True}
    assert isinstance(agent.sio.emit("clock", 1, 2, namespace="/timing",
                                     callback=True)["now_us"], int)
    assert count(GateEvent) == 1


def test_gate_events_batch_must_be_a_short_list(agent, count):
    for bad in ({"a": 1}, "x", None, [VALID] * 501):
        ack = agent.sio.emit("gate_events", bad, namespace="/timing", callback=True)
        assert ack == {"ok": False, "error": "body: a list of at most 500 gate events"}
    assert count(GateEvent) == 0


@pytest.mark.parametrize("transports", [["websocket"], ["polling"]])
def test_a_refused_agent_is_told_why(real_server, tokens, transports):
    import socketio

    client, reasons = socketio.Client(), []
    client.on("connect_error", reasons.append, namespace="/timing")
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(real_server, namespaces=["/timing"], auth={"token": tokens["judge"]},
                       transports=transports, wait_timeout=10)
    client.disconnect()
    assert reasons == [{"message": "unauthorized: an agent token is required "
                                   "(token agen diperlukan)"}]
