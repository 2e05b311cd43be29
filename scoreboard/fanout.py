"""Broadcasts written straight to every WebSocket, from the thread that emits them.

Why: in threading mode every Engine.IO client has a writer thread fed by a queue. A
broadcast to 1,000 `/live` screens therefore wakes 1,000 threads, each of which builds its
own WebSocket frame in pure Python (wsproto) while all of them fight for the GIL; that, not
the database, was most of the gate-to-screen latency (docs/performance.md). Here a message
is framed once and the same bytes are handed to each socket with one non-blocking send:
a few microseconds per screen, no thread switch.

What keeps it correct:
- Only clients that opened a WebSocket directly use it (as the projector, the public pages
  and python-socketio clients do). A client that upgraded from long-polling may still have
  messages in its queue, so it keeps the queue, and its order, for its whole life.
- For those clients every Engine.IO MESSAGE goes this way (broadcasts, replies, acks), so
  messages leave in the order they were emitted. PING, NOOP and CLOSE keep the queue: the
  writer thread must keep seeing traffic or it closes the connection, and their order
  relative to messages does not matter.
- Each socket has one lock shared with simple-websocket's own writes (handshake, pongs,
  close), so frames never interleave. Whatever the kernel will not take at once waits in the
  socket's pending buffer, flushed in order by one background thread; a screen more than
  max_pending behind that has taken nothing for stall_s is cut off (it reconnects and
  resyncs from the snapshot), so one stuck phone never holds up the hall or its memory.
"""

from __future__ import annotations

import logging
import selectors
import socket
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from importlib.metadata import version
from typing import Any

import simple_websocket
import socketio
from engineio import packet as eio_packet
from engineio import socket as eio_socket_mod
from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI
from engineio.exceptions import SocketIsClosedError
from socketio import packet as sio_packet
from wsproto.frame_protocol import FrameProtocol

from scoreboard import wsdeflate

log = logging.getLogger(__name__)
SOCKET_KEYS = ("werkzeug.socket", "gunicorn.socket")  # in simple-websocket's order
MAX_PENDING = 4 << 20  # a client this far behind and not reading for STALL_S is cut off
STALL_S = 2.0          # (or 8 × this far behind, reading or not)
CLOSE_GRACE_S = 5.0    # after its session ended, a client's pending bytes get this long
SPLIT_AT = 100         # a broadcast to this many clients or more is written by two threads


def ws_frame(data: str | bytes, deflate: bool = False) -> bytes:
    """One unmasked, final WebSocket frame: text for str, binary for bytes; with `deflate`
    (the client agreed to permessage-deflate) compressed on its own, unless it is too small
    to gain (scoreboard/wsdeflate.py). wsproto (what simple-websocket frames with) builds it;
    a fresh protocol object holds no state."""
    small = len(data) < wsdeflate.MIN_SIZE  # characters or bytes: either will do here
    extensions = [wsdeflate.Deflate()] if deflate and not small else []
    return bytes(FrameProtocol(client=False, extensions=extensions).send_data(data, fin=True))


def packet_frame(pkt: eio_packet.Packet, deflate: bool = False) -> bytes:
    """The frame of an Engine.IO packet, built (and compressed) once per packet object and
    kind: a broadcast hands the same packet to every client."""
    key = "_kejurda_deflated" if deflate else "_kejurda_frame"
    frame = getattr(pkt, key, None)
    if frame is None:
        frame = ws_frame(pkt.encode(), deflate)
        setattr(pkt, key, frame)
    return frame


class Flusher:
    """One thread that writes out what sockets could not take at once, oldest first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: set[FrameSocket] = set()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def watch(self, sock: FrameSocket) -> None:
        with self._lock:
            self._waiting.add(sock)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="kejurda-fanout-flush",
                                                daemon=True)
                self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        # one selector for the thread's life: at the descriptor limit a new one per pass
        # would fail, and a dead flusher would strand every pending byte
        sel = selectors.DefaultSelector()
        while True:
            try:
                self._wake.wait(1.0)
                self._wake.clear()
                self._step(sel)
            except Exception:  # never let one bad socket stop the flushing for all
                log.exception("fan-out flusher")
                time.sleep(0.05)
                self._wake.set()

    def _step(self, sel: selectors.BaseSelector) -> None:
        with self._lock:
            socks = list(self._waiting)
        now = time.monotonic()
        for s in socks:
            if s.expired(now):  # its session has ended and the peer still reads nothing
                s.cut()
                continue
            try:
                sel.register(s.raw, selectors.EVENT_WRITE, s)
            except (ValueError, KeyError, OSError):  # closed meanwhile
                s.fail()
        try:
            ready = sel.select(timeout=0.05) if sel.get_map() else []
        finally:
            for key in list(sel.get_map().values()):
                sel.unregister(key.fileobj)
        for key, _events in ready:
            try:
                key.data.flush()
            except Exception:  # that client is lost; the others go on
                log.exception("fan-out flush")
                key.data.fail()
        with self._lock:
            self._waiting = {s for s in self._waiting if s.has_pending()}
            if self._waiting:
                self._wake.set()


class FrameSocket:
    """Stands in for a connection's socket inside simple-websocket: writes are serialised,
    never block, and keep their order; reads and everything else go to the real socket."""

    def __init__(self, raw: socket.socket, flusher: Flusher | None = None,
                 max_pending: int = MAX_PENDING, stall_s: float = STALL_S) -> None:
        self.raw = raw
        self._flusher = flusher or Flusher()  # install() passes its app's one
        self.max_pending = max_pending
        self.stall_s = stall_s
        self._progress_at = time.monotonic()  # when the peer last took bytes
        self._lock = threading.Lock()
        self._pending = bytearray()
        self.dead = False
        self.deadline: float | None = None  # set when the session ends: flush by then
        self.deflate = False  # the client agreed to permessage-deflate (scoreboard/wshub.py)
        # is the WebSocket still open for messages? (checked under the lock, see write)
        self.alive: Callable[[], bool] = lambda: True

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)

    def send(self, data: bytes, flags: int = 0) -> int:
        """simple-websocket's own writes (handshake, pongs, its Close): always in order."""
        self._write(data, None)
        return len(data)

    sendall = send

    def write_message(self, data: bytes) -> None:
        """A message frame, dropped once the connection is closing: nothing may follow a
        Close frame (RFC 6455 §5.5.1), and simple-websocket marks itself closed before it
        writes its Close, engine.io before its writer closes; both writes take this lock."""
        self._write(data, self.alive)

    def has_pending(self) -> bool:
        with self._lock:
            return bool(self._pending) and not self.dead

    def expired(self, now: float) -> bool:
        return self.deadline is not None and now > self.deadline

    def _write(self, data: bytes, alive: Callable[[], bool] | None) -> None:
        with self._lock:
            if self.dead or (alive is not None and not alive()):
                return
            backlog = len(self._pending)
            if not backlog:
                try:
                    sent = self.raw.send(data, socket.MSG_DONTWAIT)
                except BlockingIOError:
                    sent = 0
                except OSError:
                    self.dead = True
                    return
                if sent:
                    self._progress_at = time.monotonic()
                if sent == len(data):
                    return
                data = data[sent:]
            if self._behind(backlog):
                log.warning("a /live client fell %d bytes behind; disconnecting it", backlog)
                self._cut()
                return
            self._pending += data
        self._flusher.watch(self)

    def _behind(self, backlog: int) -> bool:
        """Behind before this message (one big message is no reason) and not catching up:
        nothing taken for stall_s, or more than 8 × max_pending waiting whatever it takes."""
        if backlog > 8 * self.max_pending:
            return True
        return backlog > self.max_pending and time.monotonic() - self._progress_at > self.stall_s

    def flush(self) -> None:
        with self._lock:
            if self.dead or not self._pending:
                return
            try:
                sent = self.raw.send(self._pending, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return
            except OSError:
                self.dead = True
                self._pending.clear()
                return
            del self._pending[:sent]
            if sent:
                self._progress_at = time.monotonic()

    def fail(self) -> None:
        with self._lock:
            self.dead = True
            self._pending.clear()

    def cut(self) -> None:
        with self._lock:
            self._cut()

    def _cut(self) -> None:
        self.dead = True
        self._pending.clear()
        try:  # the reader thread sees the end of the stream and closes the connection
            self.raw.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class FanoutWebSocket(SimpleWebSocketWSGI):
    """engine.io's threading WebSocket wrapper, with direct clients' sockets registered."""

    registry: dict[str, FrameSocket]  # set per server by install()
    flusher: Flusher  # likewise
    hub: Any = None  # scoreboard/wshub.py's Hub, when it reads this server's clients
    out: FrameSocket | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        eio_socket = getattr(self.app, "__self__", None)
        # the connection's socket, where the server puts it (simple-websocket looks there)
        key = next((k for k in SOCKET_KEYS if k in environ), None)
        raw = environ.get(key) if key else None
        # a plain TCP socket without a timeout: MSG_DONTWAIT means what it says (with a
        # timeout CPython would wait; TLS sockets refuse flags)
        direct = (eio_socket is not None and not eio_socket.connected
                  and type(raw) is socket.socket and raw.gettimeout() is None)
        if not direct:
            return super().__call__(environ, start_response)
        if key == "gunicorn.socket" and self.hub is not None and self.hub.adopt(
                eio_socket, raw, environ):
            raise StopIteration()  # gunicorn's thread is done with it; the hub reads it now
        out = self.out = FrameSocket(raw, self.flusher)
        out.alive = lambda: not eio_socket.closed and getattr(
            getattr(self, "ws", None), "connected", False)
        environ[key] = out  # simple-websocket writes through it too
        self.registry[eio_socket.sid] = out
        try:
            return super().__call__(environ, start_response)
        finally:
            if self.registry.get(eio_socket.sid) is out:
                del self.registry[eio_socket.sid]
            out.fail()

    def close(self) -> None:
        """engine.io's session is over (closed, or the client missed its pings): whatever
        is still pending gets CLOSE_GRACE_S, then the socket is cut, so a phone that went
        silent does not hold its buffer until TCP gives up."""
        super().close()
        if self.out is not None:
            self.out.deadline = time.monotonic() + CLOSE_GRACE_S


# The fan-out reaches into engine.io's and simple-websocket's internals (the `_async`
# table of the server, its private WebSocket wrapper, a socket's state). It is
# used only with the versions it was tested with (the same ranges as pyproject.toml); with
# any other, or if one of those internals is missing, the server keeps engine.io's own path
# (one writer thread per client: correct, slower at hundreds of screens) and says so once.
TESTED = {"python-engineio": ((4, 15), (4, 16)), "simple-websocket": ((1, 1), (1, 2))}


def _version(dist: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version(dist).split(".")[:2] if part.isdigit())


def _shown(numbers: tuple[int, ...]) -> str:
    return ".".join(map(str, numbers))


def incompatibility(eio_server: Any) -> str | None:
    """Why the fan-out cannot be installed on `eio_server`, or None if it can."""
    for dist, (low, high) in TESTED.items():
        found = _version(dist)
        if not low <= found < high:
            return (f"{dist} {_shown(found)} is outside the tested range {_shown(low)} to "
                    f"below {_shown(high)}")
    table = getattr(eio_server, "_async", None)
    if getattr(eio_server, "async_mode", None) != "threading":
        return "engine.io is not in threading mode"
    if not isinstance(table, dict) or not (isinstance(table.get("websocket"), type) and issubclass(
            table["websocket"], SimpleWebSocketWSGI)):
        return "engine.io's WebSocket wrapper is not the one the fan-out extends"
    if not callable(getattr(eio_server, "send_packet", None)) or not isinstance(
            getattr(eio_server, "sockets", None), dict):
        return "engine.io's server has no send_packet or sockets table"
    for name in ("send", "close"):
        if not callable(getattr(eio_socket_mod.Socket, name, None)):
            return f"engine.io's Socket has no {name}()"
    probe = eio_socket_mod.Socket.__init__.__code__.co_names
    if "closed" not in probe or "connected" not in probe:
        return "engine.io's Socket no longer keeps closed/connected"
    if "connected" not in simple_websocket.ws.Base.__init__.__code__.co_names:
        return "simple-websocket's connection no longer keeps `connected`"
    for name in SOCKET_KEYS:
        if name not in simple_websocket.ws.Server.__init__.__code__.co_consts:
            return f"simple-websocket no longer takes its socket from {name}"
    return None


class SecondHand:
    """One thread, started with the first big broadcast, that writes a broadcast's second
    half while the emitting thread writes the first. `socket.send` lets go of the GIL, and
    on this workload a send costs the kernel several times the Python around it, so two
    cores write at once (docs/performance.md, "Two hands for a big broadcast")."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._ident: int | None = None  # the helper thread's

    def submit(self, job: Callable[..., None], *args: Any) -> Future | None:
        """`job(*args)` on the helper thread; None when the caller must do it itself: the
        helper is the caller (a broadcast made while writing one would wait for itself),
        or the interpreter is shutting down."""
        if threading.get_ident() == self._ident:
            return None
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(1, thread_name_prefix="kejurda-fanout",
                                                initializer=self._started)
            try:
                return self._pool.submit(job, *args)
            except RuntimeError:  # shutting down, or no thread to be had: the job may be
                # queued already, and must not run later (its clients get it now)
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None
                return None

    def _started(self) -> None:
        self._ident = threading.get_ident()


def install(eio_server: Any, flusher: Flusher) -> dict[str, FrameSocket] | None:
    """Make `eio_server` (an engineio.Server in threading mode) write MESSAGE packets to
    direct WebSocket clients itself, what they cannot take at once through `flusher`.
    Returns the registry of those clients, by sid; or None (nothing changed) when the
    installed engine.io or simple-websocket is not one it was tested with."""
    reason = incompatibility(eio_server)
    if reason is not None:
        log.warning("broadcast fan-out off (%s): engine.io's own writer threads are used",
                    reason)
        return None
    registry: dict[str, FrameSocket] = {}
    wrapper = type("FanoutWebSocketForServer", (FanoutWebSocket,),
                   {"registry": registry, "flusher": flusher})
    eio_server._async = dict(eio_server._async, websocket=wrapper)
    queued = eio_server.send_packet

    helper = SecondHand()

    def broadcast(sids: Iterable[str], pkt: eio_packet.Packet,
                  other: Callable[[str, eio_packet.Packet], Any]) -> None:
        """A MESSAGE packet to every client in `sids`, in one loop: the frame is built
        once per kind (plain, compressed), then each direct client costs a lookup and one
        send; `other(sid, pkt)` sends to the rest (long-polling, or upgraded from it).
        Calling engine.io's send_packet once per client cost more than the sends
        themselves (docs/performance.md, "One loop per broadcast"). From SPLIT_AT clients
        on, a second thread writes the second half meanwhile (`SecondHand`); the
        broadcast returns when both halves are written, so every client's messages keep
        their order.

        A client whose session has closed gets nothing (`FrameSocket.alive`). Whether a
        client still answers pings is not asked per message, as engine.io's own send
        does: its service task asks it of every session, and the hub's pings do too."""
        sids = sids if isinstance(sids, list) else list(sids)
        half = len(sids) // 2
        second = helper.submit(write, sids[half:], pkt, other) if len(sids) >= SPLIT_AT else None
        if second is None:  # a small broadcast, or one the helper itself makes
            return write(sids, pkt, other)
        try:
            write(sids[:half], pkt, other)
        finally:
            second.result()
        return None

    def write(sids: list[str], pkt: eio_packet.Packet,
              other: Callable[[str, eio_packet.Packet], Any]) -> None:
        frames: list[bytes | None] = [None, None]  # indexed by FrameSocket.deflate
        for sid in sids:
            out = registry.get(sid)
            try:
                if out is None:
                    other(sid, pkt)
                    continue
                frame = frames[out.deflate]
                if frame is None:
                    frame = frames[out.deflate] = packet_frame(pkt, out.deflate)
                out.write_message(frame)
            except SocketIsClosedError:  # a long-polling client gone meanwhile: ordinary
                continue
            except Exception:  # one client's trouble must not end a broadcast to the rest
                log.exception("writing to %s", sid)

    def send_packet(sid: str, pkt: eio_packet.Packet) -> None:
        if pkt.packet_type != eio_packet.MESSAGE:
            return queued(sid, pkt)
        return broadcast((sid,), pkt, queued)

    eio_server.send_packet = send_packet
    eio_server.kejurda_broadcast = broadcast  # what FanoutManager hands broadcasts to
    return registry


class FanoutManager(socketio.Manager):
    """python-socketio's client manager (its extension point, `client_manager=`) that
    hands a broadcast to the fan-out in one call, with the packet encoded once, instead
    of one engine.io call per client. Anything else (a room, a skipped client, an ack
    callback, binary attachments) and servers without the fan-out keep python-socketio's
    own `emit`. A Redis manager puts this class after itself in its bases, so messages
    from other servers are broadcast the same way (scoreboard/broadcast.py)."""

    def emit(self, event: str, data: Any, namespace: str, room: Any = None,
             skip_sid: Any = None, callback: Any = None, to: Any = None, **kwargs: Any) -> None:
        room = to or room
        send = getattr(self.server.eio, "kejurda_broadcast", None)
        # python-socketio's own emit sends each client its packet with _send_eio_packet;
        # a release without it keeps that emit (test_fanout_manager.py then fails)
        other = getattr(self.server, "_send_eio_packet", None)
        if (send is None or other is None or room is not None or skip_sid is not None
                or callback is not None or namespace not in self.rooms):
            return super().emit(event, data, namespace, room=room, skip_sid=skip_sid,
                                callback=callback, **kwargs)
        # as Manager.emit: a tuple is several arguments, None none, anything else one
        args = list(data) if isinstance(data, tuple) else [] if data is None else [data]
        encoded = self.server.packet_class(sio_packet.EVENT, namespace=namespace,
                                           data=[event, *args]).encode()
        if isinstance(encoded, list):  # binary attachments: several packets per message
            return super().emit(event, data, namespace, callback=callback, **kwargs)
        # clients the fan-out does not write to take python-socketio's own way
        send([eio_sid for _sid, eio_sid in self.get_participants(namespace, None)],
             eio_packet.Packet(eio_packet.MESSAGE, encoded), other)
        return None
