"""TLS at the venue in one process: the app served over HTTPS with the context
`serve --tls-cert/--tls-key` uses, reached by pinned clients as the agent and its
simulator reach it (the agent's own process: tests/e2e/test_device_security.py)."""

from __future__ import annotations

import socket
import threading

import pytest
import requests
import socketio
from werkzeug.serving import make_server

from hardware.tls import http_session, parse_fingerprint, socketio_options
from scoreboard.tls import init_venue_tls, server_context


@pytest.fixture
def venue_tls(tmp_path):
    return init_venue_tls(tmp_path / "tls", ["192.168.1.10"])


@pytest.fixture
def https_server(app, venue_tls):
    cert, key, _fp = venue_tls
    srv = make_server("127.0.0.1", 0, app, threaded=True,
                      ssl_context=server_context(str(cert), str(key)))
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    thread.join(10)


def other_fingerprint(tmp_path) -> bytes:
    return parse_fingerprint(init_venue_tls(tmp_path / "other", [])[2])


def test_agent_tls_fingerprint_pin_accepts_only_the_venue_certificate(
        https_server, venue_tls, tmp_path, caplog):
    pin = parse_fingerprint(venue_tls[2])
    assert http_session(pin).get(f"{https_server}/api/v1/categories", timeout=5).ok
    client = socketio.Client(reconnection=False, **socketio_options(pin))
    client.connect(https_server, namespaces=["/live"], transports=["websocket"],
                   wait_timeout=5)
    assert client.connected
    client.disconnect()

    wrong = other_fingerprint(tmp_path)
    with pytest.raises(requests.exceptions.SSLError, match="Fingerprints did not match"):
        http_session(wrong).get(f"{https_server}/api/v1/categories", timeout=5)
    client = socketio.Client(reconnection=False, **socketio_options(wrong))
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(https_server, namespaces=["/live"], transports=["websocket"],
                       wait_timeout=5)
    assert [r.getMessage() for r in caplog.records if r.name == "hardware.tls"] == [
        f"TLS: refusing the server: its certificate's SHA-256 fingerprint {venue_tls[2]} is "
        f"not the pinned --tls-fingerprint {':'.join(f'{b:02X}' for b in wrong)} (another "
        "machine answering as the server, or a new certificate: check with kejurda tls "
        "init's output)"]


def test_serve_tls_a_silent_client_does_not_stop_the_server(https_server, venue_tls):
    # A connection that never says hello is handshaken in its own thread. Were it
    # handshaken in accept(), the server would take no one else and this request would
    # end in a timeout.
    host, port = https_server.removeprefix("https://").split(":")
    with socket.create_connection((host, int(port))):
        resp = requests.get(f"{https_server}/api/v1/categories", timeout=30,
                            verify=str(venue_tls[0]))
        assert resp.status_code == 200
