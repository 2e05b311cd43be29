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
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script, by path

from scoreboard.rehearsal.viewers import LiveSocket  # noqa: E402

PREFIX = b'42/live,["run",'


class LiveClient(LiveSocket):
    """One websocket (the package's raw client, shared with the rehearsal's viewers):
    pongs inline, `run` payloads kept raw, the time spent on each chunk counted."""

    def __init__(self, host: str, ready: asyncio.Future, stats: dict, deflate: bool = False):
        super().__init__(host, deflate)
        self.ready = ready
        self.stats = stats
        self.received: list[tuple[int, bytes]] = []

    def data_received(self, data: bytes) -> None:
        t = time.monotonic_ns()
        super().data_received(data)
        self.stats["busy_ns"] += time.monotonic_ns() - t

    def packet(self, t: int, payload: bytes) -> None:
        self.stats["messages"] += 1
        if payload.startswith(PREFIX):
            self.received.append((t, payload))
        elif payload.startswith(b'42/live,["snapshot"') and not self.ready.done():
            self.ready.set_result(True)
        else:
            super().packet(t, payload)

    def refused(self, answer: str) -> None:
        if not self.ready.done():
            self.ready.set_exception(RuntimeError(answer))
        super().refused(answer)


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
