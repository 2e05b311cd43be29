"""Load generator: N `/live` Socket.IO clients in one process, on raw WebSockets.

Each client speaks just enough Engine.IO 4 / Socket.IO 5 to join `/live` and answer pings.
One thread reads every socket from one epoll set: a readable socket costs one `recv` and a
CLOCK_MONOTONIC stamp, a few microseconds (asyncio's transports and protocol callbacks cost
~25 µs per socket and read: at 1,000 clients the generator, not the server, set the tail).
`run` payloads are parsed only after the measurement; the generator reports its own busy
time per message too.

Usage (driven by bench_live_latency.py and bench_scale_out.py):
    python benchmarks/live_clients.py HOST PORT N [deflate]
With `deflate` every client offers permessage-deflate, as browsers do. A phone inflates
what it gets on its own CPU; the generator, standing in for thousands of phones on the
server's own cores, inflates the first bytes of each compressed message to know what it is
(a few microseconds; the server keeps no context between messages, so each inflates on its
own) and the `run` updates it measures in full after the measurement. The generator's
garbage collector is off while it measures (its pauses are not the server's).
Prints "ready <n>" once every client has its snapshot; on EOF of stdin prints one JSON line:
{"events": [[run_id, status, t_ns], ...], "busy_ns": ..., "messages": ...}.
"""

from __future__ import annotations

import gc
import json
import select
import socket
import sys
import threading
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script, by path

from scoreboard.gunicorn_app import raise_descriptor_limit  # noqa: E402
from scoreboard.rehearsal.viewers import client_frame, split_frames, upgrade_request  # noqa: E402
from scoreboard.wsdeflate import TAIL  # noqa: E402

RUN = b'42/live,["run",'
SNAPSHOT = b'42/live,["snapshot"'
WAVE = 50  # clients connecting at once, so the server's accept queue keeps up
HEAD = 32  # bytes of a message that say what it is


PONG = client_frame(b"3")
JOIN = client_frame(b"40/live,")


class Client:
    """One WebSocket: its bytes not yet parsed, and the `run` messages it received."""

    __slots__ = ("sock", "buf", "upgraded", "ready", "runs")

    def __init__(self, host: str, port: int, deflate: bool) -> None:
        self.sock = socket.create_connection((host, port))
        self.sock.setblocking(False)
        self.buf = b""
        self.upgraded = False
        self.ready = False
        self.runs: list[tuple[int, int, bytes]] = []  # (stamp, first byte, payload)
        self.sock.sendall(upgrade_request(f"{host}:{port}", deflate))

    def feed(self, t: int, data: bytes) -> int:
        """Parse what arrived; returns how many Engine.IO packets it held."""
        buf = self.buf + data if self.buf else data
        if not self.upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                self.buf = buf
                return 0
            if b" 101 " not in buf[:end]:
                raise RuntimeError(buf[:end].decode(errors="replace"))
            self.upgraded, buf = True, buf[end + 4:]
        frames, self.buf = split_frames(buf)
        for first, payload in frames:
            # permessage-deflate: its head is enough to know the message
            head = zlib.decompressobj(-15).decompress(payload, HEAD) if first & 0x40 else payload
            if head.startswith(RUN):
                self.runs.append((t, first, payload))
            else:
                self.packet(first & 0x0F, head)
        return len(frames)

    def packet(self, opcode: int, head: bytes) -> None:
        if opcode == 0x9:  # a WebSocket ping
            self.sock.send(client_frame(head, 0xA))
        elif head == b"2":
            self.sock.send(PONG)
        elif head.startswith(b"0{"):
            self.sock.send(JOIN)
        elif head.startswith(SNAPSHOT):
            self.ready = True


class Generator:
    """Every client's socket in one epoll set, read by one thread."""

    def __init__(self, host: str, port: int, n: int, deflate: bool) -> None:
        self.epoll = select.epoll()
        self.clients: dict[int, Client] = {}
        self.busy_ns = self.messages = 0
        self.stopping = False
        for first in range(0, n, WAVE):
            for _ in range(first, min(n, first + WAVE)):
                client = Client(host, port, deflate)
                self.clients[client.sock.fileno()] = client
                self.epoll.register(client.sock.fileno(), select.EPOLLIN)
            deadline = time.monotonic() + 60
            while not all(c.ready for c in self.clients.values()):
                if time.monotonic() > deadline:
                    raise RuntimeError("clients did not get their snapshot in 60 s")
                self.poll(0.1)
        self.busy_ns = self.messages = 0

    def poll(self, timeout: float) -> None:
        clients, mono = self.clients, time.monotonic_ns
        for fd, _events in self.epoll.poll(timeout):
            client = clients[fd]
            try:
                data = client.sock.recv(65536)
            except BlockingIOError:
                continue
            t = mono()
            if not data:
                raise RuntimeError("the server closed a client's connection")
            self.messages += client.feed(t, data)
            self.busy_ns += mono() - t

    def run(self) -> None:
        while not self.stopping:
            self.poll(0.05)

    def events(self) -> list[list]:
        out = []
        for client in self.clients.values():
            for t, first, payload in client.runs:
                if first & 0x40:
                    payload = zlib.decompressobj(-15).decompress(payload + TAIL)
                run = json.loads(payload[len(b"42/live,"):])[1]
                out.append([run["id"], run["status"], t])
        return out


def main(host: str, port: int, n: int, deflate: bool) -> None:
    raise_descriptor_limit()  # a descriptor per client
    gen = Generator(host, port, n, deflate)
    # no collector while measuring: what the clients keep (a stamp and a payload per `run`,
    # 200,000 at 10,000 viewers) kept it busy, and a full collection of the generator's
    # heap (~130 ms at 10,000 clients) delayed its reading of every socket, counted as the
    # server's latency. Reading leaves no cycles; the clients' objects are frozen first.
    gc.collect()
    gc.freeze()
    gc.disable()
    print(f"ready {len(gen.clients)}", flush=True)
    reader = threading.Thread(target=gen.run)
    reader.start()
    sys.stdin.read()  # the driver closes stdin when done
    gen.stopping = True
    reader.join()
    print(json.dumps({"events": gen.events(), "busy_ns": gen.busy_ns,
                      "messages": gen.messages}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:5] == ["deflate"])
