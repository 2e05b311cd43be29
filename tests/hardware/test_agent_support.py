"""A tiny real Socket.IO server for the agent and simulator tests (not the scoreboard).

It speaks docs/contract.md §5 on ``/timing`` (token at connect, ``gate_event`` stored once by
``(source, boot, seq)`` and acked, ``{"ok": false}`` for what it refuses) and, like the
scoreboard, answers the ``clock`` extension (``clock_offset_us=None`` turns it off),
optionally ``gate_events`` batches, serves ``GET /api/v1/tracks`` and broadcasts ``run``
on ``/live`` (with a ``snapshot`` at connect).
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time

import socketio
from werkzeug.serving import WSGIRequestHandler, make_server

TOKEN = "agent-token"
logging.getLogger("werkzeug").setLevel(logging.ERROR)


class _QuietHandler(WSGIRequestHandler):
    def log(self, *args, **kwargs):
        pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TinyServer:
    """A threaded python-socketio server; its store outlives stop()/start()."""

    def __init__(self, port=None, tracks=None, batches=False, refuse=None, drop_after_store=0,
                 clock_offset_us=0, fail_first=0):
        self.port = port or free_port()
        self.token = TOKEN
        self.url = f"http://127.0.0.1:{self.port}"
        self.tracks = tracks or []
        self.batches = batches
        self.refuse = refuse or (lambda edge: None)
        self.drop_after_store = drop_after_store
        self.clock_offset_us = clock_offset_us
        self.live_runs: list[dict] = []  # what the snapshot at /live connect reports
        self.fail_first = fail_first
        self.max_batch = 500
        self.lock = threading.Lock()
        self.stored: dict[tuple, dict] = {}
        self.order: list[tuple] = []
        self.received = 0
        self.statuses: list[dict] = []
        self.connects = 0
        self.refused_connects = 0
        self._http = None
        self._build()

    def _build(self):
        # async_handlers=False: events are handled in arrival order, as the real
        # /timing namespace must do for runs to start at the first edge.
        self.sio = socketio.Server(async_mode="threading", async_handlers=False)
        self.sio.on("connect", self._on_connect, namespace="/timing")
        self.sio.on("gate_event", self._on_gate_event, namespace="/timing")
        self.sio.on("agent_status", self._on_status, namespace="/timing")
        if self.batches:
            self.sio.on("gate_events", self._on_gate_events, namespace="/timing")
        if self.clock_offset_us is not None:
            self.sio.on("clock", self._on_clock, namespace="/timing")
        self.sio.on("connect", self._on_live_connect, namespace="/live")
        self.app = socketio.WSGIApp(self.sio, self._http_app)

    def _on_live_connect(self, sid, environ, auth=None):
        # Like the scoreboard: the runs holding a track, sent to the new client.
        self.sio.emit("snapshot", {"now_us": time.time_ns() // 1000, "runs": self.live_runs},
                      to=sid, namespace="/live")

    def _http_app(self, environ, start_response):
        if environ.get("PATH_INFO") == "/api/v1/tracks":
            body = json.dumps(self.tracks).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body]
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"error": "not found"}']

    def _on_connect(self, sid, environ, auth=None):
        if not isinstance(auth, dict) or auth.get("token") != self.token:
            with self.lock:
                self.refused_connects += 1
            raise socketio.exceptions.ConnectionRefusedError("invalid token")
        with self.lock:
            self.connects += 1

    def _store(self, edge) -> dict:
        reason = self.refuse(edge)
        if reason:
            return {"ok": False, "error": reason}
        with self.lock:
            fail = self.fail_first > 0
            if fail:
                self.fail_first -= 1
        if fail:
            # As the scoreboard answers when its database write failed.
            return {"ok": False, "retry": True, "error": "server error; not stored, send again"}
        key = (edge["source"], edge["boot"], edge["seq"])
        with self.lock:
            self.received += 1
            if key not in self.stored:
                self.stored[key] = dict(edge)
                self.order.append(key)
        return {"ok": True}

    def _on_gate_event(self, sid, edge):
        result = self._store(edge)
        with self.lock:
            drop = self.drop_after_store > 0
            if drop:
                self.drop_after_store -= 1
        if drop:
            # Stored, but the connection dies before the ack: the agent must resend.
            self.sio.disconnect(sid, namespace="/timing")
        return result

    def _on_gate_events(self, sid, edges):
        if len(edges) > self.max_batch:
            # As the scoreboard refuses an oversized batch: one dict for the whole list.
            return {"ok": False, "error": f"body: a list of at most {self.max_batch} gate events"}
        return [self._store(edge) for edge in edges]

    def _on_clock(self, sid, data):
        return {"now_us": time.time_ns() // 1000 + self.clock_offset_us}

    def _on_status(self, sid, status):
        with self.lock:
            self.statuses.append(status)

    def start(self) -> TinyServer:
        # Restarting on the same port can briefly collide with a client socket that a
        # retrying agent bound to it (a TCP self-connect), so binding is retried.
        deadline = time.monotonic() + 5
        while True:
            try:
                self._http = make_server("127.0.0.1", self.port, self.app, threaded=True,
                                         request_handler=_QuietHandler)
                break
            except (OSError, SystemExit):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        threading.Thread(target=self._http.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Go down: drop every client and stop listening (the store is kept)."""
        for namespace in ("/timing", "/live"):
            for sid, _ in list(self.sio.manager.get_participants(namespace, None)):
                self.sio.disconnect(sid, namespace=namespace)
        self._http.shutdown()
        self._http.server_close()
        self._build()

    def emit_run(self, run: dict) -> None:
        self.sio.emit("run", run, namespace="/live")

    def stored_edges(self) -> list[dict]:
        with self.lock:
            return [self.stored[key] for key in self.order]


def wait_for(predicate, timeout=10.0, interval=0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
