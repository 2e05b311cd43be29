"""scoreboard/fanout.py: broadcasts framed once and written straight to each WebSocket.

Real sockets throughout: a socketpair for the writer's ordering and back-pressure, and a
real threaded server with real Socket.IO clients for the wiring."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio
from wsproto.frame_protocol import FrameProtocol, Opcode

from scoreboard import fanout
from scoreboard.app import create_app
from scoreboard.fanout import Flusher, FrameSocket, ws_frame


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536, 200_000])
@pytest.mark.parametrize("binary", [False, True])
def test_a_frame_reads_back_whole_in_a_websocket_client(size, binary):
    data: str | bytes = bytes(range(256)) * (size // 256) + bytes(size % 256) if binary \
        else ("é" * (size // 2) + "x" * (size % 2))
    reader = FrameProtocol(client=True, extensions=[])
    reader.receive_bytes(ws_frame(data))
    frames = list(reader.received_frames())
    assert len(frames) == 1
    frame = frames[0]
    assert frame.opcode == (Opcode.BINARY if binary else Opcode.TEXT)
    assert frame.frame_finished and frame.message_finished
    assert frame.payload == data


def pair(sndbuf: int = 4096) -> tuple[socket.socket, socket.socket]:
    a, b = socket.socketpair()
    a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
    b.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, sndbuf)
    return a, b


def read_all(sock: socket.socket, n: int, timeout: float = 20) -> bytes:
    sock.settimeout(timeout)
    out = bytearray()
    while len(out) < n:
        chunk = sock.recv(65536)
        if not chunk:
            break
        out += chunk
    return bytes(out)


def test_writes_keep_their_order_and_stay_whole_when_the_reader_lags():
    """Two threads write (a broadcast and simple-websocket's own sends) to a peer that reads
    nothing at first: nothing blocks, nothing interleaves, each thread's chunks keep order."""
    raw, peer = pair()
    out = FrameSocket(raw)
    count, width = 400, 1000
    chunks = {tag: [f"{tag}{i:05d}".encode().ljust(width, b".") for i in range(count)]
              for tag in "ab"}
    started = time.monotonic()
    threads = [threading.Thread(target=lambda: [out.write_message(c) for c in chunks["a"]]),
               threading.Thread(target=lambda: [out.send(c) for c in chunks["b"]])]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert time.monotonic() - started < 5  # a peer that does not read blocks no writer
    assert out.has_pending()  # the kernel could not take 800 KB: the rest waits in order
    got = read_all(peer, 2 * count * width)
    assert len(got) == 2 * count * width
    pieces = [got[i:i + width] for i in range(0, len(got), width)]
    assert [p for p in pieces if p[:1] == b"a"] == chunks["a"]
    assert [p for p in pieces if p[:1] == b"b"] == chunks["b"]
    assert not out.has_pending()
    raw.close()
    peer.close()


def test_a_reader_that_falls_too_far_behind_and_stays_there_is_cut_off():
    raw, peer = pair()
    out = FrameSocket(raw, max_pending=64 * 1024, stall_s=0.3)
    chunk = b"x" * 1000
    for _ in range(200):  # 200 KB to a peer that never reads: behind, but not for long yet
        out.write_message(chunk)
    assert not out.dead and out.has_pending()
    time.sleep(0.4)
    out.write_message(chunk)  # still nothing taken after stall_s
    assert out.dead and not out.has_pending()
    out.write_message(chunk)  # a dead client's writes are dropped, not raised
    got = read_all(peer, 10**9, timeout=5)  # what the kernel held, then the end of stream
    assert 0 < len(got) < 200 * 1000 and got == b"x" * len(got)
    raw.close()
    peer.close()


def test_writing_to_a_closed_peer_marks_the_socket_dead_quietly():
    raw, peer = pair()
    out = FrameSocket(raw)
    peer.close()
    for _ in range(3):
        out.write_message(b"hello")
    assert out.dead
    raw.close()


def test_a_reader_far_too_far_behind_is_cut_off_even_if_it_reads_a_little():
    raw, peer = pair()
    out = FrameSocket(raw, max_pending=16 * 1024, stall_s=60)
    for _ in range(200):  # 200 KB, more than 8 × 16 KiB: reading a little does not save it
        out.write_message(b"x" * 1000)
        if out.dead:
            break
    assert out.dead
    raw.close()
    peer.close()


def test_one_big_message_to_a_reading_client_is_not_a_reason_to_cut_it():
    raw, peer = pair()
    out = FrameSocket(raw, max_pending=64 * 1024)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(read_all(peer, 400_001)))
    reader.start()
    out.write_message(b"y" * 400_000)  # far more than max_pending at once
    out.write_message(b"z")
    reader.join(20)
    assert got == [b"y" * 400_000 + b"z"] and not out.dead
    raw.close()
    peer.close()


def test_no_message_follows_once_the_connection_is_closing():
    """simple-websocket marks itself closed, then writes its Close: a message emitted in
    between must not follow the Close frame (RFC 6455 §5.5.1)."""
    raw, peer = pair()
    out = FrameSocket(raw)
    out.write_message(b"before")
    out.alive = lambda: False
    out.send(b"CLOSE")  # simple-websocket's own write still goes out
    out.write_message(b"after")
    raw.shutdown(socket.SHUT_WR)
    assert read_all(peer, 10**6, timeout=5) == b"beforeCLOSE"
    raw.close()
    peer.close()


def test_after_its_session_ended_a_client_that_reads_nothing_is_cut_off():
    raw, peer = pair()
    out = FrameSocket(raw, flusher=Flusher())
    for _ in range(100):
        out.write_message(b"x" * 1000)
    assert out.has_pending()
    out.deadline = time.monotonic() + 0.2  # what FanoutWebSocket.close() sets (5 s there)
    out.write_message(b"x")  # wakes the flusher
    deadline = time.monotonic() + 10
    while not out.dead:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    got = read_all(peer, 10**9, timeout=5)  # what the kernel held, then the end of stream
    assert 0 < len(got) < 100_001
    raw.close()
    peer.close()


def test_a_client_whose_flush_fails_does_not_stop_the_flusher_for_the_others():
    class Broken(FrameSocket):
        def flush(self) -> None:
            raise RuntimeError("boom")

    flusher = Flusher()
    (raw_bad, peer_bad), (raw_ok, peer_ok) = pair(), pair()
    bad, ok = Broken(raw_bad, flusher=flusher), FrameSocket(raw_ok, flusher=flusher)
    for _ in range(100):
        bad.write_message(b"b" * 1000)
        ok.write_message(b"o" * 1000)
    assert bad.has_pending() and ok.has_pending()
    def drain_bad() -> None:  # reading makes the broken one writable, so its flush is tried
        try:
            read_all(peer_bad, 100_000, timeout=5)
        except OSError:
            pass  # its socket is closed under it at the end

    drainer = threading.Thread(target=drain_bad)
    drainer.start()
    got = read_all(peer_ok, 100_000)
    assert got == b"o" * 100_000
    deadline = time.monotonic() + 10
    while not bad.dead:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    peer_bad.shutdown(socket.SHUT_RDWR)
    drainer.join(10)
    for s in (raw_bad, peer_bad, raw_ok, peer_ok):
        s.close()


def live_client(url: str, transports: list[str]) -> tuple[socketio.Client, list[Any]]:
    got: list[Any] = []
    sio = socketio.Client()
    sio.on("snapshot", lambda data: got.append(("snapshot", sorted(data))), namespace="/live")
    sio.on("display", lambda data: got.append(("display", data["playlist"][0]["text"])),
           namespace="/live")
    sio.connect(url, namespaces=["/live"], transports=transports, wait_timeout=10)
    return sio, got


def test_direct_websocket_clients_get_the_fast_path_and_the_same_events_in_order(
        app, real_server, tokens):
    server = real_server
    registry = app.extensions["kejurda_fanout"]
    direct, direct_got = live_client(server, ["websocket"])
    upgraded, upgraded_got = live_client(server, ["polling", "websocket"])
    try:
        deadline = time.monotonic() + 10
        while upgraded.transport() != "websocket":  # its upgrade completes in the background
            assert time.monotonic() < deadline
            time.sleep(0.02)
        # only the client that opened a WebSocket directly is written to directly
        assert set(registry) == {direct.eio.sid}
        texts = [f"pengumuman {i}" for i in range(25)]
        for text in texts:
            resp = requests.put(f"{server}/api/v1/display/screens/aula", timeout=10,
                                json={"playlist": [{"scene": "announcement", "text": text}]},
                                headers={"Authorization": f"Bearer {tokens['admin']}"})
            assert resp.status_code == 200, resp.text
        expected = [("snapshot", ["now_us", "runs"])] + [("display", t) for t in texts]
        deadline = time.monotonic() + 10
        while (direct_got, upgraded_got) != (expected, expected):
            assert time.monotonic() < deadline, (direct_got, upgraded_got)
            time.sleep(0.02)
    finally:
        direct.disconnect()
        upgraded.disconnect()
    deadline = time.monotonic() + 10
    while registry:  # a closed connection leaves the registry
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_the_installed_engineio_and_simple_websocket_are_the_ones_the_fan_out_was_tested_with(app):
    """Fails when engine.io or simple-websocket moves out of the tested range or changes an
    internal the fan-out relies on: re-test the fan-out, then widen fanout.TESTED and the
    ranges in pyproject.toml together."""
    assert fanout.incompatibility(app.extensions["socketio"].server.eio) is None
    assert app.extensions["kejurda_fanout"] is not None
    pyproject = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    for dist, (low, high) in fanout.TESTED.items():
        pin = f'"{dist}>={low[0]}.{low[1]},<{high[0]}.{high[1]}"'
        assert pin in pyproject, pin


def test_an_untested_engineio_leaves_engineio_s_own_path_in_place(monkeypatch, tmp_path, caplog):
    monkeypatch.setattr(fanout, "_version", lambda dist: (9, 0))
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'f.db'}", "SECRET_KEY": "t",
                      "TESTING": True})
    assert app.extensions["kejurda_fanout"] is None
    eio = app.extensions["socketio"].server.eio
    assert eio._async["websocket"].__name__ == "SimpleWebSocketWSGI"
    assert "send_packet" not in vars(eio)  # engine.io's own method, not ours
    assert ("broadcast fan-out off (python-engineio 9.0 is outside the tested range 4.15 "
            "to below 4.16): engine.io's own writer threads are used") in caplog.text
