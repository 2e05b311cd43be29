"""scoreboard/wshub.py: the handshake it answers, what it takes over from engine.io, and
when it stays off. Its life with real clients on gunicorn: tests/e2e/test_ws_hub.py."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import socketio
from engineio import socket as eio_socket_mod
from wsproto.frame_protocol import CloseReason, FrameProtocol, Opcode

from scoreboard import fanout, wshub
from scoreboard.app import create_app
from tests.support.waiting import wait_until


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


# -- the hub with a Socket.IO server of its own, over real TCP connections ------------------

class Harness:
    """A python-socketio server (threading mode, as the app's) with the fan-out and the hub;
    `open()` hands it a connection as gunicorn would, and returns the client's end."""

    def __init__(self, connect_delay: float = 0.0) -> None:
        self.events: list[tuple[str, str]] = []
        self.sio = socketio.Server(async_mode="threading", async_handlers=False)
        events = self.events

        class Live(socketio.Namespace):
            def on_connect(self, sid, environ, auth=None):
                time.sleep(connect_delay)  # a slow handler: a snapshot on a busy database
                events.append(("connect", sid))

            def on_disconnect(self, sid, reason=None):
                events.append(("disconnect", sid))

        self.sio.register_namespace(Live("/live"))
        flusher = fanout.Flusher()
        self.hub = wshub.install(self.sio.eio, fanout.install(self.sio.eio, flusher), flusher)
        assert self.hub is not None

    def request(self) -> socket.socket:
        """A direct WebSocket request handed to the server as gunicorn's thread hands it;
        returns the client's end of the connection, whatever the server answered."""
        with socket.create_server(("127.0.0.1", 0)) as listener:
            client = socket.create_connection(listener.getsockname())
            raw, _ = listener.accept()
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/socket.io/",
                   "QUERY_STRING": "EIO=4&transport=websocket", "HTTP_UPGRADE": "websocket",
                   "HTTP_CONNECTION": "Upgrade", "gunicorn.socket": raw, **upgrade()}
        with pytest.raises(StopIteration):  # gunicorn's thread is let go
            self.sio.eio.handle_request(environ, lambda *args: None)
        raw.close()  # what gunicorn does with its socket object afterwards
        client.settimeout(10)
        return client

    def open(self) -> tuple[socket.socket, FrameProtocol, bytes]:
        """`request()`, answered 101: the client's end, its frame reader, what followed."""
        client = self.request()
        head = b""
        while b"\r\n\r\n" not in head:
            head += client.recv(4096)
        head, rest = head.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 101 "), head
        return client, FrameProtocol(client=True, extensions=[]), rest


def bytes_until_eof(client: socket.socket, rest: bytes) -> bytes:
    data = rest
    while chunk := client.recv(65536):
        data += chunk
    return data



def test_a_client_that_leaves_during_its_connect_is_let_go_after_it():
    """The Close arrives while the connect handler still runs: the session is closed after
    the connect (as engine.io's own read loop does), so `/live` does not keep a ghost."""
    h = Harness(connect_delay=0.3)
    client, proto, _rest = h.open()
    client.sendall(bytes(proto.send_data("40/live,", fin=True)) +
                   bytes(proto.close(CloseReason.NORMAL_CLOSURE)))
    assert wait_until(lambda: len(h.events) == 2)
    assert [kind for kind, _sid in h.events] == ["connect", "disconnect"]
    assert wait_until(lambda: not h.sio.eio.sockets)
    assert list(h.sio.manager.get_participants("/live", None)) == []


def test_the_server_s_close_is_one_close_frame_even_when_the_client_answers():
    h = Harness()
    client, proto, rest = h.open()
    client.sendall(bytes(proto.send_data("40/live,", fin=True)))
    assert wait_until(lambda: h.events)
    session = next(iter(h.sio.eio.sockets.values()))
    session.close(wait=False)
    assert wait_until(lambda: session.closed)
    client.sendall(bytes(proto.close(CloseReason.NORMAL_CLOSURE)))  # the polite answer
    data = bytes_until_eof(client, rest)
    close_frame = b"\x88\x02\x03\xe8"  # unmasked, final, Close, code 1000
    assert data.count(close_frame) == 1, data
    assert data.endswith(close_frame), data
    proto.receive_bytes(data)
    frames = [(f.opcode, f.payload) for f in proto.received_frames()]
    assert (Opcode.TEXT, "1") in frames  # engine.io's CLOSE packet, before it


def test_packets_are_handled_even_when_no_worker_thread_can_be_started(monkeypatch):
    h = Harness()

    def no_threads(*_args, **_kwargs):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(h.hub.workers, "submit", no_threads)
    client, proto, _rest = h.open()
    client.sendall(bytes(proto.send_data("40/live,", fin=True)))
    assert wait_until(lambda: [kind for kind, _sid in h.events] == ["connect"])
    client.close()
    assert wait_until(lambda: [kind for kind, _sid in h.events] == ["connect", "disconnect"])


def test_with_no_room_left_a_client_is_answered_503_and_nothing_is_kept(caplog):
    h = Harness()
    h.hub.capacity = 1
    first, _proto, _rest = h.open()
    answer = bytes_until_eof(h.request(), b"")
    assert answer.startswith(b"HTTP/1.1 503 Service Unavailable\r\n"), answer
    assert answer.endswith(b"Server penuh, coba lagi sebentar. / Server full, retry soon.\n")
    assert len(h.sio.eio.sockets) == 1  # only the first client's session
    assert "WebSocket refused (503): no room (1 WebSockets open)" in caplog.text
