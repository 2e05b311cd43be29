"""The timing agent: runs the gate sources and ships their edges to the server.

Every edge goes first into the durable outbox (``sink = outbox.put``), then a sender
thread ships the outbox oldest-first to the Socket.IO namespace ``/timing`` as
``gate_event`` and deletes an edge only when the server acks ``{"ok": true}``. An
``{"ok": false}`` ack parks the edge in the outbox's ``rejected`` table. Several edges
are kept in flight (a window) so a fast LAN is not limited by one round trip per edge.

Extension (docs/contract.md §5 allows extending): if the server answers a probe ``gate_events``
``[]`` with the ack ``[]``, the agent ships lists of edges with ``gate_events`` and
expects the ack to be a list of per-edge results (``{"ok": true}`` or
``{"ok": false, "error"}``) in the same order. Servers without it keep ``gate_event``.

Several servers (a primary and its warm standby): the agent uses one at a time and, when
it cannot reach it, tries the next, so it moves to whichever answers as primary (a
standby does not serve until promoted). A server that answers the ``clock`` probe with
its ``"server"`` id and is not the one the agent talked to before gets every edge acked
within the outbox's window again (``Outbox.requeue_acked``): what the old primary acked
but had not passed on to its standby is stored once by the new one.

Extension ``clock``: the agent emits ``{"agent_us": T0}`` and a server that answers
``{"now_us": S}`` (its wall clock, µs) lets the agent shift each edge's ``t_epoch_us`` into server time
(``hardware.clock_server``), widening ``t_epoch_err_us`` by the estimate's doubt. ``t_us``
is never changed. Without an answer, edges keep the source's own ``t_epoch_us``.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from typing import IO, Any

import socketio

from hardware.backoff import Backoff
from hardware.clock_server import ClockOffset, HostClock
from hardware.outbox import Outbox
from hardware.source import Edge, Source
from hardware.tls import socketio_options

log = logging.getLogger(__name__)

NAMESPACE = "/timing"
STATUS_EVERY_S = 2.0
SUMMARY_EVERY_S = 60.0
SETTLE_BATCH = 64
SETTLE_EVERY_S = 0.05
ACK_TIMEOUT_S = 10.0
AUTH_RETRY_S = 30.0
DRAIN_S = 2.0
RETRY_PAUSE_S = 1.0
PROBE_WAIT_S = 1.0
CLOCK_FIRST_PROBES = 5
CLOCK_EVERY_S = 10.0


@functools.cache
def agent_version() -> str:
    """The installed kejurda version, or "dev" when running from a bare checkout."""
    try:
        return metadata.version("kejurda")
    except metadata.PackageNotFoundError:
        return "dev"


class _Link:
    """One Socket.IO connection to ``/timing`` and the edges in flight on it."""

    def __init__(self, client: socketio.Client) -> None:
        self.client = client
        self.gone = threading.Event()
        self.batch = False
        self.cursor = 0
        self.last_status = 0.0
        self.last_clock = 0.0
        self.clock_probes = 0
        # Set once the server answered (or ignored) the probes sent at connect, so the
        # first edges already use batches and the server-clock offset if available.
        self.probes_left = 0
        self.probes_done = threading.Event()

    def probe_answered(self) -> None:
        """One connect-time probe got its answer."""
        self.probes_left -= 1
        if self.probes_left <= 0:
            self.probes_done.set()


class Agent:
    """Runs sources into a durable outbox and ships the outbox to the server."""

    def __init__(
        self,
        server_url: str | Sequence[str],
        token: str,
        sources: Sequence[Source],
        data_dir: str | os.PathLike,
        name: str | None = None,
        window: int = 64,
        batch_size: int = 128,
        use_batches: bool = True,
        auth_retry_s: float = AUTH_RETRY_S,
        tls_pin: bytes | None = None,
        wall: Callable[[], int] | None = None,
    ) -> None:
        self.servers = [server_url] if isinstance(server_url, str) else list(server_url)
        self._server_index = 0
        self._server_id: str | None = None
        self.token = token
        self.sources = list(sources)
        self.data_dir = os.fspath(data_dir)
        self.name = name or socket.gethostname()
        self.window = window
        self.batch_size = batch_size
        self.use_batches = use_batches
        self.auth_retry_s = auth_retry_s
        self.tls_pin = tls_pin  # SHA-256 of the server's certificate (hardware/tls.py)
        self.outbox: Outbox | None = None
        self._wake = threading.Event()
        self._halt = threading.Event()
        self._lock = threading.Lock()
        self._inflight: dict[int, float] = {}
        self._acked: list[int] = []
        self._refused: list[tuple[int, str]] = []
        self._retry_from: int | None = None
        self._pause_until = 0.0
        self._last_summary = 0.0
        self._last_settle = 0.0
        self._connected = threading.Event()
        self.delivered = 0
        self.clock = ClockOffset()
        self.host = HostClock(self.clock, wall)  # the scale of the clock round trips

    @property
    def server_url(self) -> str:
        """The server in use (or tried next)."""
        return self.servers[self._server_index]

    def _next_server(self) -> None:
        """After a failed connect: the next of several servers is tried next."""
        if len(self.servers) > 1:
            self._server_index = (self._server_index + 1) % len(self.servers)
            log.info("trying next server=%s", self.server_url)

    def _server_seen(self, server_id: Any) -> None:
        """The server's id from its clock answer; a different server gets the acked window."""
        if not isinstance(server_id, str) or server_id == self._server_id:
            return
        previous, self._server_id = self._server_id, server_id
        if previous is not None:
            queued = self.outbox.requeue_acked()
            log.warning("server changed (%s -> %s); %d recently acked edges sent again",
                        previous, server_id, queued)
            self._wake.set()

    # -- lifecycle ---------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Run until ``stop`` is set, then flush for up to ~2 s and return.

        Raises DataDirBusy if another agent already uses ``data_dir``.
        """
        os.makedirs(self.data_dir, exist_ok=True)
        dir_lock = lock_data_dir(self.data_dir)
        try:
            self._run(stop)
        finally:
            if dir_lock is not None:
                dir_lock.close()

    def _run(self, stop: threading.Event) -> None:
        self.outbox = Outbox(os.path.join(self.data_dir, "outbox.sqlite3"))
        log.info(
            "agent starting name=%s server=%s sources=%s depth=%d",
            self.name, self.server_url, [s.name for s in self.sources], self.outbox.depth(),
        )
        sources_stop = threading.Event()
        threads = [
            threading.Thread(
                target=self._supervise, args=(source, sources_stop),
                name=f"source-{source.name}", daemon=True,
            )
            for source in self.sources
        ]
        sender = threading.Thread(target=self._send_forever, name="sender", daemon=True)
        for thread in (*threads, sender):
            thread.start()
        stop.wait()
        log.info("agent stopping name=%s", self.name)
        sources_stop.set()
        deadline = time.monotonic() + DRAIN_S
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        while time.monotonic() < deadline and self.outbox.depth() and self._connected.is_set():
            self._wake.set()
            time.sleep(0.02)
        self._halt.set()
        self._wake.set()
        # A connect in progress cannot be interrupted; the sender is a daemon and stops
        # at its next check of the halt flag.
        sender.join(timeout=1.0)
        with self._lock:
            depth = self.outbox.depth()
            self.outbox.close()
        log.info("agent stopped name=%s outbox_depth=%d delivered=%d", self.name, depth,
                 self.delivered)

    def sink(self, edge: Edge) -> bool:
        """Commit ``edge`` to the outbox (returns after the commit) and wake the sender."""
        added = self.outbox.put(edge)
        if added:
            log.debug("edge queued source=%s boot=%s seq=%s gate=%s edge=%s t_us=%s",
                      edge["source"], edge["boot"], edge["seq"], edge["gate"],
                      edge["edge"], edge["t_us"])
        self._wake.set()
        return added

    def _supervise(self, source: Source, stop: threading.Event) -> None:
        """Run one source; restart it with backoff if it crashes or returns early."""
        backoff = Backoff(1.0, 30.0)
        while not stop.is_set():
            started = time.monotonic()
            try:
                source.run(self.sink, stop)
                if stop.is_set():
                    return
                log.warning("source returned early name=%s", source.name)
            except Exception:
                log.exception("source crashed name=%s", source.name)
            if time.monotonic() - started > 60:
                backoff.reset()
            stop.wait(backoff.next())

    # -- connection ----------------------------------------------------------------------

    def _send_forever(self) -> None:
        """Connect, pump, reconnect with backoff, until halted. Never dies on an error."""
        # with a standby to move to, a lost primary is retried quickly
        backoff = Backoff(0.5, 2.0) if len(self.servers) > 1 else Backoff()
        while not self._halt.is_set():
            try:
                link, refused = self._connect()
            except Exception:
                log.exception("connect failed unexpectedly server=%s", self.server_url)
                link, refused = None, False
            if link is None:
                self._next_server()
                self._halt.wait(self.auth_retry_s if refused else backoff.next())
                continue
            connected_at = time.monotonic()
            self._connected.set()
            try:
                self._pump(link)
            except socketio.exceptions.SocketIOError as exc:
                log.warning("link lost server=%s: %s", self.server_url, exc)
            except Exception:
                if not self._halt.is_set():
                    log.exception("sender failed; reconnecting server=%s", self.server_url)
            finally:
                self._connected.clear()
                self._drop_link(link)
            # A server that accepts and then drops us at once must not be hammered.
            if time.monotonic() - connected_at > 5:
                backoff.reset()
            else:
                self._halt.wait(backoff.next())

    def _connect(self) -> tuple[_Link | None, bool]:
        """Open a connection; returns (link, False), or (None, refused_for_auth)."""
        client = socketio.Client(reconnection=False, **socketio_options(self.tls_pin))
        link = _Link(client)
        refusals: list[Any] = []

        def on_connect_error(data: Any = None) -> None:
            # The server's refusal carries a dict ({"message": ...}); a transport failure
            # is reported locally with a plain string.
            if isinstance(data, dict):
                refusals.append(data)

        def on_disconnect(*_reason: Any) -> None:
            link.gone.set()
            self._wake.set()

        client.on("connect_error", on_connect_error, namespace=NAMESPACE)
        client.on("disconnect", on_disconnect, namespace=NAMESPACE)
        try:
            client.connect(
                self.server_url, namespaces=[NAMESPACE], auth={"token": self.token},
                transports=["websocket"], wait_timeout=5,
            )
        except socketio.exceptions.ConnectionError as exc:
            if refusals:
                log.error(
                    "server refused the agent at connect (check --token and its role 'agent');"
                    " retrying in %.0fs server=%s reason=%s",
                    self.auth_retry_s, self.server_url, _reason(refusals[-1]),
                )
                return None, True
            log.warning("cannot reach server=%s: %s", self.server_url, exc)
            return None, False
        log.info("connected server=%s namespace=%s depth=%d", self.server_url, NAMESPACE,
                 self.outbox.depth())
        self.clock.reset()
        link.probes_left = 2 if self.use_batches else 1
        if self.use_batches:
            client.emit("gate_events", [], namespace=NAMESPACE,
                        callback=lambda *ack: self._on_probe(link, ack))
        self._ask_time(link)
        return link, False

    def _on_probe(self, link: _Link, ack: tuple) -> None:
        if len(ack) == 1 and ack[0] == []:
            link.batch = True
            log.info("server accepts gate_events batches server=%s", self.server_url)
        link.probe_answered()

    def _ask_time(self, link: _Link) -> None:
        """Send a ``clock`` probe; its ack refines the server-clock offset."""
        link.last_clock = time.monotonic()
        link.clock_probes += 1
        t0_us = self.host.now_us()
        link.client.emit("clock", {"agent_us": t0_us}, namespace=NAMESPACE,
                         callback=lambda *ack: self._on_time(link, t0_us, ack))

    def _on_time(self, link: _Link, t0_us: int, ack: tuple) -> None:
        t1_us = self.host.now_us()
        answer = ack[0] if len(ack) == 1 else None
        server_us = None
        if isinstance(answer, dict):
            # The scoreboard answers {"now_us": S}; "server_us" is accepted as well.
            server_us = answer.get("now_us", answer.get("server_us"))
            self._server_seen(answer.get("server"))
        if isinstance(server_us, int) and not isinstance(server_us, bool):
            self.clock.add(t0_us, server_us, t1_us)
        # The first probes go one after another, each as soon as the previous is answered,
        # so that shipping starts with an estimate from the fastest of several trips.
        if link.clock_probes < CLOCK_FIRST_PROBES:
            try:
                self._ask_time(link)
            except socketio.exceptions.SocketIOError:
                link.probe_answered()
        elif link.clock_probes == CLOCK_FIRST_PROBES:
            estimate = self.clock.estimate()
            if estimate is not None:
                log.info("server clock offset_us=%d err_us=%d server=%s", *estimate,
                         self.server_url)
            link.probe_answered()

    def _drop_link(self, link: _Link) -> None:
        with self._lock:
            lost = len(self._inflight)
            self._inflight.clear()
            self._retry_from = None
        # websocket-client waits up to 3 s for the server's close frame; nothing we need
        # depends on it, so the close runs aside and shutdown stays within its budget.
        closer = threading.Thread(target=_close_quietly, args=(link.client,),
                                  name="close-link", daemon=True)
        closer.start()
        closer.join(timeout=0.5)
        if not self._halt.is_set():
            log.warning("disconnected server=%s unacked=%d (kept in outbox)",
                        self.server_url, lost)

    # -- pumping -------------------------------------------------------------------------

    def _pump(self, link: _Link) -> None:
        """Ship the outbox on ``link`` until it drops or the agent halts."""
        if not link.probes_done.wait(PROBE_WAIT_S):
            log.info("server did not answer the gate_events/clock probes within %.0fs; "
                     "sending single gate_event with local wall time server=%s",
                     PROBE_WAIT_S, self.server_url)
        while not self._halt.is_set() and not link.gone.is_set():
            self._wake.clear()
            self._settle_acks(force=False)
            self._send_status(link)
            self._sync_clock(link)
            self._expire_inflight(link)
            window = max(self.window, 4 * self.batch_size) if link.batch else self.window
            with self._lock:
                inflight = len(self._inflight)
            free = window - inflight
            # Refill by quarter windows: one outbox read per many acks, not one per ack.
            if (inflight and free < window // 4) or time.monotonic() < self._pause_until:
                free = 0
            sent = self._send_some(link, free) if free > 0 else False
            if not sent:
                self._wake.wait(0.1)
        self._settle_acks()

    def _send_some(self, link: _Link, free: int) -> bool:
        """Emit up to ``free`` queued edges not yet in flight; True if it made progress."""
        limit = min(free, self.batch_size) if link.batch else free
        rows = self.outbox.peek(limit, after_id=link.cursor)
        if not rows:
            return False
        link.cursor = rows[-1][0]
        now = time.monotonic()
        with self._lock:
            rows = [(i, e) for i, e in rows if i not in self._inflight]
            for edge_id, _ in rows:
                self._inflight[edge_id] = now
        if not rows:
            return True
        rows = [(edge_id, self.clock.to_server_time(edge)) for edge_id, edge in rows]
        if link.batch:
            ids = [edge_id for edge_id, _ in rows]
            link.client.emit("gate_events", [edge for _, edge in rows], namespace=NAMESPACE,
                             callback=lambda *ack: self._on_batch_ack(link, ids, ack))
            return True
        for edge_id, edge in rows:
            link.client.emit("gate_event", edge, namespace=NAMESPACE,
                             callback=lambda *ack, i=edge_id: self._on_ack(i, ack))
        return True

    def _on_ack(self, edge_id: int, ack: tuple) -> None:
        """Ack of one ``gate_event`` (runs on the client's reader thread)."""
        result = ack[0] if len(ack) == 1 else None
        with self._lock:
            self._inflight.pop(edge_id, None)
            self._record(edge_id, result)
        self._wake.set()

    def _on_batch_ack(self, link: _Link, ids: list[int], ack: tuple) -> None:
        """Ack of a ``gate_events`` list: one result per edge, in order."""
        results = ack[0] if len(ack) == 1 else None
        garbled = not (isinstance(results, list) and len(results) == len(ids))
        with self._lock:
            if not garbled:
                for edge_id, result in zip(ids, results, strict=True):
                    self._inflight.pop(edge_id, None)
                    self._record(edge_id, result)
            else:
                # The whole batch was refused or garbled: fall back to single gate_event
                # on this connection and send these edges again one by one.
                link.batch = False
                for edge_id in ids:
                    self._inflight.pop(edge_id, None)
                    self._resend_from(edge_id)
        if garbled:
            log.error("gate_events ack for %d edges was not a list of results: %r;"
                      " sending single gate_event instead", len(ids), ack)
        self._wake.set()

    def _record(self, edge_id: int, result: Any) -> None:
        """File one ack result; caller holds the lock."""
        if isinstance(result, dict) and result.get("ok") is True:
            self._acked.append(edge_id)
        elif isinstance(result, dict) and result.get("ok") is False and result.get("retry"):
            # The server could not store it this time (its own error): not a refusal.
            log.warning("server asks to resend outbox id=%d error=%s", edge_id,
                        result.get("error"))
            self._resend_from(edge_id)
            self._pause_until = time.monotonic() + RETRY_PAUSE_S
        elif isinstance(result, dict) and result.get("ok") is False:
            self._refused.append((edge_id, str(result.get("error", "no reason given"))))
        else:
            log.error("malformed ack for outbox id=%d: %r; will resend", edge_id, result)
            self._resend_from(edge_id)

    def _resend_from(self, edge_id: int) -> None:
        """Make the pump send ``edge_id`` again; caller holds the lock."""
        if self._retry_from is None or edge_id < self._retry_from:
            self._retry_from = edge_id

    def _expire_inflight(self, link: _Link) -> None:
        """Edges whose ack is overdue are sent again (the server dedupes)."""
        cutoff = time.monotonic() - ACK_TIMEOUT_S
        with self._lock:
            late = [i for i, sent in self._inflight.items() if sent < cutoff]
            for edge_id in late:
                del self._inflight[edge_id]
                self._resend_from(edge_id)
            retry_from, self._retry_from = self._retry_from, None
        if late:
            log.warning("no ack within %.0fs for %d edges (first outbox id=%d); resending",
                        ACK_TIMEOUT_S, len(late), min(late))
        if retry_from is not None:
            link.cursor = min(link.cursor, retry_from - 1)

    def _settle_acks(self, force: bool = True) -> None:
        """Delete acked edges and park refused ones, in one place and in batches.

        Unless forced, waits until SETTLE_BATCH results or SETTLE_EVERY_S have gathered:
        one delete per ack would cost more than the sending itself.
        """
        now = time.monotonic()
        with self._lock:
            pending = len(self._acked) + len(self._refused)
            if not pending or (not force and pending < SETTLE_BATCH
                               and now - self._last_settle < SETTLE_EVERY_S):
                return
            self._last_settle = now
            acked, self._acked = self._acked, []
            refused, self._refused = self._refused, []
        if acked:
            # Counted from what really left the outbox: duplicate acks do not count twice.
            self.delivered += self.outbox.delete(acked)
        for edge_id, error in refused:
            if self.outbox.reject(edge_id, error):
                log.error("server refused edge outbox_id=%d error=%s (kept in rejected table)",
                          edge_id, error)

    def _sync_clock(self, link: _Link) -> None:
        """After the connect-time probes, one clock probe every CLOCK_EVERY_S."""
        step = self.host.watch()
        if step is not None:
            log.warning("this host's wall clock stepped by %+d us; edges and the server "
                        "clock offset keep the monotonic scale", step)
        if link.probes_done.is_set() and time.monotonic() - link.last_clock >= CLOCK_EVERY_S:
            self._ask_time(link)

    def _send_status(self, link: _Link) -> None:
        now = time.monotonic()
        if now - link.last_status < STATUS_EVERY_S:
            return
        link.last_status = now
        status = self.status()
        link.client.emit("agent_status", status, namespace=NAMESPACE)
        if now - self._last_summary >= SUMMARY_EVERY_S:
            # One line a minute in the journal: enough to see a stuck or growing outbox.
            self._last_summary = now
            log.info("agent status name=%s outbox_depth=%d delivered=%d rejected=%d",
                     self.name, status["outbox_depth"], self.delivered, status["rejected"])

    def status(self) -> dict:
        """The ``agent_status`` payload: name, sources' health, outbox depth, version."""
        sources = []
        for source in self.sources:
            try:
                sources.append(source.status())
            except Exception as exc:
                sources.append({"name": source.name, "errors": {"status": str(exc)}})
        return {
            "agent": self.name,
            "sources": sources,
            "outbox_depth": self.outbox.depth(),
            "rejected": self.outbox.rejected_count(),
            "delivered": self.delivered,
            "clock": self.clock.status(),
            "version": agent_version(),
        }


class DataDirBusy(RuntimeError):
    """Another agent process already owns this data folder (and its outbox)."""


def lock_data_dir(data_dir: str) -> IO | None:
    """Lock ``<data_dir>/agent.lock`` for this agent's lifetime (None where unsupported).

    Two agents on one outbox would both ship it; harmless for the server, but it hides
    a mistake (e.g. a second service started by hand), so it is refused.
    """
    try:
        import fcntl
    except ImportError:
        return None
    handle = open(os.path.join(data_dir, "agent.lock"), "a+")  # noqa: SIM115
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        handle.close()
        raise DataDirBusy(f"another agent is already using data dir {data_dir}") from exc
    return handle


def _close_quietly(client: socketio.Client) -> None:
    try:
        client.disconnect()
    except Exception:
        log.debug("disconnect failed", exc_info=True)


def _reason(data: Any) -> str:
    if isinstance(data, dict) and "message" in data:
        return str(data["message"])
    return str(data)
