"""scoreboard/wshub.py on the production server: a WebSocket client holds no thread of its
own; heartbeats, run updates, silent and garbled clients and the server's stop all work.

Real `kejurda serve` (gunicorn), real WebSocket clients (websocket-client, python-socketio),
the worker's threads counted in /proc."""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path

import pytest
import websocket

from tests.support.waiting import wait_until

pytestmark = pytest.mark.e2e
HEARTBEAT = {"KEJURDA_PING_INTERVAL_S": "1", "KEJURDA_PING_TIMEOUT_S": "1"}


def _worker(master: int) -> int:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.05)
    raise AssertionError("gunicorn started no worker")


def _threads(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/task").iterdir()))



class Screen:
    """A phone on `/live`, speaking Engine.IO by hand on a reader thread of its own: it
    counts pings, may leave them unanswered, and keeps every frame it is sent."""

    def __init__(self, port: int, answer_pings: bool = True) -> None:
        self.ws = websocket.create_connection(
            f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket", timeout=None)
        self.answer = answer_pings
        self.pings = 0
        self.frames: list[tuple[int, str]] = []
        self.events: list[tuple[str, dict]] = []
        self.closed = False  # the connection ended (a Close frame or the end of the stream)
        opened = self.ws.recv()
        assert opened.startswith("0{"), opened
        self.ws.send("40/live,")
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            while True:
                opcode, data = self.ws.recv_data(control_frame=True)
                text = data.decode(errors="replace") if isinstance(data, bytes) else data
                self.frames.append((opcode, text))
                if opcode == websocket.ABNF.OPCODE_CLOSE:
                    break
                if text == "2":
                    self.pings += 1
                    if self.answer:
                        self.ws.send("3")
                elif text.startswith("42/live,"):
                    self.events.append(tuple(json.loads(text[len("42/live,"):])))
        except (websocket.WebSocketException, OSError):
            pass
        self.closed = True

    def saw(self, event: str, **fields) -> bool:
        return any(name == event and all(payload.get(k) == v for k, v in fields.items())
                   for name, payload in self.events)


def test_screens_hold_no_threads_keep_their_heartbeat_and_get_every_update(venue):
    proc = venue.start_server(env=HEARTBEAT)
    worker = _worker(proc.popen.pid)
    first = Screen(venue.port)  # the hub's own thread (and the fan-out's) start here
    assert wait_until(lambda: first.saw("snapshot"), 15)
    idle = _threads(worker)
    screens = [Screen(venue.port) for _ in range(40)]
    assert wait_until(lambda: all(s.saw("snapshot") for s in screens), 15)
    # each connection's handshake thread has ended: 40 screens, no thread of their own
    # (engine.io's own path holds four per screen: 160)
    assert wait_until(lambda: _threads(worker) <= idle + 3, 15), (
        f"{_threads(worker)} threads, {idle} with one screen")
    # three heartbeats each, answered: still connected
    assert wait_until(lambda: all(s.pings >= 3 for s in screens), 20)
    assert not any(s.closed for s in screens)
    run = venue.api("POST", "/runs", json={"category": "lf-sd", "team": "SD-01"}).json()
    assert wait_until(lambda: all(s.saw("run", id=run["id"], status="armed")
                                  for s in [first, *screens]), 15)
    for screen in screens:
        screen.ws.close()
    proc.stop()
    assert proc.popen.returncode == 0
    log = proc.log.read_text()
    for unwanted in ("Traceback", "ERROR", "WARNING"):
        assert unwanted not in log, log


def test_a_silent_screen_is_let_go_and_a_garbled_one_hung_up_on(venue):
    proc = venue.start_server(env=HEARTBEAT)
    silent = Screen(venue.port, answer_pings=False)
    garbled = Screen(venue.port)
    assert wait_until(lambda: garbled.saw("snapshot"), 15)
    garbled.ws.send("not an engine.io packet")
    assert wait_until(lambda: garbled.closed, 10)
    # pinged once, not answered within the timeout: the session ends with a Close frame
    assert wait_until(lambda: silent.closed, 10)
    assert silent.pings == 1
    assert silent.frames[-2:][0] == (websocket.ABNF.OPCODE_TEXT, "2"), silent.frames
    assert silent.frames[-1][0] == websocket.ABNF.OPCODE_CLOSE, silent.frames
    proc.stop()
    log = proc.log.read_text()
    assert "malformed packet" in log, log
    assert "Traceback" not in log, log


def test_the_server_stops_at_once_and_tells_every_screen(venue):
    """SIGTERM: every screen is told (engine.io's CLOSE, then a WebSocket Close) before the
    worker leaves; the screens hold no thread the worker would wait for."""
    proc = venue.start_server()
    screens = [Screen(venue.port) for _ in range(60)]
    assert wait_until(lambda: all(s.saw("snapshot") for s in screens), 15)
    started = time.monotonic()
    proc.popen.send_signal(signal.SIGTERM)
    assert proc.popen.wait(15) == 0, proc.tail()
    assert wait_until(lambda: all(s.closed for s in screens), 10)
    assert time.monotonic() - started < 10
    told = [s for s in screens if s.frames[-2:] == [(websocket.ABNF.OPCODE_TEXT, "1"),
                                                    (websocket.ABNF.OPCODE_CLOSE, "\x03\ufffd")]]
    assert len(told) == 60, [s.frames[-2:] for s in screens if s not in told][:3]
    log = proc.log.read_text()
    for unwanted in ("Traceback", "ERROR"):
        assert unwanted not in log, log
