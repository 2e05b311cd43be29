"""`kejurda serve --workers 2` behind nginx (the configuration `kejurda nginx-config` writes),
on one PostgreSQL database and Redis: sticky sessions, duties once, a worker killed."""

from __future__ import annotations

import os
import random
import re
import secrets
import signal
import socket
import sys
import threading
import time

import pytest
import requests
import socketio

from tests.e2e.test_scale_out import pg_url, redis_url  # noqa: F401 (fixtures)
from tests.e2e.test_ws_compression import CHROMIUM, Phone
from tests.support.nginx import Nginx, require_nginx
from tests.support.venue import Proc, free_port, make_venue
from tests.support.waiting import wait_until

pytestmark = pytest.mark.e2e


def _two_free_ports() -> int:
    """Two neighbouring free ports below the kernel's ephemeral range (there, an outgoing
    connection may take the second one before the worker binds it)."""
    while True:
        port = random.randrange(20000, 32000)
        if _free(port) and _free(port + 1):
            return port


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def _wait_up(url: str, proc: Proc) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"{url}/api/v1/categories", timeout=2).ok:
                return
        except requests.RequestException:
            pass
        assert proc.popen.poll() is None and time.monotonic() < deadline, proc.tail(80)
        time.sleep(0.2)


@pytest.fixture
def farm(tmp_path, pg_url, redis_url):  # noqa: F811
    require_nginx()
    venue = make_venue(tmp_path, pg_url)
    venue.load_event_with("time_limit_s = 4", "time_limit_s = 120")
    port = _two_free_ports()
    env = {"KEJURDA_SOCKETIO_MESSAGE_QUEUE": redis_url,
           "KEJURDA_SOCKETIO_CHANNEL": f"kejurda-test-{secrets.token_hex(4)}"}
    sup = Proc([sys.executable, "-m", "scoreboard.cli", "serve", "--workers", "2",
                "--port", str(port), "--db", pg_url], tmp_path / "workers.log", env=env).start()
    venue.procs.append(sup)
    for p in (port, port + 1):
        _wait_up(f"http://127.0.0.1:{p}", sup)
    proxy = Nginx(tmp_path / "nginx", free_port(),
                  [f"127.0.0.1:{port}", f"127.0.0.1:{port + 1}"]).start()
    venue.port = proxy.port  # every request of the test goes through nginx
    try:
        yield venue, sup, proxy
    finally:
        proxy.stop()
        sup.stop()
    log = sup.log.read_text()
    assert "Traceback" not in log, log


def _worker_pids(sup: Proc) -> dict[int, int]:
    found = re.findall(r"worker (\d+) started \(pid (\d+)", sup.log.read_text())
    return {int(i): int(pid) for i, pid in found}  # the latest pid of each worker


def _app_pid(server_pid: int) -> int:
    """The process that runs the app: the gunicorn worker under a `kejurda serve`."""
    deadline = time.monotonic() + 30
    while True:
        path = f"/proc/{server_pid}/task/{server_pid}/children"
        children = open(path).read().split()
        if children:
            return int(children[0])
        assert time.monotonic() < deadline
        time.sleep(0.1)


def _duty_holders(sup: Proc) -> list[int]:
    return [int(p) for p in re.findall(r"duty lock kejurda-duties taken by pid (\d+)",
                                       sup.log.read_text())]


def test_nginx_keeps_a_browser_on_its_worker_and_duties_run_once(farm):
    venue, sup, _proxy = farm
    browser = requests.Session()
    assert browser.get(f"{venue.url}/api/v1/categories", timeout=10).ok
    first = browser.cookies.get("kejurda_w")
    assert first in ("w0", "w1")
    # long-polling is many requests for one session: only a sticky proxy keeps them together
    events: list[dict] = []
    got = threading.Event()
    screen = socketio.Client(http_session=browser, reconnection=False)
    screen.on("run", lambda run: (events.append(run), got.set()), namespace="/live")
    screen.connect(venue.url, namespaces=["/live"], transports=["polling"], wait_timeout=10)
    try:
        for _ in range(10):  # polls keep going to the same worker
            assert screen.call("sync", namespace="/live", timeout=10)["runs"] == []
        run = venue.api("POST", "/runs", json={"category": "lf-smp", "team": "SMP-01"})
        assert run.status_code == 201, run.text
        assert got.wait(15), sup.tail()
        assert (events[0]["id"], events[0]["status"]) == (run.json()["id"], "armed")
    finally:
        screen.disconnect()
    assert browser.cookies.get("kejurda_w") == first

    deadline = time.monotonic() + 20
    while not _duty_holders(sup):
        assert time.monotonic() < deadline, sup.tail()
        time.sleep(0.1)
    holders = _duty_holders(sup)
    apps = {_app_pid(pid) for pid in _worker_pids(sup).values()}
    assert len(holders) == 1 and holders[0] in apps, (holders, apps)
    os.kill(holders[0], signal.SIGKILL)  # a crash: another process takes the duties over
    deadline = time.monotonic() + 30
    while len(_duty_holders(sup)) < 2:
        assert time.monotonic() < deadline, sup.tail()
        time.sleep(0.1)
    assert _duty_holders(sup)[1] != holders[0]
    assert len(_duty_holders(sup)) == 2


class Screen:
    """A spectator's phone through nginx: keeps the newest state of each run; after a
    reconnect it takes the snapshot and asks how the runs it knew and the snapshot lacks
    ended (as static/js/runs.js does)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.runs: dict[int, dict] = {}
        self.connects = 0
        self.lock = threading.Lock()
        self.client = socketio.Client(reconnection_delay=0.3, reconnection_delay_max=1)
        self.client.on("run", self._run, namespace="/live")
        self.client.on("snapshot", self._snapshot, namespace="/live")
        self.client.connect(url, namespaces=["/live"], transports=["websocket"], wait_timeout=10)

    def _run(self, run: dict) -> None:
        with self.lock:
            self.runs[run["id"]] = run

    def _snapshot(self, snap: dict) -> None:
        with self.lock:
            self.connects += 1
            live = {r["id"]: r for r in snap["runs"]}
            known = set(self.runs) - set(live)
            self.runs.update(live)
        for rid in known:
            threading.Thread(target=self._ask, args=(rid,), daemon=True).start()

    def _ask(self, rid: int) -> None:
        run = requests.get(f"{self.url}/api/v1/runs/{rid}", timeout=10).json()
        with self.lock:
            self.runs[rid] = run

    def status(self, rid: int) -> str | None:
        with self.lock:
            return self.runs.get(rid, {}).get("status")


def _edge(url: str, token: str, edge: dict) -> dict:
    agent = socketio.Client(reconnection=False)
    agent.connect(url, namespaces=["/timing"], auth={"token": token}, transports=["websocket"],
                  wait_timeout=10)
    try:
        return agent.call("gate_event", edge, namespace="/timing", timeout=15)
    finally:
        agent.disconnect()


def _wait(cond, timeout: float, what) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, what()
        time.sleep(0.05)


def test_a_worker_killed_mid_run_its_screens_reconnect_and_miss_nothing(farm):
    venue, sup, _proxy = farm
    screens = [Screen(venue.url) for _ in range(6)]  # round robin: both workers have some
    try:
        run = venue.api("POST", "/runs", json={"category": "lf-smp", "team": "SMP-02"})
        assert run.status_code == 201, run.text
        rid = run.json()["id"]
        edge = {"source": "esp32-a", "boot": "kill-1", "gate": 0, "edge": "B"}
        assert _edge(venue.url, venue.tokens["agent"],
                     {**edge, "seq": 1, "t_us": 1_000_000}) == {"ok": True}
        _wait(lambda: all(s.status(rid) == "running" for s in screens), 15,
              lambda: [s.runs for s in screens])
        os.kill(_app_pid(_worker_pids(sup)[0]), signal.SIGKILL)  # mid-run
        assert _edge(venue.url, venue.tokens["agent"],
                     {**edge, "seq": 2, "gate": 1, "t_us": 3_500_000}) == {"ok": True}
        _wait(lambda: all(s.status(rid) == "finished" for s in screens), 15,
              lambda: ([s.runs for s in screens], sup.tail()))
        assert {s.runs[rid]["elapsed_us"] for s in screens} == {2_500_000}
        # python-socketio marks a reconnected client connected only when its reconnect
        # call returns, which may be after the snapshot and the answer above arrived
        _wait(lambda: all(s.client.connected for s in screens), 10,
              lambda: [s.client.connected for s in screens])
        assert sum(s.connects > 1 for s in screens) >= 1  # some were on the killed worker
    finally:
        for s in screens:
            s.client.disconnect()


def _until_hit(url: str, **kwargs) -> requests.Response:
    """GET until nginx answers from its cache (a first request fills it; on a loaded machine
    the one second an entry is fresh may pass before the next request)."""
    deadline = time.monotonic() + 20
    while True:
        resp = requests.get(url, timeout=10, **kwargs)
        assert resp.status_code == 200, resp.text
        if resp.headers.get("X-Cache") == "HIT":
            return resp
        assert time.monotonic() < deadline, dict(resp.headers)
        time.sleep(0.05)


def test_nginx_answers_public_pages_from_its_cache_never_private_ones(farm):
    venue, _sup, _proxy = farm
    page = f"{venue.url}/kategori/lf-smp"
    hit = _until_hit(page)
    assert hit.headers["Cache-Control"] == "public, max-age=1"
    assert '<html lang="id"' in hit.text
    english = _until_hit(page, cookies={"lang": "en"})  # kept apart by language
    assert '<html lang="en"' in english.text
    assert _until_hit(f"{venue.url}/api/v1/categories/lf-smp/ranking").json()["entries"]
    # a token (an admin may see drafts) and a signed-in browser always reach a worker
    with_token = requests.get(f"{venue.url}/api/v1/categories/lf-smp/ranking", timeout=10,
                              headers={"Authorization": f"Bearer {venue.tokens['admin']}"})
    assert with_token.headers["X-Cache"] == "BYPASS"
    signed_in = requests.get(page, cookies={"session": "x"}, timeout=10)
    assert signed_in.headers["X-Cache"] == "BYPASS"
    # what is not marked public is never kept: the runs API, writes
    runs = [requests.get(f"{venue.url}/api/v1/runs?category=lf-smp", timeout=10)
            for _ in range(3)]
    assert {r.headers.get("X-Cache") for r in runs} == {"MISS"}
    # a result reaches the cached reads within the second nginx keeps them
    run = venue.api("POST", "/runs", json={"category": "lf-smp", "team": "SMP-03"})
    assert run.status_code == 201, run.text
    rid = run.json()["id"]
    edge = {"source": "esp32-a", "boot": "cache-1", "gate": 0, "edge": "B"}
    for seq, gate, t_us in ((1, 0, 1_000_000), (2, 1, 3_250_000)):
        assert _edge(venue.url, venue.tokens["agent"],
                     {**edge, "seq": seq, "gate": gate, "t_us": t_us}) == {"ok": True}

    def best() -> int | None:
        entries = requests.get(f"{venue.url}/api/v1/categories/lf-smp/ranking",
                               timeout=10).json()["entries"]
        return next((e.get("best_us") for e in entries if e["team"] == "SMP-03"), None)

    _wait(lambda: best() == 2_250_000, 10, lambda: venue.api("GET", f"/runs/{rid}").text)


def test_screens_through_nginx_get_broadcasts_compressed_from_every_worker(farm):
    """nginx passes the browser's offer of permessage-deflate to the worker and its answer
    back, past its cache; a worker compresses each broadcast once, every worker alike."""
    venue, _sup, _proxy = farm
    phones = [Phone(venue.port, CHROMIUM) for _ in range(4)]  # nginx spreads them
    assert all("permessage-deflate; server_no_context_takeover" in p.head for p in phones)
    # never through the public-page cache: its lock held each of a wave of WebSockets (one
    # address for all) behind the first, up to 2 s
    assert not any("x-cache" in p.head for p in phones)
    assert wait_until(lambda: all(p.event("snapshot") for p in phones), 15)
    run = venue.api("POST", "/runs", json={"category": "lf-smp", "team": "SMP-02"}).json()
    assert wait_until(lambda: all(p.event("run", id=run["id"]) for p in phones), 15)
    frames = {p.event("run", id=run["id"])[:2] for p in phones}
    assert len(frames) == 1 and next(iter(frames))[0] == 0xC1, frames  # one, compressed
