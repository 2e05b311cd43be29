"""Load generator: N `/live` Socket.IO clients in one asyncio process, on raw WebSockets.

Each client speaks just enough Engine.IO 4 / Socket.IO 5 to join `/live` and answer pings;
incoming frames are timestamped with the system-wide CLOCK_MONOTONIC the moment asyncio
hands them over, and `run` payloads are parsed only after the measurement, so the
generator's own cost per message is a few microseconds (it reports that cost too).

Usage (driven by bench_live_latency.py): python benchmarks/live_clients.py HOST PORT N [deflate]
With `deflate` every client offers permessage-deflate, as browsers do.
Prints "ready <n>" once every client has its snapshot; on EOF of stdin prints one JSON line:
{"events": [[run_id, status, t_ns], ...], "busy_ns": ..., "messages": ...}.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sys
import time
import zlib

PREFIX = b'42/live,["run",'


class LiveClient(asyncio.Protocol):
    """One websocket: handshake, then frames; pongs inline, `run` payloads kept raw."""

    def __init__(self, host: str, ready: asyncio.Future, stats: dict, deflate: bool = False):
        self.host = host
        self.deflate = deflate
        self.inflate = zlib.decompressobj(-15)
        self.ready = ready
        self.stats = stats
        self.buf = b""
        self.upgraded = False
        self.received: list[tuple[int, bytes]] = []

    def connection_made(self, transport) -> None:
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write((f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {self.host}\r\n"
                         f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                         "Sec-WebSocket-Version: 13\r\n" +
                         ("Sec-WebSocket-Extensions: permessage-deflate\r\n" if self.deflate
                          else "") + "\r\n").encode())

    def send(self, text: bytes) -> None:
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(text))
        self.transport.write(bytes([0x81, 0x80 | len(text)]) + mask + masked)

    def data_received(self, data: bytes) -> None:
        t = time.monotonic_ns()
        self.buf += data
        if not self.upgraded:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            if b" 101 " not in self.buf[:end]:
                self.ready.set_exception(RuntimeError(self.buf[:end].decode(errors="replace")))
                return
            self.upgraded, self.buf = True, self.buf[end + 4:]
        while len(self.buf) >= 2:
            n, start = self.buf[1] & 0x7F, 2
            if n == 126:
                if len(self.buf) < 4:
                    break
                n, start = int.from_bytes(self.buf[2:4], "big"), 4
            elif n == 127:
                if len(self.buf) < 10:
                    break
                n, start = int.from_bytes(self.buf[2:10], "big"), 10
            if len(self.buf) < start + n:
                break
            payload = self.buf[start:start + n]
            if self.buf[0] & 0x40:  # RSV1: a compressed message (permessage-deflate)
                payload = self.inflate.decompress(payload + b"\x00\x00\xff\xff")
            self.packet(t, payload)
            self.buf = self.buf[start + n:]
        self.stats["busy_ns"] += time.monotonic_ns() - t

    def packet(self, t: int, payload: bytes) -> None:
        self.stats["messages"] += 1
        if payload.startswith(PREFIX):
            self.received.append((t, payload))
        elif payload == b"2":
            self.send(b"3")
        elif payload.startswith(b"0{"):
            self.send(b"40/live,")
        elif payload.startswith(b'42/live,["snapshot"') and not self.ready.done():
            self.ready.set_result(True)


async def main(host: str, port: int, n: int, deflate: bool) -> None:
    loop = asyncio.get_running_loop()
    stats = {"busy_ns": 0, "messages": 0}
    clients: list[LiveClient] = []
    for first in range(0, n, 50):  # connect in waves so the server's accept queue keeps up
        waves = []
        for _ in range(first, min(n, first + 50)):
            ready = loop.create_future()
            client = LiveClient(f"{host}:{port}", ready, stats, deflate)
            await loop.create_connection(lambda c=client: c, host, port)
            clients.append(client)
            waves.append(ready)
        await asyncio.wait_for(asyncio.gather(*waves), 60)
    stats["busy_ns"] = stats["messages"] = 0
    print(f"ready {len(clients)}", flush=True)
    await loop.run_in_executor(None, sys.stdin.read)  # the driver closes stdin when done
    events = []
    for client in clients:
        for t, payload in client.received:
            run = json.loads(payload[len(b"42/live,"):])[1]
            events.append([run["id"], run["status"], t])
    print(json.dumps({"events": events, **stats}), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]),
                     sys.argv[4:5] == ["deflate"]))
