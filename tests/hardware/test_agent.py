"""The agent against a tiny real Socket.IO server: nothing lost, nothing doubled."""

import logging
import queue
import threading
import time

import pytest

from hardware.agent import Agent
from hardware.outbox import Outbox
from tests.hardware.test_agent_support import TOKEN, TinyServer, free_port, wait_for


class ScriptedGates:
    """Stands in for the physical gates: edges pushed by the test reach the sink."""

    def __init__(self, name="esp32-a", boot="3f9a0c12"):
        self.name = name
        self.boot = boot
        self.seq = 0
        self.pending = queue.Queue()
        self.committed = []

    def push(self, count, gate=0):
        for _ in range(count):
            self.seq += 1
            self.pending.put({"source": self.name, "boot": self.boot, "seq": self.seq,
                              "gate": gate, "edge": "B" if self.seq % 2 else "C",
                              "t_us": 1000 * self.seq})

    def run(self, sink, stop):
        while not stop.is_set():
            try:
                edge = self.pending.get(timeout=0.02)
            except queue.Empty:
                continue
            sink(edge)
            self.committed.append(edge)

    def status(self):
        return {"kind": "scripted", "name": self.name, "last_edge_at": None, "errors": {}}


class Running:
    """An agent running in a thread; stop() returns how long shutdown took."""

    def __init__(self, agent):
        self.agent = agent
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=agent.run, args=(self.stop_event,), daemon=True)
        self.thread.start()

    def stop(self):
        started = time.monotonic()
        self.stop_event.set()
        self.thread.join(timeout=10)
        assert not self.thread.is_alive()
        return time.monotonic() - started


@pytest.fixture
def server():
    srv = TinyServer().start()
    yield srv
    srv.stop()


def keys(edges):
    return [(e["source"], e["boot"], e["seq"]) for e in edges]


def test_edges_are_delivered_once_and_in_order(server, tmp_path):
    gates = ScriptedGates()
    gates.push(300)
    running = Running(Agent(server.url, TOKEN, [gates], tmp_path, name="pi-a",
                            use_batches=False))
    assert wait_for(lambda: len(server.stored_edges()) == 300)
    assert running.stop() < 4.0  # ~2 s flush, ~1 s for the sender to let go
    assert server.stored_edges() == gates.committed
    assert server.received == 300
    assert Outbox(tmp_path / "outbox.sqlite3").depth() == 0


def test_nothing_is_lost_while_the_server_is_down(tmp_path):
    srv = TinyServer(port=free_port())
    gates = ScriptedGates()
    gates.push(50)
    running = Running(Agent(srv.url, TOKEN, [gates], tmp_path, use_batches=False))
    assert wait_for(lambda: len(gates.committed) == 50)
    time.sleep(0.3)
    srv.start()
    assert wait_for(lambda: len(srv.stored_edges()) == 50)
    srv.stop()
    gates.push(70)
    assert wait_for(lambda: len(gates.committed) == 120)
    srv.start()
    assert wait_for(lambda: len(srv.stored_edges()) == 120, timeout=20)
    running.stop()
    srv.stop()
    assert srv.stored_edges() == gates.committed


def test_an_edge_acked_after_a_dropped_connection_is_stored_once(tmp_path):
    srv = TinyServer(drop_after_store=3).start()
    gates = ScriptedGates()
    gates.push(40)
    running = Running(Agent(srv.url, TOKEN, [gates], tmp_path, use_batches=False))
    assert wait_for(lambda: len(srv.stored_edges()) == 40, timeout=20)
    assert wait_for(lambda: running.agent.delivered == 40)
    running.stop()
    srv.stop()
    assert srv.connects >= 4
    assert srv.received > 40
    assert keys(srv.stored_edges()) == keys(gates.committed)
    assert Outbox(tmp_path / "outbox.sqlite3").depth() == 0


def test_refused_edges_are_parked_in_rejected(tmp_path, caplog):
    srv = TinyServer(refuse=lambda e: "unknown gate" if e["gate"] == 9 else None).start()
    gates = ScriptedGates()
    gates.push(2)
    gates.push(1, gate=9)
    gates.push(2)
    with caplog.at_level(logging.ERROR, logger="hardware.agent"):
        running = Running(Agent(srv.url, TOKEN, [gates], tmp_path, use_batches=False))
        assert wait_for(lambda: len(srv.stored_edges()) == 4)
        assert wait_for(lambda: running.agent.delivered == 4)
        running.stop()
    srv.stop()
    box = Outbox(tmp_path / "outbox.sqlite3")
    assert box.depth() == 0
    assert box.rejected() == [(3, gates.committed[2], "unknown gate")]
    assert "server refused edge outbox_id=3 error=unknown gate" in caplog.text
    assert [e["seq"] for e in srv.stored_edges()] == [1, 2, 4, 5]


def test_duplicate_acks_are_harmless(tmp_path, server):
    gates = ScriptedGates()
    gates.push(3)
    running = Running(Agent(server.url, TOKEN, [gates], tmp_path, use_batches=False))
    assert wait_for(lambda: running.agent.delivered == 3)
    agent = running.agent
    # The same acks arriving again (e.g. from a resend) change nothing.
    for edge_id in (1, 2, 3):
        agent._on_ack(edge_id, ({"ok": True},))
    agent._on_ack(2, ({"ok": False, "error": "late duplicate"},))
    gates.push(1)
    assert wait_for(lambda: len(server.stored_edges()) == 4)
    assert wait_for(lambda: agent.delivered == 4)
    running.stop()
    assert agent.delivered == 4
    box = Outbox(tmp_path / "outbox.sqlite3")
    assert box.depth() == 0
    assert box.rejected() == []


def test_bad_token_is_logged_and_retried_without_crashing(server, tmp_path, caplog):
    gates = ScriptedGates()
    gates.push(5)
    with caplog.at_level(logging.ERROR, logger="hardware.agent"):
        running = Running(Agent(server.url, "wrong", [gates], tmp_path))
        assert wait_for(lambda: server.refused_connects == 1)
        assert wait_for(lambda: "server refused the agent" in caplog.text)
        time.sleep(0.5)
        assert running.stop() < 4.0  # ~2 s flush, ~1 s for the sender to let go
    assert server.refused_connects == 1
    assert server.stored_edges() == []
    assert "server refused the agent at connect (check --token" in caplog.text
    assert "reason=invalid token" in caplog.text
    assert Outbox(tmp_path / "outbox.sqlite3").depth() == 5


def test_batches_are_used_when_the_server_accepts_them(tmp_path):
    srv = TinyServer(batches=True).start()
    gates = ScriptedGates()
    gates.push(1000)
    running = Running(Agent(srv.url, TOKEN, [gates], tmp_path))
    assert wait_for(lambda: len(srv.stored_edges()) == 1000)
    running.stop()
    srv.stop()
    assert srv.stored_edges() == gates.committed
    assert srv.received == 1000


def test_agent_status_is_reported(server, tmp_path):
    gates = ScriptedGates(name="gpio-pi")
    running = Running(Agent(server.url, TOKEN, [gates], tmp_path, name="pi-a"))
    assert wait_for(lambda: server.statuses)
    running.stop()
    status = server.statuses[0]
    assert status["agent"] == "pi-a"
    assert status["outbox_depth"] == 0
    assert status["sources"] == [gates.status()]
    assert isinstance(status["version"], str)


def test_single_events_are_used_when_the_server_has_no_batches(server, tmp_path):
    gates = ScriptedGates()
    gates.push(200)
    running = Running(Agent(server.url, TOKEN, [gates], tmp_path, use_batches=True))
    assert wait_for(lambda: len(server.stored_edges()) == 200)
    running.stop()
    assert server.stored_edges() == gates.committed
    assert server.received == 200


def test_a_refused_agent_retries_and_delivers_once_the_token_is_valid(server, tmp_path):
    server.token = "not-yet-created"
    gates = ScriptedGates()
    gates.push(5)
    running = Running(Agent(server.url, "agent-token-2", [gates], tmp_path, auth_retry_s=0.2))
    assert wait_for(lambda: server.refused_connects >= 2, timeout=20)
    server.token = "agent-token-2"  # the organiser creates the token
    assert wait_for(lambda: len(server.stored_edges()) == 5, timeout=20)
    running.stop()
    assert server.stored_edges() == gates.committed


def stamped(seq, t_epoch_us):
    return {"source": "pi-b", "boot": "0badcafe", "seq": seq, "gate": 0, "edge": "B",
            "t_us": 5_000_000 + seq, "t_epoch_us": t_epoch_us, "t_epoch_err_us": 100}


def test_wall_times_are_shifted_into_server_time_when_the_server_tells_it(tmp_path):
    srv = TinyServer(clock_offset_us=3_600_000_000, batches=True).start()  # an hour ahead
    gates = ScriptedGates()
    gates.pending.put(stamped(1, 1_764_452_840_000_000))
    running = Running(Agent(srv.url, TOKEN, [gates], tmp_path))
    assert wait_for(lambda: len(srv.stored_edges()) == 1)
    assert wait_for(lambda: srv.statuses and srv.statuses[-1]["clock"]["samples"] >= 1)
    running.stop()
    srv.stop()
    (edge,) = srv.stored_edges()
    err_us = edge["t_epoch_err_us"] - 100
    assert 0 <= err_us < 50_000
    assert abs(edge["t_epoch_us"] - (1_764_452_840_000_000 + 3_600_000_000)) <= err_us + 1
    assert (edge["source"], edge["boot"], edge["seq"], edge["t_us"]) == (
        "pi-b", "0badcafe", 1, 5_000_001)
    clock = srv.statuses[-1]["clock"]
    assert abs(clock["offset_us"] - 3_600_000_000) <= clock["err_us"] + 1


def test_wall_times_travel_unchanged_when_the_server_has_no_clock(tmp_path):
    srv = TinyServer(clock_offset_us=None).start()  # only what docs/contract.md §5 requires
    gates = ScriptedGates()
    gates.pending.put(stamped(1, 1_764_452_840_000_000))
    gates.push(3)
    running = Running(Agent(srv.url, TOKEN, [gates], tmp_path))
    assert wait_for(lambda: len(srv.stored_edges()) == 4)
    running.stop()
    srv.stop()
    assert srv.stored_edges() == gates.committed
    assert srv.stored_edges()[0] == stamped(1, 1_764_452_840_000_000)


def test_a_server_error_is_retried_not_rejected(tmp_path):
    srv = TinyServer(fail_first=2).start()
    gates = ScriptedGates()
    gates.push(6)
    running = Running(Agent(srv.url, TOKEN, [gates], tmp_path, use_batches=False))
    assert wait_for(lambda: len(srv.stored_edges()) == 6, timeout=20)
    assert wait_for(lambda: running.agent.delivered == 6)
    running.stop()
    srv.stop()
    # Edges behind the failed ones were already in flight, so order is not kept here.
    assert sorted(keys(srv.stored_edges())) == keys(gates.committed)
    assert srv.received == 6
    box = Outbox(tmp_path / "outbox.sqlite3")
    assert (box.depth(), box.rejected()) == (0, [])


def test_a_refused_batch_falls_back_to_single_events(tmp_path):
    srv = TinyServer(batches=True)
    srv.max_batch = 10
    srv.start()
    gates = ScriptedGates()
    gates.push(300)
    running = Running(Agent(srv.url, TOKEN, [gates], tmp_path))
    assert wait_for(lambda: len(srv.stored_edges()) == 300, timeout=20)
    assert wait_for(lambda: running.agent.delivered == 300)
    running.stop()
    srv.stop()
    assert sorted(keys(srv.stored_edges())) == keys(gates.committed)
    box = Outbox(tmp_path / "outbox.sqlite3")
    assert (box.depth(), box.rejected()) == (0, [])


def test_a_wall_clock_step_on_the_host_leaves_every_edges_server_time_right(
        tmp_path, monkeypatch):
    """NTP steps this host's wall clock 2 s ahead, then back. The edges' own wall-clock
    times were stamped on the host's monotonic scale (as the GPIO, serial and simulated
    sources stamp them), so the server-clock offset must stay measured on that scale:
    re-measured against the stepped wall, it would move every later edge by the step."""
    import hardware.agent
    import hardware.clock_server

    step, calls = [0], [0]

    def stepped_wall_us():
        calls[0] += 1
        return time.time_ns() // 1000 + step[0]

    monkeypatch.setattr(hardware.clock_server, "wall_us", stepped_wall_us)  # the one reader
    monkeypatch.setattr(hardware.agent, "CLOCK_EVERY_S", 0.05)
    srv = TinyServer(clock_offset_us=0, batches=True).start()  # reads the true wall clock
    gates = ScriptedGates("pi-b", "0badcafe")
    running = Running(Agent(srv.url, TOKEN, [gates], tmp_path))
    base_us = time.time_ns() // 1000 - time.monotonic_ns() // 1000  # the gates' scale
    truth = {}

    def edge_now(seq):
        true_us = base_us + time.monotonic_ns() // 1000
        truth[seq] = true_us
        gates.pending.put(stamped(seq, true_us))
        assert wait_for(lambda: len(srv.stored_edges()) == seq)

    try:
        assert wait_for(lambda: srv.statuses and srv.statuses[-1]["clock"]["samples"] >= 1)
        edge_now(1)
        for seq, to_us in ((2, 2_000_000), (3, 0)):
            step[0], calls[0] = to_us, 0
            assert wait_for(lambda n=seq - 1: running.agent.clock.jumps == n)
            assert wait_for(lambda: calls[0] >= 6)  # probes answered since the step
            edge_now(seq)
    finally:
        running.stop()
        srv.stop()
    for edge in srv.stored_edges():
        assert abs(edge["t_epoch_us"] - truth[edge["seq"]]) <= edge["t_epoch_err_us"] - 100 + 1
    assert running.agent.clock.status()["jumps"] == 2


def test_a_wall_clock_step_before_the_first_connection_is_seen(tmp_path):
    """The agent placed its monotonic clock on the calendar when it started: a step
    between then and its first look at the wall is a step too."""
    step = [0]
    srv = TinyServer(clock_offset_us=0, batches=True).start()
    agent = Agent(srv.url, TOKEN, [ScriptedGates()], tmp_path,
                  wall=lambda: time.time_ns() // 1000 + step[0])
    step[0] = 2_000_000
    running = Running(agent)
    try:
        assert wait_for(lambda: srv.statuses and srv.statuses[-1]["clock"]["jumps"] == 1)
    finally:
        running.stop()
        srv.stop()
    assert agent.clock.jumps == 1
