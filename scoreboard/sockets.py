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

from flask import Flask, current_app, request
from flask_socketio import Namespace, SocketIO, emit
from socketio.exceptions import ConnectionRefusedError as Refused
from sqlalchemy import select

from scoreboard.config import instance_dir
from scoreboard.live import live
from scoreboard.models import Run
from scoreboard.services import runs, tokens
from scoreboard.services.accounts import find_token
from scoreboard.services.devices import status_problem

log = logging.getLogger(__name__)
MAX_BATCH = 500
UNAUTHORIZED = {"ok": False, "error": "unauthorized"}
# not stored, and not the edge's fault: the agent keeps it for a valid token
REVOKED = {"ok": False, "retry": True,
           "error": "unauthorized: this token was revoked; not stored (token sudah dicabut)"}


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

    def connected(self, sid: str, token_name: str, token_id: int | None = None,
                  sources: list[str] | None = None) -> None:
        """`sources`: the devices the agent's token is bound to (None: unbound)."""
        with self._lock:
            self._by_sid[sid] = {"token": token_name, "connected_at": time.time(), "status": None,
                                 "token_id": token_id, "sources": sources, "refused": {}}

    def refused(self, sid: str, source: str) -> None:
        """Count an edge refused because its source is not one of the token's devices."""
        with self._lock:
            if sid in self._by_sid:
                counts = self._by_sid[sid]["refused"]
                counts[source] = counts.get(source, 0) + 1

    def report(self, sid: str, status: dict[str, Any]) -> None:
        with self._lock:
            if sid in self._by_sid:
                self._by_sid[sid]["status"] = status
                self._by_sid[sid]["reported_at"] = time.time()

    def gone(self, sid: str) -> None:
        with self._lock:
            self._by_sid.pop(sid, None)

    def entry(self, sid: str) -> dict[str, Any] | None:
        """A copy of a connected agent's record, or None for any other client."""
        with self._lock:
            found = self._by_sid.get(sid)
            return dict(found) if found is not None else None

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(v, sid=k, refused=dict(v["refused"])) for k, v in self._by_sid.items()]


class RevokeWatch:
    """Closes this server process's `/timing` connections whose token has been revoked.

    `kejurda token revoke` runs in another process, maybe on another machine, so the
    database is the only thing every server process shares: while agents are connected,
    one indexed query every `interval` seconds asks which of their tokens were revoked
    (several workers each ask for their own connections). Every event an agent sends is
    checked as well, so nothing is stored for a revoked token in between.
    """

    def __init__(self, app: Flask, interval: float) -> None:
        self.app = app
        self.socketio = app.extensions["socketio"]
        self.interval = interval
        self._lock = threading.Lock()
        self._token_of: dict[str, int] = {}
        self._running = False

    def add(self, sid: str, token_id: int) -> None:
        """Watch a new connection; the watching task runs only while there is one."""
        with self._lock:
            self._token_of[sid] = token_id
            if self._running:
                return
            self._running = True
        self.socketio.start_background_task(self._loop)

    def discard(self, sid: str) -> None:
        with self._lock:
            self._token_of.pop(sid, None)

    def _loop(self) -> None:
        while True:
            self.socketio.sleep(self.interval)
            with self._lock:
                if not self._token_of:
                    self._running = False
                    return
            try:
                self.check()
            except Exception:  # a database hiccup must not end the watch
                log.exception("checking agent tokens for revocation failed")

    def check(self) -> list[str]:
        """Close every watched connection of a revoked token now; returns their sids."""
        with self._lock:
            watched = dict(self._token_of)
        db = self.app.extensions["kejurda_db"]
        try:
            revoked = tokens.revoked_among(db.session, set(watched.values()))
        finally:
            db.remove()
        closing = [sid for sid, token_id in watched.items() if token_id in revoked]
        for sid in closing:
            self.close(sid)
        return closing

    def close(self, sid: str) -> None:
        """Close one `/timing` connection held by this process.

        The agent leaves the registry here, not only in the disconnect handler: an agent
        that closes its side at the same moment makes python-socketio drop the connection's
        environ before that handler runs, and Flask-SocketIO then skips the handler.
        """
        self.discard(sid)
        agents = live(self.app).agents
        entry = agents.entry(sid)
        log.warning("closing /timing connection %s: token %s was revoked", sid,
                    entry["token"] if entry else "?")
        agents.gone(sid)
        self.socketio.server.disconnect(sid, namespace="/timing", ignore_queue=True)


def revoke_watch() -> RevokeWatch:
    """This app's watch, made at the first agent connection."""
    app = current_app._get_current_object()
    watch = app.extensions.get("kejurda_revoke_watch")
    if watch is None:
        watch = app.extensions.setdefault("kejurda_revoke_watch", RevokeWatch(
            app, float(app.config["KEJURDA_TOKEN_CHECK_S"])))
    return watch


class TimingNamespace(Namespace):
    """Agents push gate edges here; every connection must carry a live agent token."""

    def on_connect(self, auth: Any = None) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        db = _db()
        try:
            row = find_token(db.session, token, revoked=True) if isinstance(token, str) else None
            if row is not None and row.role == "agent" and not row.revoked:
                live().agents.connected(request.sid, row.name, row.id, row.sources)
                revoke_watch().add(request.sid, row.id)
                log.info("agent %s connected (%s)", row.name, request.sid)
                return
        finally:
            db.remove()
        log.warning("refused /timing connection from %s%s", request.remote_addr,
                    f" (token {row.name} revoked)" if row is not None and row.revoked else "")
        # python-socketio's own exception: its message reaches the client
        # (the built-in one refuses too, but says only "Connection refused by server")
        if row is not None and row.revoked:
            raise Refused("unauthorized: this token was revoked (token sudah dicabut)")
        raise Refused("unauthorized: an agent token is required (token agen diperlukan)")

    def on_disconnect(self, *_args) -> None:
        live().agents.gone(request.sid)
        revoke_watch().discard(request.sid)

    def trigger_event(self, event: str, *args: Any) -> Any:
        """Gate edges are handled in the app's context alone: Flask-SocketIO would build a
        Flask request for each (its URL matched, its cookies and session read), and an
        agent's connection has none of them; cold, that took 0.4 ms of an edge's way to
        the screens (docs/performance.md, "No Flask request per edge"). Everything else
        goes through Flask-SocketIO as usual."""
        handler = self._EDGE_EVENTS.get(event)
        environ = self.socketio.server.get_environ(args[0], self.namespace) if handler else None
        if handler is None or not environ:  # not ours, or a client it has no record of
            return super().trigger_event(event, *args)
        with environ["flask.app"].app_context():
            return handler(self, *args)

    def _gate_event(self, sid: str, data: Any = None, *extra: Any) -> dict[str, Any]:
        entry = live().agents.entry(sid)
        if entry is None:
            return UNAUTHORIZED
        if extra:  # a handler that raised TypeError here would never ack at all
            return {"ok": False,
                    "error": f"edge: one object per gate_event (got {1 + len(extra)} arguments)"}
        return self._store(sid, entry, [data])[0]

    def _gate_events(self, sid: str, data: Any = None,
                     *_extra: Any) -> list[dict[str, Any]] | dict[str, Any]:
        """Extension: a batch of edges, acked with one result per edge, in order."""
        entry = live().agents.entry(sid)
        if entry is None:
            return UNAUTHORIZED
        if not isinstance(data, list) or len(data) > MAX_BATCH:
            return {"ok": False, "error": f"body: a list of at most {MAX_BATCH} gate events"}
        return self._store(sid, entry, data)

    _EDGE_EVENTS = {"gate_event": _gate_event, "gate_events": _gate_events}

    @staticmethod
    def _store(sid: str, entry: dict[str, Any], edges: list[Any]) -> list[dict[str, Any]]:
        """One ack per edge; a server fault acks every edge "send again", storing none.

        Edges from a source the token is not bound to are refused (and logged) one by
        one; the others of the same batch are stored as usual.
        """
        acks = [tokens.foreign_source(edge, entry["sources"]) for edge in edges]
        wanted = [edge for edge, ack in zip(edges, acks, strict=True) if ack is None]
        db = _db()
        try:
            if tokens.is_revoked(db.session, entry["token_id"]):
                revoke_watch().close(sid)
                return [REVOKED for _ in edges]
            stored = iter(runs.record_edges(db.session, wanted) if wanted else [])
        except Exception:
            log.exception("storing %d gate event(s) failed", len(wanted))
            db.session.rollback()
            return [{"ok": False, "retry": True, "error": "server error; not stored, send again"}
                    for _ in edges]
        finally:
            db.remove()
        _log_refused(sid, entry, [edge for edge, ack in zip(edges, acks, strict=True) if ack])
        return [ack or next(stored) for ack in acks]

    def on_agent_status(self, data: Any = None, *_extra: Any) -> dict[str, Any]:
        if live().agents.entry(request.sid) is None:
            return UNAUTHORIZED
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


def _log_refused(sid: str, entry: dict[str, Any], edges: list[dict[str, Any]]) -> None:
    """One log line per refused source in a batch (a batch may hold hundreds)."""
    by_source: dict[str, int] = {}
    for edge in edges:
        by_source[edge["source"]] = by_source.get(edge["source"], 0) + 1
        live().agents.refused(sid, edge["source"])
    for source, count in by_source.items():
        log.warning("refused %d gate event(s) from source %r: agent token %s is bound to %s",
                    count, source, entry["token"], ", ".join(entry["sources"] or ()))


def register_namespaces(socketio: SocketIO) -> None:
    socketio.on_namespace(TimingNamespace("/timing"))
    socketio.on_namespace(LiveNamespace("/live"))
