"""`kejurda serve` on its production server (gunicorn, threaded worker): no development
server, clean stops, TLS, one signing key per database, duties under any WSGI server."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import socketio
import websocket

from tests.support.venue import ROOT, Proc, free_port

pytestmark = pytest.mark.e2e


def _live_client(url: str, **kwargs) -> socketio.Client:
    client = socketio.Client(reconnection=False, **kwargs)
    client.connect(url, namespaces=["/live"], transports=["websocket"], wait_timeout=10)
    return client


def _wait_stopped(proc: Proc, timeout: float = 15) -> int:
    return proc.popen.wait(timeout)


@pytest.mark.parametrize("how", ["SIGTERM", "Ctrl+C"])
def test_serve_runs_a_production_server_and_stops_cleanly(tmp_path, venue, how):
    proc = venue.start_server()
    screen = _live_client(venue.url)  # an open WebSocket must not hold up the stop
    assert screen.connected
    if how == "SIGTERM":
        proc.popen.send_signal(signal.SIGTERM)
    else:  # a terminal's Ctrl+C signals the whole foreground process group
        _sigint_group(proc)
    assert _wait_stopped(proc) == 0, proc.tail()
    log = proc.log.read_text()
    assert "kejurda server on http://127.0.0.1:" in log
    for unwanted in ("Traceback", "development server", "Werkzeug", "ERROR", "SIGKILL"):
        assert unwanted not in log, log
    deadline = time.monotonic() + 10
    while screen.connected:  # the server closed its session on the way out
        assert time.monotonic() < deadline
        time.sleep(0.05)


def _sigint_group(proc: Proc) -> None:
    """SIGINT to the server and every process it started, as a terminal's Ctrl+C does."""
    children = Path(f"/proc/{proc.popen.pid}/task/{proc.popen.pid}/children").read_text().split()
    for pid in [proc.popen.pid, *map(int, children)]:
        os.kill(pid, signal.SIGINT)


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    cert, key = tmp / "venue.crt", tmp / "venue.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def test_serve_with_tls_serves_https_and_secure_websockets(tmp_path, venue):
    cert, key = _self_signed(tmp_path)
    proc = Proc([sys.executable, "-m", "scoreboard.cli", "serve", "--port", str(venue.port),
                 "--db", venue.db_url, "--tls-cert", str(cert), "--tls-key", str(key)],
                tmp_path / "tls.log").start()
    venue.procs.append(proc)
    url = f"https://127.0.0.1:{venue.port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            resp = requests.get(f"{url}/api/v1/categories", verify=str(cert), timeout=2)
            break
        except requests.ConnectionError:
            assert proc.popen.poll() is None and time.monotonic() < deadline, proc.tail()
            time.sleep(0.1)
    assert [c["slug"] for c in resp.json()] == ["lf-smp", "lf-sd"]
    with pytest.raises(requests.ConnectionError):  # plain HTTP is not spoken on that port
        requests.get(f"http://127.0.0.1:{venue.port}/api/v1/categories", timeout=2)
    screen = _live_client(url, ssl_verify=False)
    try:
        assert screen.connected and screen.transport() == "websocket"
    finally:
        screen.disconnect()
    assert f"kejurda server on https://127.0.0.1:{venue.port}/" in proc.log.read_text()
    proc.stop()
    assert proc.popen.returncode == 0


@pytest.mark.parametrize(("args", "message"), [
    (["--tls-cert", "{cert}"], "kejurda: error: --tls-cert and --tls-key: give both (or neither)"),
    (["--tls-cert", "{cert}", "--tls-key", "{tmp}/nope.key"],
     "kejurda: error: --tls-key: no such file '{tmp}/nope.key' (make them with: kejurda tls "
     "init)"),
    (["--tls-cert", "{key}", "--tls-key", "{key}"],
     "kejurda: error: --tls-key: cannot use '{key}' with '{key}' ("),
])
def test_serve_refuses_unusable_tls_flags_with_one_line(tmp_path, args, message):
    cert, key = _self_signed(tmp_path)
    fill = {"cert": cert, "key": key, "tmp": tmp_path}
    proc = subprocess.run([sys.executable, "-m", "scoreboard.cli", "serve", "--port",
                           str(free_port()), "--db", f"sqlite:///{tmp_path / 'x.db'}",
                           *(a.format(**fill) for a in args)],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message.format(**fill)), proc.stderr


def _login(base: str, session: requests.Session, name: str, password: str) -> None:
    page = session.get(f"{base}/login", timeout=10)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    resp = session.post(f"{base}/login", data={"csrf_token": token, "name": name,
                                                "password": password}, timeout=10,
                        allow_redirects=False)
    assert resp.status_code == 302, resp.text


def test_two_servers_on_one_database_sign_with_one_key(tmp_path, venue):
    venue.add_user("admin", "ketua-panitia", "sandi-rahasia-123")
    port_b = free_port()
    venue.start_server(name="server-a")  # each server has its own instance folder
    (tmp_path / "b").mkdir()
    proc_b = Proc([sys.executable, "-m", "scoreboard.cli", "serve", "--port", str(port_b),
                   "--db", venue.db_url], tmp_path / "b" / "server-b.log").start()
    venue.procs.append(proc_b)
    base_b = f"http://127.0.0.1:{port_b}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(f"{base_b}/api/v1/categories", timeout=1).ok:
                break
        except requests.RequestException:
            assert time.monotonic() < deadline, proc_b.tail()
            time.sleep(0.1)
    browser = requests.Session()
    _login(venue.url, browser, "ketua-panitia", "sandi-rahasia-123")
    # the session cookie made by server A is good on server B
    page = browser.get(f"{base_b}/admin/pengguna/", timeout=10, allow_redirects=False)
    assert page.status_code == 200, (page.status_code, page.headers.get("Location"))
    anonymous = requests.get(f"{base_b}/admin/pengguna/", timeout=10, allow_redirects=False)
    assert anonymous.status_code == 302


def test_runs_time_out_under_any_wsgi_server(tmp_path, venue):
    """Deployed as `gunicorn 'scoreboard.app:create_app()'` (no `kejurda serve`): the duty
    that times out runs still runs, started with the app."""
    venue.load_event_with("time_limit_s = 4", "time_limit_s = 1")
    proc = Proc([sys.executable, "-m", "gunicorn", "-k", "gthread", "--threads", "50",
                 "-b", f"127.0.0.1:{venue.port}", "scoreboard.app:create_app()"],
                tmp_path / "gunicorn.log", env={"KEJURDA_DATABASE_URL": venue.db_url}).start()
    venue.procs.append(proc)
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(f"{venue.url}/api/v1/categories", timeout=1).ok:
                break
        except requests.RequestException:
            assert proc.popen.poll() is None and time.monotonic() < deadline, proc.tail()
            time.sleep(0.1)
    run = venue.api("POST", "/runs", json={"category": "lf-smp", "team": "SMP-01"})
    assert run.status_code == 201, run.text
    track = {"source": "esp32-a", "boot": "b-1"}
    acks = venue.send_edges({**track, "seq": 1, "gate": 0, "edge": "B", "t_us": 1_000_000})
    assert acks == [{"ok": True}]
    final = venue.wait_final(run.json()["id"], timeout=20)
    assert (final["status"], final["elapsed_us"]) == ("timeout", None)


def test_ordinary_websocket_closes_log_no_errors(tmp_path, venue):
    proc = venue.start_server()
    for transports in (["websocket"], ["polling"], ["polling", "websocket"]):
        client = socketio.Client(reconnection=False)
        client.connect(venue.url, namespaces=["/live"], transports=transports, wait_timeout=10)
        client.disconnect()
    ws_url = f"ws://127.0.0.1:{venue.port}/socket.io/?EIO=4&transport=websocket"
    abrupt = websocket.create_connection(ws_url, timeout=10)
    abrupt.recv()
    abrupt.send("40/live,")
    abrupt.recv()  # the namespace is joined ...
    abrupt.sock.close()  # ... and the phone vanishes without a Close frame
    polite = websocket.create_connection(ws_url, timeout=10)
    polite.recv()
    polite.close()
    proc.stop()
    assert proc.popen.returncode == 0
    log = proc.log.read_text()
    for unwanted in ("Traceback", "ERROR", "WARNING", "Error"):
        assert unwanted not in log, log
