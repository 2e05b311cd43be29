"""WebSocket clients without threads of their own: one thread reads them all.

Why: in threading mode every Engine.IO client over a WebSocket holds four threads for its
life: the web server's connection thread (blocked in engine.io's read loop), simple-
websocket's reader, engine.io's writer, and a thread that sleeps out each ping interval.
A thread costs ~30 KiB of memory and a slot in the server's pool, so a hall of phones cost
~130 KiB each and the pool bounded how many could watch (docs/performance.md). Here, once
a client has opened its WebSocket directly on gunicorn (as the projector, the public pages
and python-socketio clients do), the connection is taken from gunicorn (its pool thread
returns at once) and handed to the `Hub`:

- one thread waits on every such socket (epoll) and reads what arrives: WebSocket frames
  (wsproto's parser) become Engine.IO packets for the session as engine.io's own read loop
  would hand them over (`Socket.receive`: a Socket.IO message is handled on a thread of its
  own there, as before);
- writes need no thread: Socket.IO messages go through the fan-out (scoreboard/fanout.py,
  framed once per broadcast), everything else engine.io queues for the session (its
  handshake, pings, its close) is written when it is queued (`QueueWriter`);
- pings for every session of the server wait in one timer list instead of a sleeping
  thread each (`Hub.ping_later`, reached through the server's `start_background_task`).

A session ends as it did: the client closes, goes silent past engine.io's ping timeout, is
cut off by the fan-out for falling behind, or the server closes it; engine.io hears of it
(`Socket.close`), then the socket is closed.

The hub relies on engine.io's Socket internals (its queue, `_send_ping`, `receive`) as the
fan-out does: scoreboard/fanout.py's `incompatibility` checks them at start, and without
them (or on Werkzeug, or with TLS) clients keep engine.io's own threads.
"""

from __future__ import annotations

import base64
import collections
import hashlib
import heapq
import itertools
import logging
import os
import queue
import resource
import selectors
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from engineio import base_socket
from engineio import packet as eio_packet
from engineio import socket as eio_socket_mod
from engineio.exceptions import SocketIsClosedError, UnknownPacketError
from wsproto.frame_protocol import CloseReason, FrameProtocol, Opcode, ParseFailed

from scoreboard import wsdeflate
from scoreboard.fanout import CLOSE_GRACE_S, Flusher, FrameSocket, ws_frame

log = logging.getLogger(__name__)
WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 §1.3
READ_SIZE = 65536
SWEEP_S = 1.0  # how often ended sessions past their grace are closed
WORKERS = 32  # threads handing clients' packets to their sessions (each client in order)
RESERVED_FDS = 1024  # descriptors kept for everything else (requests, database, files)


_FULL_TEXT = b"Server penuh, coba lagi sebentar. / Server full, retry soon.\n"
FULL = ("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Retry-After: 5\r\nConnection: close\r\nContent-Length: {len(_FULL_TEXT)}\r\n"
        "\r\n").encode() + _FULL_TEXT


def capacity() -> int:
    """How many WebSockets the hub may hold: the descriptors this process may open, less
    RESERVED_FDS for everything else (at least 100)."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 1_000_000
    return max(100, soft - RESERVED_FDS)


def accept_key(key: str) -> str:
    """The Sec-WebSocket-Accept value for a client's Sec-WebSocket-Key (RFC 6455 §4.2.2)."""
    return base64.b64encode(hashlib.sha1(key.encode() + WS_GUID).digest()).decode()


def handshake(environ: dict[str, Any], extensions: str | None = None) -> bytes | None:
    """The 101 answer to a WebSocket upgrade request, agreeing to `extensions` (the answer
    of scoreboard/wsdeflate.py's `negotiate`), or None when the request is not one the hub
    takes (it then goes the usual way, which answers it or refuses it)."""
    key = environ.get("HTTP_SEC_WEBSOCKET_KEY", "")
    if environ.get("HTTP_SEC_WEBSOCKET_VERSION") != "13" or not key:
        return None
    try:
        if len(base64.b64decode(key, validate=True)) != 16:
            return None
    except ValueError:
        return None
    if environ.get("HTTP_SEC_WEBSOCKET_EXTENSIONS") or environ.get(
            "HTTP_SEC_WEBSOCKET_PROTOCOL"):
        return None  # an offer not hidden from simple-websocket, or a subprotocol
    agreed = f"Sec-WebSocket-Extensions: {extensions}\r\n" if extensions else ""
    return ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade"
            f"\r\nSec-WebSocket-Accept: {accept_key(key)}\r\n{agreed}\r\n").encode()


def take_from_gunicorn(raw: socket.socket) -> socket.socket:
    """Our own descriptor for gunicorn's connection; gunicorn's socket object is left on a
    dead socket pair, so its closing (a half-close, then a drain) cannot touch ours."""
    mine = socket.socket(fileno=os.dup(raw.fileno()))
    spare, peer = socket.socketpair()
    os.dup2(spare.fileno(), raw.fileno())
    spare.close()
    peer.close()
    mine.setblocking(True)  # reads and writes pass MSG_DONTWAIT: they never block
    return mine


class QueueWriter:
    """Stands in for a session's queue once the hub owns its socket: what engine.io queues
    (its handshake packet, pings, a CLOSE, the end marker None) is written at once."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def put(self, pkt: eio_packet.Packet | None, *_args: Any, **_kwargs: Any) -> None:
        if pkt is None:
            self.client.ended_by_server()
        elif pkt.packet_type == eio_packet.MESSAGE:
            self.client.out.write_message(ws_frame(pkt.encode(), self.client.out.deflate))
        else:
            self.client.out.send(ws_frame(pkt.encode()))

    def join(self) -> None:
        """Nothing waits in a queue here."""

    def task_done(self) -> None:
        """Nothing waits in a queue here."""

    def get(self, *_args: Any, **_kwargs: Any) -> Any:
        raise queue.Empty  # no long-polling on a session that owns a WebSocket

    get_nowait = get


END = object()  # in a client's inbox: the connection is over, close the session now


class Client:
    """One Engine.IO session on a WebSocket the hub reads."""

    __slots__ = ("hub", "session", "sock", "out", "proto", "parts", "size", "closing_at",
                 "ended", "inbox", "busy", "close_sent")

    def __init__(self, hub: Hub, session: Any, sock: socket.socket, out: FrameSocket) -> None:
        self.hub, self.session, self.sock, self.out = hub, session, sock, out
        inflate = [wsdeflate.Inflate(hub.max_message)] if out.deflate else []
        self.proto = FrameProtocol(client=False, extensions=inflate)
        self.parts: list[str | bytes] = []
        self.size = 0
        self.closing_at: float | None = None  # when the server ended the session
        self.ended = False
        self.inbox: collections.deque[Any] = collections.deque()  # packets, then END
        self.busy = False  # a worker is handing the inbox to the session
        self.close_sent = False  # nothing may follow a Close frame (RFC 6455 §5.5.1)

    def readable(self) -> None:
        try:
            data = self.sock.recv(READ_SIZE, socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self.end()
            return
        self.proto.receive_bytes(data)
        try:
            for frame in self.proto.received_frames():
                if not self._frame(frame) or self.ended:
                    break
        except ParseFailed as exc:
            self.send_close(exc.code, str(exc)[:100])
            self.end()

    def send_close(self, code: int = CloseReason.NORMAL_CLOSURE,
                   reason: str | None = None) -> None:
        if not self.close_sent:
            self.close_sent = True
            self.out.send(bytes(self.proto.close(code, reason)))

    def _frame(self, frame: Any) -> bool:
        """Handle one (part of a) frame; False when the connection is over."""
        if frame.opcode is Opcode.PING:
            if not self.close_sent:
                self.out.send(bytes(self.proto.pong(frame.payload)))
        elif frame.opcode is Opcode.CLOSE:
            self.send_close()  # the answer to the client's Close, unless ours went first
            self.end()
            return False
        elif frame.opcode is not Opcode.PONG:
            self.parts.append(frame.payload)
            self.size += len(frame.payload)
            if self.size > self.hub.max_message:
                self.send_close(CloseReason.MESSAGE_TOO_BIG)
                self.end()
                return False
            if frame.message_finished:
                data = "".join(self.parts) if isinstance(frame.payload, str) else b"".join(
                    self.parts)  # type: ignore[arg-type]
                self.parts, self.size = [], 0
                return self._message(data)
        return True

    def _message(self, data: str | bytes) -> bool:
        """An Engine.IO packet from the client. A PONG is taken here; anything else goes to
        the client's inbox, which a worker hands to the session (`Socket.receive`) in
        arrival order: the server handles a client's events one at a time and in order
        (`async_handlers=False`), and a slow handler (an agent's batch, a snapshot) must
        not hold up the reading of every other client."""
        try:
            pkt = eio_packet.Packet(encoded_packet=data)
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            self.hub.on_bad("websocket", exc)  # garbage: hang up, as on simple-websocket
            self.end()
            return False
        if pkt.packet_type == eio_packet.PONG:
            self.session.schedule_ping()
            return True
        self._post(pkt)
        return True

    def _post(self, item: Any) -> None:
        with self.hub.lock:
            self.inbox.append(item)
            if self.busy:
                return
            self.busy = True
        self.hub.dispatch(self)

    def handle_inbox(self) -> None:
        """On a worker: every packet waiting, in order; END closes the session after the
        packets before it (a connect still being handled is registered, then let go)."""
        while True:
            with self.hub.lock:
                if not self.inbox:
                    self.busy = False
                    return
                item = self.inbox.popleft()
            if item is END:
                self.hub.close_session(self.session)
                continue
            if self.session.closed:
                continue  # what arrived after the session ended is dropped, as engine.io does
            try:
                self.session.receive(item)
            except UnknownPacketError:
                pass
            except SocketIsClosedError:
                self.hub.end_later(self)
            except Exception:
                log.exception("a WebSocket client's packet")
                self.hub.end_later(self)

    def ended_by_server(self) -> None:
        """engine.io ended the session: say so (a WebSocket Close), then give the client
        CLOSE_GRACE_S to read what is pending and hang up before the hub does."""
        if self.closing_at is None:
            self.closing_at = time.monotonic()
            self.send_close()
            self.out.deadline = self.closing_at + CLOSE_GRACE_S

    def end(self) -> None:
        """The connection is over (the client left, was cut off, or the server's grace
        ran out): close the socket, then the session, after the packets that came before
        (on a worker: disconnect handlers may take time). On the hub's thread only."""
        if self.ended:
            return
        self.ended = True
        self.hub.forget(self)
        self.out.fail()
        try:
            self.sock.close()
        except OSError:
            pass
        self._post(END)


class Hub:
    """The thread that reads every adopted WebSocket and sends every session's pings."""

    def __init__(self, eio_server: Any, registry: dict[str, FrameSocket], flusher: Flusher,
                 on_bad: Callable[[str, Exception], Any] | None = None) -> None:
        self.server = eio_server
        self.registry = registry
        self.flusher = flusher
        self.on_bad = on_bad or (lambda sid, exc: log.warning("bad packet from %s: %s",
                                                             sid, exc))
        self.max_message = int(eio_server.max_http_buffer_size)
        self.capacity = capacity()
        self.refused = 0
        self._refused_logged = -1e9
        self.clients: dict[int, Client] = {}
        # the clients' inboxes are handled here, each by one worker at a time; idle
        # workers wait for the next (a thread per leaving client would be thousands at
        # once when the hall's Wi-Fi drops)
        self.workers = ThreadPoolExecutor(WORKERS, thread_name_prefix="kejurda-ws-in")
        self.lock = threading.Lock()
        self._new: list[Client] = []
        self._ending: list[Client] = []
        self._pings: list[tuple[float, int, Any]] = []
        self._order = itertools.count()
        # made with the thread, at the first client or ping: an app that never serves one
        # (the tests build hundreds) holds no descriptors
        self._sel: selectors.BaseSelector | None = None
        self._wake_w: socket.socket | None = None
        self._thread: threading.Thread | None = None

    # -- from other threads ------------------------------------------------------------

    def adopt(self, session: Any, raw: socket.socket, environ: dict[str, Any]) -> bool:
        """Take `raw` (gunicorn's socket of a direct WebSocket request for `session`) into
        the hub: answer the handshake and write what engine.io queued. False: not taken,
        the request goes the usual way. With no room left (descriptors), the client is
        answered 503 and comes back later (Socket.IO clients retry on their own)."""
        agreed = wsdeflate.negotiate(environ.get(wsdeflate.OFFER))
        answer = handshake(environ, agreed)
        if answer is None:
            return False
        with self.lock:
            full = len(self.clients) + len(self._new) >= self.capacity
        if full:
            return self._refuse(session, raw, f"{self.capacity} WebSockets open")
        try:
            sock = take_from_gunicorn(raw)
        except OSError as exc:  # out of descriptors after all
            return self._refuse(session, raw, str(exc))
        out = FrameSocket(sock, self.flusher)
        out.deflate = agreed is not None
        out.send(answer)
        client = Client(self, session, sock, out)
        waiting, session.queue = session.queue, QueueWriter(client)
        while True:  # the OPEN packet engine.io queued before the upgrade
            try:
                pkt = waiting.get_nowait()
            except queue.Empty:
                break
            session.queue.put(pkt)
        session.connected = session.upgraded = True
        out.alive = lambda: not session.closed and client.closing_at is None
        self.registry[session.sid] = out
        with self.lock:
            self._new.append(client)
            self._start()
        self._wake()
        return True

    def _refuse(self, session: Any, raw: socket.socket, why: str) -> bool:
        now = time.monotonic()
        self.refused += 1
        if now - self._refused_logged > 10:
            log.warning("WebSocket refused (503): no room (%s); %d refused so far", why,
                        self.refused)
            self._refused_logged = now
        try:
            raw.sendall(FULL)
        except OSError:
            pass
        session.close(wait=False, abort=True, reason=self.server.reason.SERVER_DISCONNECT)
        self.drop_session(session)
        return True

    def ping_later(self, session: Any) -> None:
        """What engine.io's `Socket._send_ping` does after its sleep, due in one interval."""
        due = time.monotonic() + self.server.ping_interval
        with self.lock:
            heapq.heappush(self._pings, (due, next(self._order), session))
            self._start()

    def end_later(self, client: Client) -> None:
        """`client.end()` on the hub's thread (the one that owns the selector)."""
        with self.lock:
            self._ending.append(client)
        self._wake()

    def forget(self, client: Client) -> None:
        """Stop reading `client` (on the hub's thread, before its socket is closed)."""
        fd = client.sock.fileno()
        if fd >= 0 and self.clients.get(fd) is client:
            del self.clients[fd]
            try:
                self._sel.unregister(client.sock)
            except (KeyError, ValueError, OSError):
                pass
        if self.registry.get(client.session.sid) is client.out:
            del self.registry[client.session.sid]

    def close_session(self, session: Any) -> None:
        if not session.closed:
            try:
                session.close(wait=False, abort=True,
                              reason=self.server.reason.TRANSPORT_CLOSE)
            except Exception:  # the session is going anyway
                log.exception("closing a WebSocket session")
        self.drop_session(session)

    def dispatch(self, client: Client) -> None:
        """A worker for `client`'s inbox. If none can be started (the thread limit), the
        inbox is handled where we are, rather than left waiting for ever."""
        try:
            self.workers.submit(client.handle_inbox)
        except RuntimeError:  # can't start new thread, or the process is ending
            client.handle_inbox()

    def drop_session(self, session: Any) -> None:
        if self.server.sockets.get(session.sid) is session:
            self.server.sockets.pop(session.sid, None)

    def _start(self) -> None:
        """Under the lock: the hub's thread, once."""
        if self._thread is not None:
            return
        self._sel = selectors.DefaultSelector()
        wake_r, self._wake_w = socket.socketpair()
        wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._sel.register(wake_r, selectors.EVENT_READ, None)
        self._thread = threading.Thread(target=self._run, name="kejurda-ws-hub", daemon=True)
        self._thread.start()

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"\0")  # type: ignore[union-attr]
        except (BlockingIOError, OSError, AttributeError):
            pass  # already awake, or not started

    # -- the hub's thread --------------------------------------------------------------

    def _run(self) -> None:
        swept = time.monotonic()
        while True:
            try:
                self._step()
                now = time.monotonic()
                if now - swept >= SWEEP_S:
                    swept = now
                    self._sweep(now)
            except Exception:  # one bad socket must never stop the reading for all
                log.exception("WebSocket hub")
                time.sleep(0.05)

    def _step(self) -> None:
        self._take_changes()
        with self.lock:
            due = self._pings[0][0] if self._pings else None
        timeout = SWEEP_S if due is None else max(0.0, min(SWEEP_S, due - time.monotonic()))
        for key, _events in self._sel.select(timeout):
            if key.data is None:
                self._drain_wake(key.fileobj)  # type: ignore[arg-type]
            else:
                key.data.readable()
        self._send_pings(time.monotonic())

    def _take_changes(self) -> None:
        with self.lock:
            new, self._new = self._new, []
            ending, self._ending = self._ending, []
        for client in ending:
            client.end()
        for client in new:
            if client.ended:
                continue
            try:
                self._sel.register(client.sock, selectors.EVENT_READ, client)
                self.clients[client.sock.fileno()] = client
            except (ValueError, KeyError, OSError):
                client.end()

    @staticmethod
    def _drain_wake(wake_r: socket.socket) -> None:
        try:
            while wake_r.recv(4096):
                pass
        except (BlockingIOError, OSError):
            pass

    def _send_pings(self, now: float) -> None:
        while True:
            with self.lock:
                if not self._pings or self._pings[0][0] > now:
                    return
                _due, _n, session = heapq.heappop(self._pings)
            if session.closing or session.closed:
                continue
            session.last_ping = time.time()
            try:
                session.send(eio_packet.Packet(eio_packet.PING))
            except Exception:  # that session is going; the others get theirs
                log.exception("pinging a session")

    def _sweep(self, now: float) -> None:
        """Sessions the server ended whose clients have not hung up within the grace."""
        for client in list(self.clients.values()):
            if client.closing_at is not None and now - client.closing_at > CLOSE_GRACE_S:
                client.end()


def incompatibility(eio_server: Any) -> str | None:
    """Why the hub cannot read `eio_server`'s clients (beyond what the fan-out needs)."""
    for name in ("_send_ping", "schedule_ping", "receive"):
        if not callable(getattr(eio_socket_mod.Socket, name, None)):
            return f"engine.io's Socket has no {name}()"
    names = base_socket.BaseSocket.__init__.__code__.co_names
    for name in ("queue", "last_ping", "upgraded"):
        if name not in names:
            return f"engine.io's Socket no longer keeps `{name}`"
    if "start_background_task" not in eio_socket_mod.Socket.schedule_ping.__code__.co_names:
        return "engine.io no longer schedules pings through start_background_task"
    if not callable(getattr(eio_server, "start_background_task", None)):
        return "engine.io's server has no start_background_task"
    for name in ("received_frames", "receive_bytes", "pong", "close"):
        if not callable(getattr(FrameProtocol, name, None)):
            return f"wsproto's FrameProtocol has no {name}()"
    return None


def install(eio_server: Any, registry: dict[str, FrameSocket], flusher: Flusher,
            on_bad: Callable[[str, Exception], Any] | None = None) -> Hub | None:
    """Let a hub read `eio_server`'s direct WebSocket clients on gunicorn and send every
    session's pings; `registry` is the fan-out's (scoreboard/fanout.py `install`), whose
    WebSocket wrapper hands the hub its clients. None (nothing changed) when engine.io is
    not what the hub was written against."""
    reason = incompatibility(eio_server)
    wrapper = getattr(eio_server, "_async", {}).get("websocket")
    if reason is None and getattr(wrapper, "registry", None) is not registry:
        reason = "the fan-out is not installed on this server"
    if reason is not None:
        log.warning("WebSocket hub off (%s): each client keeps engine.io's threads", reason)
        return None
    hub = Hub(eio_server, registry, flusher, on_bad)
    wrapper.hub = hub
    threaded = eio_server.start_background_task
    send_ping = eio_socket_mod.Socket._send_ping

    def start_background_task(target: Any, *args: Any, **kwargs: Any) -> Any:
        # a session's next ping: a timer in the hub, not a thread asleep for an interval
        if getattr(target, "__func__", None) is send_ping and not args and not kwargs:
            hub.ping_later(target.__self__)
            return None
        return threaded(target, *args, **kwargs)

    eio_server.start_background_task = start_background_task
    return hub
