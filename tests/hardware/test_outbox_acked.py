"""Delivered edges kept for a window, to send again to a server that took over."""

import sqlite3
import threading

from hardware.agent import Agent
from hardware.outbox import Outbox


def edge(seq, boot="3f9a0c12"):
    return {"source": "esp32-a", "boot": boot, "seq": seq, "gate": 0, "edge": "B",
            "t_us": 1000 * seq}


def test_acked_edges_are_kept_for_the_window_and_can_be_queued_again(tmp_path):
    box = Outbox(tmp_path / "outbox.sqlite3", acked_window_s=300)
    for seq in (1, 2, 3):
        box.put(edge(seq))
    ids = [i for i, _ in box.peek(10)]
    assert box.delete(ids[:2]) == 2
    assert box.depth() == 1
    assert box.requeue_acked() == 2
    assert [e["seq"] for _, e in box.peek(10)] == [3, 1, 2]  # after what still waited
    assert box.requeue_acked() == 0  # already queued: not twice
    box.close()


def test_acked_edges_older_than_the_window_are_forgotten(tmp_path):
    path = tmp_path / "outbox.sqlite3"
    box = Outbox(path, acked_window_s=300)
    box.put(edge(1))
    box.delete([i for i, _ in box.peek(10)])
    box.close()
    with sqlite3.connect(path) as conn:  # an hour passes
        conn.execute("UPDATE acked SET acked_at = acked_at - 3600")
    box = Outbox(path, acked_window_s=300)
    assert box.requeue_acked() == 0
    box.put(edge(2))
    box.delete([i for i, _ in box.peek(10)])  # the next delete prunes the old one
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT seq FROM acked").fetchall() == [(2,)]
    box.close()


def test_without_a_window_nothing_is_kept(tmp_path):
    box = Outbox(tmp_path / "outbox.sqlite3", acked_window_s=0)
    box.put(edge(1))
    box.delete([i for i, _ in box.peek(10)])
    assert box.requeue_acked() == 0
    box.close()


def test_agent_requeues_the_window_when_another_server_answers(tmp_path):
    agent = Agent(["http://primary:5000", "http://standby:5000"], "t", [], tmp_path)
    agent.outbox = Outbox(tmp_path / "outbox.sqlite3")
    agent.outbox.put(edge(1))
    agent.outbox.delete([i for i, _ in agent.outbox.peek(10)])
    agent._server_seen("aaaa")  # the first server: nothing to re-send
    assert agent.outbox.depth() == 0
    agent._server_seen("aaaa")
    assert agent.outbox.depth() == 0
    agent._server_seen("bbbb")  # another server answers now
    assert agent.outbox.depth() == 1
    assert agent.server_url == "http://primary:5000"
    agent._next_server()
    assert agent.server_url == "http://standby:5000"
    agent._next_server()
    assert agent.server_url == "http://primary:5000"
    assert isinstance(agent._wake, threading.Event) and agent._wake.is_set()
    agent.outbox.close()
