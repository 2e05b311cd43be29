"""Scale-out mode for real: two server processes on one PostgreSQL database, broadcasting
through Redis (Flask-SocketIO's message queue). An agent talks to one server, a
spectator watches the other, the timekeeper arms on the other again."""

from __future__ import annotations

import secrets
import socket
import threading
import time

import pytest
import socketio

from tests.support.pgdb import pg_database
from tests.support.venue import free_port, ground_truth, make_venue

pytestmark = pytest.mark.e2e

REDIS = ("127.0.0.1", 6379)


def _reachable(addr: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(addr, timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def pg_url():
    with pg_database("kejurda_scale") as url:
        yield url


@pytest.fixture
def redis_url():
    if not _reachable(REDIS):
        pytest.skip("Redis is not running on 127.0.0.1:6379 (scale-out mode needs it)")
    pytest.importorskip("redis", reason="the redis client is not installed")
    return "redis://127.0.0.1:6379/0"


def test_two_servers_share_one_database_and_their_broadcasts(tmp_path, pg_url, redis_url):
    venue = make_venue(tmp_path, pg_url)
    # a channel of our own so parallel runs never hear each other
    env = {"KEJURDA_SOCKETIO_MESSAGE_QUEUE": redis_url,
           "KEJURDA_SOCKETIO_CHANNEL": f"kejurda-test-{secrets.token_hex(4)}"}
    port_b = free_port()
    venue.start_server(env=env, name="server-a")
    venue.start_server(port=port_b, env=env, name="server-b")
    try:
        _play(venue, port_b)
    finally:
        for proc in reversed(venue.procs):
            proc.stop()


def _play(venue, port_b: int) -> None:
    venue.start_agent("--simulate", "--sim-seed", "5", "--sim-scale", "0.1",
                      "--sim-dnf-rate", "0")
    deadline = time.monotonic() + 20
    while not venue.api("GET", "/agents", token="admin").json():
        assert time.monotonic() < deadline, venue.logs()
        time.sleep(0.1)

    seen: list[dict] = []
    done = threading.Event()
    spectator = socketio.Client()

    @spectator.on("run", namespace="/live")
    def _run(run):
        seen.append(run)
        if run["status"] not in ("armed", "running"):
            done.set()

    spectator.connect(f"http://127.0.0.1:{port_b}", namespaces=["/live"],
                      transports=["websocket"])
    try:
        base_b = f"http://127.0.0.1:{port_b}"
        import requests

        resp = requests.post(f"{base_b}/api/v1/runs", json={"category": "lf-smp", "team": "SMP-01"},
                             headers={"Authorization": f"Bearer {venue.tokens['timekeeper']}"},
                             timeout=10)
        assert resp.status_code == 201, resp.text
        run_id = resp.json()["id"]
        assert done.wait(30), f"server B never broadcast the result: {seen}\n{venue.logs()}"
    finally:
        spectator.disconnect()

    final = venue.wait_final(run_id)
    truth = ground_truth(venue.tmp / "agent")
    deadline = time.monotonic() + 10
    while run_id not in truth and time.monotonic() < deadline:
        time.sleep(0.1)
        truth = ground_truth(venue.tmp / "agent")
    assert final["status"] == "finished"
    assert final["elapsed_us"] == truth[run_id]["elapsed_us"]
    statuses = [r["status"] for r in seen if r["id"] == run_id]
    assert statuses[0] == "armed" and statuses[-1] == "finished", statuses
    assert seen[-1]["elapsed_us"] == final["elapsed_us"]
