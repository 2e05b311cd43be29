"""`/live` WebSockets compressed as browsers ask, each broadcast compressed once for every
screen (scoreboard/wsdeflate.py), on the real server (gunicorn, the hub). The screens here
speak WebSocket on raw sockets so that every frame is seen as it was sent."""

from __future__ import annotations

import json
import socket
import threading
import zlib

from scoreboard.rehearsal.viewers import client_frame, split_frames, upgrade_request
from scoreboard.wsdeflate import TAIL
from tests.support.waiting import wait_until

ACCEPT = "permessage-deflate; server_no_context_takeover; client_no_context_takeover"
CHROMIUM = "permessage-deflate; client_max_window_bits"
FIREFOX = "permessage-deflate"
HEARTBEAT = {"KEJURDA_PING_INTERVAL_S": "1", "KEJURDA_PING_TIMEOUT_S": "1"}


def compressed(text: bytes) -> bytes:
    """A client's message, compressed on its own (no context kept: as agreed)."""
    deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = deflater.compress(text) + deflater.flush(zlib.Z_SYNC_FLUSH)
    frame = client_frame(body[:-4])
    return bytes([frame[0] | 0x40]) + frame[1:]  # RSV1


class Phone:
    """A screen on `/live` that offers `offer` (None: nothing, as the agents' library) and
    keeps every frame: (first byte, payload as sent, the message as text). What it sends
    itself is compressed whenever compression was agreed."""

    def __init__(self, port: int, offer: str | None) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.sendall(upgrade_request(f"127.0.0.1:{port}", bool(offer), offer or ""))
        data = b""
        while b"\r\n\r\n" not in data:
            data += self.sock.recv(4096)
        head, self.rest = data.split(b"\r\n\r\n", 1)
        self.head = head.decode().lower()
        self.agreed = "permessage-deflate" in self.head
        self.frames: list[tuple[int, bytes, str]] = []
        self.closed = False
        self.sock.settimeout(None)
        threading.Thread(target=self._read, daemon=True).start()

    def send(self, text: bytes) -> None:
        self.sock.sendall(compressed(text) if self.agreed else client_frame(text))

    def _read(self) -> None:
        buf = self.rest
        try:
            while True:
                frames, buf = split_frames(buf)
                for first, payload in frames:
                    self._frame(first, payload)
                data = self.sock.recv(65536)
                if not data:
                    break
                buf += data
        except OSError:
            pass
        self.closed = True

    def _frame(self, first: int, payload: bytes) -> None:
        # a fresh inflater for each message: right only if the server kept no context
        text = zlib.decompressobj(-15).decompress(payload + TAIL) if (
            first & 0x40) else payload
        self.frames.append((first, payload, text.decode(errors="replace")))
        if first & 0x0F == 0x8:
            self.closed = True
        elif text == b"2":
            self.send(b"3")
        elif text.startswith(b"0{"):
            self.send(b"40/live,")

    def event(self, name: str, **fields) -> tuple[int, bytes, str] | None:
        for first, payload, text in self.frames:
            if text.startswith("42/live,"):
                event, data = json.loads(text[len("42/live,"):])
                if event == name and all(data.get(k) == v for k, v in fields.items()):
                    return first, payload, text
        return None

    def pings(self) -> int:
        return sum(1 for _first, _payload, text in self.frames if text == "2")


def test_browsers_get_each_broadcast_compressed_once_and_others_get_it_plain(venue):
    proc = venue.start_server(env=HEARTBEAT)
    chromium, firefox, plain = (Phone(venue.port, CHROMIUM), Phone(venue.port, FIREFOX),
                                Phone(venue.port, None))
    assert f"sec-websocket-extensions: {ACCEPT}\r\n" in chromium.head + "\r\n"
    assert f"sec-websocket-extensions: {ACCEPT}\r\n" in firefox.head + "\r\n"
    assert "sec-websocket-extensions" not in plain.head
    phones = (chromium, firefox, plain)
    # joined with a compressed message; heartbeats answered compressed keep them connected
    assert wait_until(lambda: all(p.event("snapshot") for p in phones), 15)
    assert wait_until(lambda: all(p.pings() >= 3 for p in phones), 20)
    assert not any(p.closed for p in phones)
    run = venue.api("POST", "/runs", json={"category": "lf-sd", "team": "SD-01"}).json()
    for name, fields in (("run", {"id": run["id"], "status": "armed"}),
                         ("ranking", {"category": "lf-sd"})):
        assert wait_until(lambda n=name, f=fields: all(p.event(n, **f) for p in phones), 15)
        (c_first, c_bytes, c_text), (f_first, f_bytes, f_text), (p_first, p_bytes, p_text) = (
            p.event(name, **fields) for p in phones)
        assert c_first == f_first == 0xC1 and p_first == 0x81  # FIN, RSV1 on both, text
        assert c_bytes == f_bytes  # the same bytes: compressed once, for every screen
        assert c_text == f_text == p_text == p_bytes.decode()
    assert len(c_bytes) < len(p_bytes) / 2  # the ranking of four teams (200: 7 ×)
    proc.stop()
    log = proc.log.read_text()
    for unwanted in ("Traceback", "ERROR", "WARNING"):
        assert unwanted not in log, log


def test_a_compressed_bomb_is_refused_and_the_others_carry_on(venue):
    proc = venue.start_server()
    bomber, other = Phone(venue.port, FIREFOX), Phone(venue.port, CHROMIUM)
    assert wait_until(lambda: bomber.event("snapshot") and other.event("snapshot"), 15)
    bomb = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = bomb.compress(b"4" + b" " * (256 << 20)) + bomb.flush(zlib.Z_SYNC_FLUSH)
    frame = client_frame(body[:-4])
    bomber.sock.sendall(bytes([frame[0] | 0x40]) + frame[1:])
    assert wait_until(lambda: bomber.closed, 10)
    first, payload, _text = bomber.frames[-1]
    assert first == 0x88 and int.from_bytes(payload[:2], "big") == 1009  # message too big
    venue.api("POST", "/runs", json={"category": "lf-sd", "team": "SD-01"})
    assert wait_until(lambda: other.event("run", status="armed"), 15)
    proc.stop()
    assert "Traceback" not in proc.log.read_text()


def test_with_compression_off_every_screen_gets_plain_frames(venue):
    proc = venue.start_server(env={"KEJURDA_WS_COMPRESSION": "0"})
    phone = Phone(venue.port, CHROMIUM)
    assert "sec-websocket-extensions" not in phone.head
    assert wait_until(lambda: phone.event("snapshot"), 15)
    venue.api("POST", "/runs", json={"category": "lf-sd", "team": "SD-01"})
    assert wait_until(lambda: phone.event("ranking"), 15)
    assert {first for first, _payload, _text in phone.frames} == {0x81}
    proc.stop()
