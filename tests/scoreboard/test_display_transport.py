"""`/live` WebSockets run uncompressed unless KEJURDA_WS_COMPRESSION=1 (scoreboard/wsgi.py):
per-client deflate was the largest per-client cost of a broadcast. Real server process."""

from __future__ import annotations

import base64
import os
import socket

import pytest

from tests.support.venue import make_venue


def handshake(port: int) -> str:
    key = base64.b64encode(os.urandom(16)).decode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall((f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
                      f"Host: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                      "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
                      "\r\n").encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    return data.split(b"\r\n\r\n")[0].decode().lower()


@pytest.mark.parametrize(("setting", "compressed"), [(None, False), ("1", True)])
def test_websocket_compression_is_off_unless_configured(tmp_path, monkeypatch, setting,
                                                        compressed):
    if setting is None:
        monkeypatch.delenv("KEJURDA_WS_COMPRESSION", raising=False)
    else:
        monkeypatch.setenv("KEJURDA_WS_COMPRESSION", setting)
    venue = make_venue(tmp_path)
    try:
        venue.start_server()
        head = handshake(venue.port)
        assert head.startswith("http/1.1 101")
        assert ("permessage-deflate" in head) is compressed
    finally:
        for proc in venue.procs:
            proc.stop()
