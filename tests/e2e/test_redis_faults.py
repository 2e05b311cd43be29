"""Redis faults with two servers broadcasting through it (a private redis-server of the test):
frozen (SIGSTOP) or dead, it never holds up an arm or an agent's ack, and the screens on
the other server get what they missed once it is back, without restarting any server."""

from __future__ import annotations

import signal
import threading
import time

import pytest
import redis as redis_client
import requests
import socketio

from tests.e2e.test_workers_nginx import Screen, _wait
from tests.support.venue import Proc, free_port

pytestmark = pytest.mark.e2e


class Redis:
    def __init__(self, tmp, port: int) -> None:
        self.port = port
        self.proc = Proc(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                          "--save", "", "--appendonly", "no", "--dir", str(tmp)],
                         tmp / f"redis-{port}.log")

    def start(self) -> Redis:
        self.proc.start()
        deadline = time.monotonic() + 10
        while True:
            try:
                if redis_client.Redis(port=self.port, socket_timeout=1).ping():
                    return self
            except Exception:
                assert time.monotonic() < deadline, self.proc.tail()
                time.sleep(0.05)

    def signal(self, sig: int) -> None:
        self.proc.popen.send_signal(sig)

    def kill(self) -> None:
        self.proc.popen.kill()
        self.proc.popen.wait(10)


def _arm(base: str, token: str, team: str) -> tuple[int, float]:
    t0 = time.monotonic()
    resp = requests.post(f"{base}/api/v1/runs", json={"category": "lf-smp", "team": team},
                         headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert resp.status_code == 201, resp.text
    return resp.json()["id"], time.monotonic() - t0


def _edges(base: str, token: str, boot: str) -> list[dict]:
    agent = socketio.Client(reconnection=False)
    agent.connect(base, namespaces=["/timing"], auth={"token": token}, transports=["websocket"],
                  wait_timeout=10)
    try:
        return [agent.call("gate_event", {"source": "esp32-a", "boot": boot, "seq": seq,
                                          "gate": gate, "edge": "B", "t_us": t_us},
                           namespace="/timing", timeout=10)
                for seq, gate, t_us in ((1, 0, 1_000_000), (2, 1, 3_000_000))]
    finally:
        agent.disconnect()


class Rankings:
    """The latest `ranking` of lf-smp a screen got."""

    def __init__(self, screen: Screen) -> None:
        self.latest: dict | None = None
        self.lock = threading.Lock()
        screen.client.on("ranking", self._got, namespace="/live")

    def _got(self, ranking: dict) -> None:
        if ranking.get("category") == "lf-smp":
            with self.lock:
                self.latest = ranking

    def best(self, team: str) -> int | None:
        with self.lock:
            entries = (self.latest or {}).get("entries", [])
        return next((e["best_us"] for e in entries if e["team"] == team), None)


def test_a_frozen_or_dead_redis_blocks_no_write_and_screens_catch_up(tmp_path, venue):
    venue.load_event_with("time_limit_s = 4", "time_limit_s = 120")
    redis_port = free_port()
    redis = Redis(tmp_path, redis_port).start()
    try:
        _frozen_then_dead(venue, redis_port, redis)
    finally:  # the venue fixture stops the servers; this test's own Redis is stopped here
        redis.proc.stop()
    for proc in venue.procs:
        assert "Traceback" not in proc.log.read_text(), proc.tail(80)


def _frozen_then_dead(venue, redis_port: int, redis: Redis) -> None:
    tmp_path = venue.tmp
    env = {"KEJURDA_SOCKETIO_MESSAGE_QUEUE": f"redis://127.0.0.1:{redis_port}/0",
           "KEJURDA_SOCKETIO_CHANNEL": "kejurda-faults"}
    port_b = free_port()
    venue.start_server(env=env, name="server-a")
    venue.start_server(port=port_b, env=env, name="server-b")
    base_a, base_b = venue.url, f"http://127.0.0.1:{port_b}"
    token_tk, token_agent = venue.tokens["timekeeper"], venue.tokens["agent"]
    screen = Screen(base_b)
    rankings = Rankings(screen)
    try:
        # frozen: the arm and both acks come back (their broadcasts wait in the background)
        redis.signal(signal.SIGSTOP)
        run1, _took = _arm(base_a, token_tk, "SMP-01")
        assert _edges(base_a, token_agent, "frozen") == [{"ok": True}, {"ok": True}]
        assert venue.api("GET", f"/runs/{run1}").json()["status"] == "finished"
        redis.signal(signal.SIGCONT)
        _wait(lambda: screen.status(run1) == "finished", 30,
              lambda: (screen.runs, venue.logs()))
        assert screen.runs[run1]["elapsed_us"] == 2_000_000

        # dead: the same, and when Redis is back the screens on B get the new ranking
        redis.kill()
        run2, _took = _arm(base_a, token_tk, "SMP-02")
        assert _edges(base_a, token_agent, "dead") == [{"ok": True}, {"ok": True}]
        assert venue.api("GET", f"/runs/{run2}").json()["status"] == "finished"
        redis = Redis(tmp_path, redis_port).start()
        _wait(lambda: rankings.best("SMP-02") == 2_000_000, 60,
              lambda: (rankings.latest, venue.logs()))

        # restarted: broadcasts flow again, no server restarted
        run3, _took = _arm(base_a, token_tk, "SMP-03")
        _wait(lambda: screen.status(run3) == "armed", 30, lambda: (screen.runs, venue.logs()))
        assert screen.client.connected
    finally:
        screen.client.disconnect()
        for proc in reversed(venue.procs):  # stopped before their logs are read
            proc.stop()
        redis.proc.stop()  # the latest one (a new process after the restart)
