"""Socket.IO security (issue: security hardening): origins checked, malformed packets
logged as one rate-limited line instead of a traceback each."""

from __future__ import annotations

import json
import logging

import pytest

HANDSHAKE = "/socket.io/?EIO=4&transport=polling"


def _open(client, origin: str | None = None):
    headers = {"Origin": origin} if origin else {}
    return client.get(HANDSHAKE, headers=headers)


def test_socketio_origins_same_origin_only_by_default(app):
    client = app.test_client()
    assert _open(client, "http://evil.example").status_code == 400
    assert _open(client, "http://localhost.evil.example").status_code == 400
    assert _open(client, "http://localhost").status_code == 200  # the server's own origin
    assert _open(client).status_code == 200  # agents send no Origin at all


@pytest.fixture
def widened_app(tmp_path):
    from scoreboard.app import create_app
    from scoreboard.services import publish

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}", "SECRET_KEY": "t",
                      "TESTING": True,
                      "KEJURDA_ALLOWED_ORIGINS": "http://papan.local, https://skor.example/"})
    yield app
    publish.disconnect_all()
    app.extensions["kejurda_db"].dispose()


def test_socketio_origins_widened_by_kejurda_allowed_origins(widened_app):
    client = widened_app.test_client()
    assert _open(client, "http://papan.local").status_code == 200
    assert _open(client, "https://skor.example").status_code == 200
    assert _open(client, "http://localhost").status_code == 200
    assert _open(client, "http://evil.example").status_code == 400


def _session(client) -> str:
    resp = _open(client)
    assert resp.status_code == 200
    return json.loads(resp.data[1:])["sid"]


def test_socketio_malformed_packets_log_one_line_not_a_traceback(app, caplog):
    client = app.test_client()
    sid = _session(client)
    caplog.set_level(logging.INFO)
    caplog.clear()
    for body in ("42/timing,[bad json", "4999", "45-junk", "x", "42/live,{\"a\":"):
        resp = client.post(f"{HANDSHAKE}&sid={sid}", data=body)
        assert resp.status_code == 200
    warned = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage().split(" ignored")[0] for r in warned] == [
        f"socket.io: malformed packet from {sid}"]
    assert all(r.exc_info is None for r in caplog.records)
    # the connection still works afterwards: a good packet is answered at once (an empty
    # poll would wait for the next ping instead)
    assert client.post(f"{HANDSHAKE}&sid={sid}", data="40/live,").status_code == 200
    answer = client.get(f"{HANDSHAKE}&sid={sid}")
    assert answer.status_code == 200 and b'40/live,{"sid":' in answer.data.split(b"\x1e")[-1]


def test_a_request_racing_its_sessions_close_is_not_an_error(app, caplog):
    """A client's last long-poll arriving after its own close packet (an ordinary close, as
    python-socketio's client does it) is answered 400 and logged at INFO, not as ERROR."""
    client = app.test_client()
    sid = _session(client)
    caplog.set_level(logging.INFO)
    caplog.clear()
    assert client.post(f"{HANDSHAKE}&sid={sid}", data="1").status_code == 200  # close
    assert client.get(f"{HANDSHAKE}&sid={sid}").status_code == 400
    assert client.get(f"{HANDSHAKE}&sid=neverwas").status_code == 400
    ended = [r for r in caplog.records if r.name == "engineio.server"]
    assert ended and {r.levelname for r in ended} == {"INFO"}, [r.getMessage() for r in ended]
    assert all(r.levelno < logging.WARNING for r in caplog.records)


def test_socketio_malformed_packets_reported_again_after_the_quiet_time(app, caplog):
    from scoreboard.web.security import MalformedPackets

    now = [100.0]
    bad = MalformedPackets(every_s=10, clock=lambda: now[0])
    caplog.set_level(logging.WARNING)
    assert bad.seen("a", ValueError("x")) is True
    assert bad.seen("a", ValueError("x")) is False
    now[0] = 111.0
    assert bad.seen("b", ValueError("y")) is True
    assert [r.getMessage() for r in caplog.records][-1] == (
        "socket.io: malformed packet from b ignored (y); 2 since the last report")


def test_socketio_malformed_websocket_frame_logs_one_line_and_hangs_up(real_server, caplog):
    import websocket

    url = real_server.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    ws = websocket.create_connection(url, timeout=10)
    try:
        assert ws.recv().startswith("0{")
        caplog.set_level(logging.INFO)
        caplog.clear()
        ws.send("x")  # not an Engine.IO packet at all
        with pytest.raises(websocket.WebSocketConnectionClosedException):
            while True:  # a ping may come first; then the server hangs up
                ws.recv()
    finally:
        ws.close()
    warned = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage().split(" ignored")[0] for r in warned] == [
        "socket.io: malformed packet from websocket"]
    assert all(r.exc_info is None for r in caplog.records)
