"""Socket.IO namespaces (docs/contract.md §5): `/timing` for agents, `/live` for everyone.

Handlers stay a few lines: authorise, call a service, return the ack.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
import uuid
from typing import Any

from flask import current_app, request
from flask_socketio import Namespace, SocketIO, emit
from socketio.exceptions import ConnectionRefusedError as Refused
from sqlalchemy import select

from scoreboard.config import instance_dir
from scoreboard.live import live
from scoreboard.models import Run
from scoreboard.services import runs
from scoreboard.services.accounts import find_token
from scoreboard.services.devices import status_problem

log = logging.getLogger(__name__)
MAX_BATCH = 500


@functools.cache
def server_id() -> str:
    """Which installation answers (kept in the instance folder, so every worker of one
    server says the same and a promoted standby says something else): an agent, tablet or
    pad that sees another one sends what it had confirmed recently once more
    (hardware/agent.py, static/js/resend.js; docs/data-safety.md)."""
    path = instance_dir() / "server_id"
    try:
        return path.read_text().strip() or _new_server_id(path)
    except FileNotFoundError:
        return _new_server_id(path)


def _new_server_id(path) -> str:
    value = uuid.uuid4().hex[:12]
    path.write_text(value)
    return value


def _db():
    return current_app.extensions["kejurda_db"]


class AgentRegistry:
    """The latest status each connected agent reported (for the devices page); one per app
    (`scoreboard.live.Live.agents`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_sid: dict[str, dict[str, Any]] = {}

    def connected(self, sid: str, token_name: str) -> None:
        with self._lock:
            self._by_sid[sid] = {"token": token_name, "connected_at": time.time(), "status": None}

    def report(self, sid: str, status: dict[str, Any]) -> None:
        with self._lock:
            if sid in self._by_sid:
                self._by_sid[sid]["status"] = status
                self._by_sid[sid]["reported_at"] = time.time()

    def gone(self, sid: str) -> None:
        with self._lock:
            self._by_sid.pop(sid, None)

    def is_agent(self, sid: str) -> bool:
        with self._lock:
            return sid in self._by_sid

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(v, sid=k) for k, v in self._by_sid.items()]


class TimingNamespace(Namespace):
    """Agents push gate edges here; every connection must carry an agent token."""

    def on_connect(self, auth: Any = None) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        db = _db()
        try:
            row = find_token(db.session, token) if isinstance(token, str) else None
        finally:
            db.remove()
        if row is None or row.role != "agent":
            log.warning("refused /timing connection from %s", request.remote_addr)
            # python-socketio's own exception: its message reaches the client
            # (the built-in one refuses too, but says only "Connection refused by server")
            raise Refused("unauthorized: an agent token is required (token agen diperlukan)")
        live().agents.connected(request.sid, row.name)
        log.info("agent %s connected (%s)", row.name, request.sid)

    def on_disconnect(self, *_args) -> None:
        live().agents.gone(request.sid)

    def _guard(self) -> bool:
        return live().agents.is_agent(request.sid)

    def on_gate_event(self, data: Any = None, *extra: Any) -> dict[str, Any]:
        if not self._guard():
            return {"ok": False, "error": "unauthorized"}
        if extra:  # a handler that raised TypeError here would never ack at all
            return {"ok": False,
                    "error": f"edge: one object per gate_event (got {1 + len(extra)} arguments)"}
        return self._store([data])[0]

    def on_gate_events(self, data: Any = None, *_extra: Any) -> list[dict[str, Any]] | dict[str, Any]:
        """Extension: a batch of edges, acked with one result per edge, in order."""
        if not self._guard():
            return {"ok": False, "error": "unauthorized"}
        if not isinstance(data, list) or len(data) > MAX_BATCH:
            return {"ok": False, "error": f"body: a list of at most {MAX_BATCH} gate events"}
        return self._store(data)

    @staticmethod
    def _store(edges: list[Any]) -> list[dict[str, Any]]:
        """One ack per edge; a server fault acks every edge "send again", storing none."""
        db = _db()
        try:
            return runs.record_edges(db.session, edges)
        except Exception:
            log.exception("storing %d gate event(s) failed", len(edges))
            db.session.rollback()
            return [{"ok": False, "retry": True, "error": "server error; not stored, send again"}
                    for _ in edges]
        finally:
            db.remove()

    def on_agent_status(self, data: Any = None, *_extra: Any) -> dict[str, Any]:
        if not self._guard():
            return {"ok": False, "error": "unauthorized"}
        if not isinstance(data, dict):
            return {"ok": False, "error": "body: must be an object"}
        problem = status_problem(data)
        if problem:
            return {"ok": False, "error": problem}
        live().agents.report(request.sid, data)
        return {"ok": True}

    def on_clock(self, *_args: Any) -> dict[str, Any]:
        """Extension: the server's clock for an agent's offset estimate."""
        return {"now_us": runs.now_us(), "server": server_id()}


class LiveNamespace(Namespace):
    """Read-only broadcasts to anyone; a client can ask for the current state, nothing more."""

    def on_connect(self, auth: Any = None) -> None:
        emit("snapshot", self._snapshot())

    def on_sync(self, *_args) -> dict[str, Any]:
        return self._snapshot()

    def _snapshot(self) -> dict[str, Any]:
        db = _db()
        try:
            active = db.session.scalars(select(Run).where(
                Run.status.in_(runs.HOLDS_TRACK)).order_by(Run.id)).all()
            return {"now_us": runs.now_us(), "runs": [runs.run_dict(r) for r in active]}
        finally:
            db.remove()

    def trigger_event(self, event: str, *args):
        # Only the read-only events above exist here; anything else does nothing.
        if event in ("connect", "disconnect", "sync"):
            return super().trigger_event(event, *args)
        return None


def register_namespaces(socketio: SocketIO) -> None:
    socketio.on_namespace(TimingNamespace("/timing"))
    socketio.on_namespace(LiveNamespace("/live"))
