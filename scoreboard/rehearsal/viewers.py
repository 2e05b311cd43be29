"""The spectators' phones: the rehearsal's viewers follow `/live` from a process of their own.

Why a process of its own: the rehearsal's process drives every desk, pad and tablet, and
viewers living there fell behind; the server cuts off a client that is far behind and
reads nothing (scoreboard/fanout.py), and a python-socketio client learns of that only at
its next ping, so it counted as connected while it was not. Here each viewer is one raw
WebSocket in an asyncio loop that does nothing else, speaking just enough Engine.IO 4 /
Socket.IO 5 to join `/live`, answer pings and read `run` updates.

A viewer's connection window runs from the moment its `/live` connect is acknowledged to
the moment its socket ended as the viewer saw it: end of stream (the server cut it off or
died), a Close frame, Engine.IO's close or `/live`'s disconnect, an error. A socket that
goes silent past the server's ping interval and timeout is closed by the viewer and its
window ends at the last bytes received: a silence is never counted as connected. Then the
viewer reconnects with a growing delay, as a phone's page does.

The process: `python -m scoreboard.rehearsal.viewers HOST PORT N` prints `ready N` once
every viewer is on `/live` (its connect acknowledged and its snapshot received); a line `status` on stdin is answered with one JSON
line `{"connected", "windows", "updates"}`; on end of stdin it closes every connection and
prints one JSON line `{"viewers": [{"windows": [[start, end, why], ...], "updates":
[[run_id, status, t], ...]}, ...]}`. Times are `time.monotonic()`, CLOCK_MONOTONIC, the
same clock in every process of the machine, so the rehearsal compares them with its own.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import random
import select
import subprocess
import sys
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from scoreboard.wsdeflate import TAIL

log = logging.getLogger("kejurda.rehearsal.viewers")

RUN_PREFIX = b'42/live,["run",'
BACKOFF_S = (0.1, 2.0)  # first and longest delay before a viewer reconnects
WAVE = 50               # viewers connecting at once when the process starts


def upgrade_request(host: str, deflate: bool = False, offer: str = "permessage-deflate") -> bytes:
    """A client's WebSocket upgrade to Engine.IO 4 (`host` as HOST:PORT); with `deflate`
    it offers compression (`offer`: by default as Firefox words it)."""
    key = base64.b64encode(os.urandom(16)).decode()
    return (f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
            f"Host: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n" +
            (f"Sec-WebSocket-Extensions: {offer}\r\n" if deflate else "") +
            "\r\n").encode()


def client_frame(text: bytes, opcode: int = 0x1) -> bytes:
    """One masked, final frame (a client's frames are always masked)."""
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(text))
    n = len(text)
    head = bytes([0x80 | opcode, 0x80 | n]) if n < 126 else (
        bytes([0x80 | opcode, 0x80 | 126]) + n.to_bytes(2, "big") if n < 65536 else
        bytes([0x80 | opcode, 0x80 | 127]) + n.to_bytes(8, "big"))
    return head + mask + masked


def split_frames(buf: bytes) -> tuple[list[tuple[int, bytes]], bytes]:
    """The whole server frames at the start of `buf`, as (first byte, payload), and the
    bytes of an incomplete one left over."""
    frames = []
    while len(buf) >= 2:
        n, start = buf[1] & 0x7F, 2
        if n == 126:
            if len(buf) < 4:
                break
            n, start = int.from_bytes(buf[2:4], "big"), 4
        elif n == 127:
            if len(buf) < 10:
                break
            n, start = int.from_bytes(buf[2:10], "big"), 10
        if len(buf) < start + n:
            break
        frames.append((buf[0], buf[start:start + n]))
        buf = buf[start + n:]
    return frames, buf


class LiveSocket(asyncio.Protocol):
    """One raw WebSocket to a Socket.IO server: the upgrade, frames in (text, optionally
    permessage-deflate), Engine.IO pings answered, `/live` joined once the session opens.
    Subclasses see every Engine.IO packet in `packet(t_ns, payload)` (a copy is never made
    of a payload that is not kept) and the end of the socket in `connection_lost`."""

    def __init__(self, host: str, deflate: bool = False) -> None:
        self.host = host
        self.deflate = deflate
        self.inflate = zlib.decompressobj(-15)
        self.buf = b""
        self.upgraded = False
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(upgrade_request(self.host, self.deflate))

    def send(self, text: bytes, opcode: int = 0x1) -> None:
        self.transport.write(client_frame(text, opcode))

    def data_received(self, data: bytes) -> None:
        t = time.monotonic_ns()
        self.buf += data
        if not self.upgraded:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            if b" 101 " not in self.buf[:end]:
                self.refused(self.buf[:end].decode(errors="replace"))
                return
            self.upgraded, self.buf = True, self.buf[end + 4:]
        frames, self.buf = split_frames(self.buf)
        for first, payload in frames:
            opcode = first & 0x0F
            if opcode == 0x8:  # Close: nothing more will come on this socket
                self.closed_by_peer("close frame")
                return
            if opcode == 0x9:  # a WebSocket-level ping
                self.send(payload, opcode=0xA)
                continue
            if opcode not in (0x0, 0x1, 0x2):
                continue
            if first & 0x40:  # RSV1: a compressed message (permessage-deflate)
                payload = self.inflate.decompress(payload + TAIL)
            self.packet(t, payload)

    def packet(self, t: int, payload: bytes) -> None:
        if payload == b"2":
            self.send(b"3")
        elif payload.startswith(b"0{"):
            self.send(b"40/live,")

    def refused(self, answer: str) -> None:
        """The server did not upgrade the connection."""
        self.transport.close()

    def closed_by_peer(self, why: str) -> None:
        self.transport.close()


class ViewerSocket(LiveSocket):
    """One connection of a viewer: its window, the `run` updates it received, its end."""

    def __init__(self, viewer: Viewer, host: str, deflate: bool) -> None:
        super().__init__(host, deflate)
        self.viewer = viewer
        self.opened_at: float | None = None   # when `/live`'s connect was acknowledged
        self.snapshot = False
        self.last_rx = time.monotonic()
        self.silence_s = 60.0                  # the server's ping interval + timeout
        self.why = "error"
        self.ended_at: float | None = None
        self.done: asyncio.Future = asyncio.get_running_loop().create_future()

    def data_received(self, data: bytes) -> None:
        self.last_rx = time.monotonic()
        super().data_received(data)

    def packet(self, t: int, payload: bytes) -> None:
        if payload.startswith(RUN_PREFIX):
            run = json.loads(payload[len(b"42/live,"):])[1]
            self.viewer.updates.append((run["id"], run["status"], t / 1e9))
        elif payload.startswith(b"0{"):
            opened = json.loads(payload[1:])
            self.silence_s = (opened.get("pingInterval", 25000) +
                              opened.get("pingTimeout", 20000)) / 1000 + 1
            super().packet(t, payload)
        elif payload.startswith(b"40/live,"):
            self.opened_at = t / 1e9
            self._synced()
        elif payload.startswith(b'42/live,["snapshot"'):
            self.snapshot = True
            self._synced()
        elif payload == b"1" or payload.startswith((b"41/live", b"44/live")):
            self.end("engine.io close" if payload == b"1" else "namespace closed")
        else:
            super().packet(t, payload)

    def _synced(self) -> None:
        # python-socketio sends the snapshot (emitted by the connect handler) before the
        # connect's acknowledgement: a viewer is ready once it has both, in either order
        if self.snapshot and self.opened_at is not None:
            self.viewer.synced.set()

    def refused(self, answer: str) -> None:
        self.end("refused")

    def closed_by_peer(self, why: str) -> None:
        self.end(why)

    def eof_received(self) -> None:
        self.end("eof")

    def connection_lost(self, exc: Exception | None) -> None:
        self.end("error" if exc else "eof")

    def silent(self) -> None:
        """No bytes past the ping interval and timeout: the window ends at the last ones."""
        self.end("silent", at=self.last_rx)

    def end(self, why: str, at: float | None = None) -> None:
        """The socket ended (the first reason seen is kept); its window is closed."""
        if self.ended_at is None:
            self.ended_at = time.monotonic() if at is None else at
            self.why = why
        if self.transport is not None:
            self.transport.close()
        if not self.done.done():
            self.done.set_result(None)


@dataclass
class Viewer:
    """One phone: connects, follows `/live` until told to stop, reconnects when cut."""

    host: str
    port: int
    number: int = 0               # in the logs
    deflate: bool = True          # as browsers offer it
    windows: list[tuple[float, float, str]] = field(default_factory=list)
    updates: list[tuple[int, str, float]] = field(default_factory=list)
    synced: asyncio.Event = field(default_factory=asyncio.Event)
    stopping: bool = False
    conn: ViewerSocket | None = None

    @property
    def connected(self) -> bool:
        return self.conn is not None and self.conn.opened_at is not None and \
            self.conn.ended_at is None

    async def follow(self) -> None:
        """Connect, keep the connection until it ends, wait, connect again; until stopped."""
        loop = asyncio.get_running_loop()
        delay = BACKOFF_S[0]
        while not self.stopping:
            conn = self.conn = ViewerSocket(self, f"{self.host}:{self.port}", self.deflate)
            try:
                await loop.create_connection(lambda c=conn: c, self.host, self.port)
                await self._watch(conn)
            except OSError:
                conn.end("refused")
            if conn.opened_at is not None:
                self.windows.append((conn.opened_at, conn.ended_at, conn.why))
                delay = BACKOFF_S[0]
                log.info("viewer %d: connected %.3f s, ended (%s)", self.number,
                         conn.ended_at - conn.opened_at, conn.why)
            if not self.stopping:
                await asyncio.sleep(delay * random.uniform(1, 1.5))
                delay = min(BACKOFF_S[1], delay * 2)

    async def _watch(self, conn: ViewerSocket) -> None:
        while not conn.done.done():
            await asyncio.wait([conn.done], timeout=1.0)
            if time.monotonic() - conn.last_rx > conn.silence_s:
                conn.silent()

    def stop(self) -> None:
        self.stopping = True
        if self.conn is not None:
            self.conn.end("stopped")

    def record(self) -> dict:
        return {"windows": [list(w) for w in self.windows],
                "updates": [list(u) for u in self.updates]}


async def follow_all(host: str, port: int, n: int, deflate: bool = True) -> None:
    """The process's life: N viewers, `ready N`, `status` answered, the record at EOF."""
    loop = asyncio.get_running_loop()
    viewers = [Viewer(host, port, number, deflate) for number in range(n)]
    tasks = []
    for first in range(0, n, WAVE):  # in waves, so the server's accept queue keeps up
        wave = viewers[first:first + WAVE]
        tasks += [asyncio.create_task(v.follow()) for v in wave]
        await asyncio.wait_for(asyncio.gather(*(v.synced.wait() for v in wave)), 120)
    print(f"ready {n}", flush=True)
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        if line.strip() == "status":
            print(json.dumps({"connected": sum(v.connected for v in viewers),
                              "windows": sum(len(v.windows) for v in viewers),
                              "updates": sum(len(v.updates) for v in viewers)}), flush=True)
    for v in viewers:
        v.stop()
    await asyncio.gather(*tasks)
    print(json.dumps({"viewers": [v.record() for v in viewers]}), flush=True)


@dataclass
class ViewerRecord:
    """What one viewer saw: its connection windows and the run updates it received."""

    windows: list[tuple[float, float, str]]
    updates: list[tuple[int, str, float]]
    seen: dict[int, set[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for run_id, status, _t in self.updates:
            self.seen.setdefault(run_id, set()).add(status)

    def connected_through(self, start: float, end: float) -> bool:
        """Was this viewer connected for the whole of [start, end]?"""
        return any(a <= start and end <= b for a, b, _why in self.windows)


class Phones:
    """The viewers' process, seen from the rehearsal: started, asked, and read at the end."""

    def __init__(self, host: str, port: int, n: int, log_path: Path) -> None:
        self.args = [sys.executable, "-m", "scoreboard.rehearsal.viewers", host, str(port),
                     str(n)]
        self.n = n
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None
        self._lock = threading.Lock()

    def start(self, timeout: float = 180) -> Phones:
        """The process started; returns once every viewer is on `/live`."""
        with self.log_path.open("ab") as err:
            self.proc = subprocess.Popen(self.args, stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=err, text=True,
                                         env=dict(os.environ, PYTHONUNBUFFERED="1"))
        line = self._line(timeout)
        if line.strip() != f"ready {self.n}":
            self.stop()
            raise RuntimeError(f"the viewers did not connect: {line.strip()!r} (see "
                               f"{self.log_path.name})")
        return self

    def status(self, timeout: float = 30) -> dict:
        """How many viewers are connected now, windows closed and updates received so far."""
        with self._lock:
            self.proc.stdin.write("status\n")
            self.proc.stdin.flush()
            return json.loads(self._line(timeout))

    def finish(self, timeout: float = 120) -> list[ViewerRecord]:
        """Every viewer disconnected; what each saw."""
        with self._lock:
            self.proc.stdin.close()
            line = self._line(timeout)
            self.proc.wait(30)
        return [ViewerRecord([tuple(w) for w in v["windows"]],
                             [tuple(u) for u in v["updates"]])
                for v in json.loads(line)["viewers"]]

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def _line(self, timeout: float) -> str:
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline() if ready else ""
        if not line:
            raise RuntimeError(f"the viewers' process said nothing in {timeout:g} s (see "
                               f"{self.log_path.name})")
        return line


def main(argv: list[str]) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    host, port, n = argv[0], int(argv[1]), int(argv[2])
    asyncio.run(follow_all(host, port, n))


if __name__ == "__main__":
    main(sys.argv[1:])
