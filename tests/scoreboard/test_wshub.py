"""scoreboard/wshub.py: the handshake it answers, what it takes over from engine.io, and
when it stays off. Its life with real clients on gunicorn: tests/e2e/test_ws_hub.py."""

from __future__ import annotations

import threading

import pytest
from engineio import socket as eio_socket_mod

from scoreboard import fanout, wshub
from scoreboard.app import create_app


def upgrade(**headers: str) -> dict[str, str]:
    environ = {"HTTP_SEC_WEBSOCKET_KEY": "dGhlIHNhbXBsZSBub25jZQ==",
               "HTTP_SEC_WEBSOCKET_VERSION": "13"}
    environ.update(headers)
    return {k: v for k, v in environ.items() if v is not None}


def test_the_handshake_answer_is_rfc_6455_s_own_example():
    assert wshub.accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    assert wshub.handshake(upgrade()) == (
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")


@pytest.mark.parametrize("headers", [
    {"HTTP_SEC_WEBSOCKET_VERSION": "8"},
    {"HTTP_SEC_WEBSOCKET_VERSION": None},
    {"HTTP_SEC_WEBSOCKET_KEY": None},
    {"HTTP_SEC_WEBSOCKET_KEY": "not base64!"},
    {"HTTP_SEC_WEBSOCKET_KEY": "c2hvcnQ="},  # 5 bytes, not 16
    {"HTTP_SEC_WEBSOCKET_EXTENSIONS": "permessage-deflate"},
    {"HTTP_SEC_WEBSOCKET_PROTOCOL": "chat"},
])
def test_requests_the_hub_does_not_answer_go_the_usual_way(headers):
    assert wshub.handshake(upgrade(**headers)) is None


@pytest.fixture
def app(tmp_path):
    return create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'h.db'}", "SECRET_KEY": "t",
                       "TESTING": True})


def test_the_installed_engineio_is_the_one_the_hub_was_written_against(app):
    """Fails when engine.io or wsproto changes an internal the hub relies on: re-test the
    hub (tests/e2e/test_ws_hub.py), then update wshub.incompatibility."""
    eio = app.extensions["socketio"].server.eio
    assert wshub.incompatibility(eio) is None
    hub = app.extensions["kejurda_ws_hub"]
    assert isinstance(hub, wshub.Hub)
    assert eio._async["websocket"].hub is hub


def test_a_session_s_next_ping_is_a_timer_in_the_hub_not_a_sleeping_thread(app):
    eio = app.extensions["socketio"].server.eio
    hub = app.extensions["kejurda_ws_hub"]
    session = eio_socket_mod.Socket(eio, "sid-1")
    before = threading.active_count()
    session.schedule_ping()  # what a PONG leads to
    assert session.last_ping is None
    assert [entry[2] for entry in hub._pings] == [session]
    ran = threading.Event()
    assert eio.start_background_task(ran.set) is not None  # anything else: a thread
    assert ran.wait(5)
    assert threading.active_count() <= before + 1  # the hub's own thread, nothing per ping


def test_without_the_fan_out_there_is_no_hub(monkeypatch, tmp_path, caplog):
    monkeypatch.setattr(fanout, "_version", lambda dist: (9, 0))
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'f.db'}", "SECRET_KEY": "t",
                      "TESTING": True})
    assert app.extensions["kejurda_fanout"] is None
    assert "kejurda_ws_hub" not in app.extensions
    eio = app.extensions["socketio"].server.eio
    assert "start_background_task" not in vars(eio)  # engine.io's own method
