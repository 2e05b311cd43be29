"""The rehearsal's viewers: the check counts exactly the (viewer, run) pairs where the
viewer was connected through the run and fails on a missing final update; a viewer's
window ends when its socket ends (not at a ping), and a silent socket is not counted."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest

from scoreboard.fanout import ws_frame
from scoreboard.rehearsal.checks import Report, check_viewers
from scoreboard.rehearsal.play import Ledger
from scoreboard.rehearsal.viewers import Viewer, ViewerRecord, split_frames


def ledger_of(*runs: tuple[int, str, float, float]) -> Ledger:
    ledger = Ledger()
    for run_id, status, armed, ended in runs:
        ledger.runs[run_id] = {"id": run_id, "status": status}
        ledger.run_window[run_id] = (armed, ended)
    return ledger


def check(ledger: Ledger, records: list[ViewerRecord]) -> list[str]:
    """The names of the failed checks (the name carries the counts)."""
    rep = Report()
    check_viewers(rep, ledger, records)
    return rep.failed


LEDGER = ((1, "finished", 10.0, 12.0), (2, "timeout", 20.0, 25.0), (3, "finished", 30.0, 31.0))


def test_complete_data_passes_and_counts_each_pair_where_the_viewer_was_connected(capsys):
    # viewer 0 connected throughout; viewer 1 cut off during run 2 (at 22.0), back at 26.0
    records = [
        ViewerRecord([(1.0, 40.0, "stopped")],
                     [(1, "armed", 10.1), (1, "finished", 11.9), (2, "timeout", 24.9),
                      (3, "finished", 30.9)]),
        ViewerRecord([(1.0, 22.0, "eof"), (26.0, 40.0, "stopped")],
                     [(1, "finished", 11.9), (3, "finished", 30.9)]),
    ]
    failed = check(ledger_of(*LEDGER), records)
    assert failed == []
    assert capsys.readouterr().out == (
        "rehearsal: check viewers saw every run update (5 of 5 final updates received, "
        "6 updates in all, 1 reconnections, eof 1): 5 — ok\n")


def test_a_missing_final_update_fails_the_check(capsys):
    # viewer 1 was connected through run 3 and received its `armed`, not its `finished`
    records = [
        ViewerRecord([(1.0, 40.0, "stopped")],
                     [(1, "finished", 11.9), (2, "timeout", 24.9), (3, "finished", 30.9)]),
        ViewerRecord([(1.0, 40.0, "stopped")],
                     [(1, "finished", 11.9), (2, "timeout", 24.9), (3, "armed", 30.1)]),
    ]
    failed = check(ledger_of(*LEDGER), records)
    assert len(failed) == 1 and failed[0].startswith("viewers saw every run update")
    assert capsys.readouterr().out == (
        "rehearsal: check viewers saw every run update (5 of 6 final updates received, "
        "6 updates in all, 0 reconnections): 6 — FAILED (1: viewer 1 missed run 3 finished)\n")


def test_a_window_that_ends_before_the_run_ends_is_not_checked(capsys):
    # connected at the arming, cut off 0.1 s before the desk saw the end: not due
    records = [ViewerRecord([(1.0, 30.9, "eof"), (31.5, 40.0, "stopped")],
                            [(1, "finished", 11.9), (2, "timeout", 24.9)])]
    failed = check(ledger_of(*LEDGER), records)
    assert failed == []
    assert "(2 of 2 final updates received" in capsys.readouterr().out


def test_viewers_connected_through_no_run_fail_the_check():
    records = [ViewerRecord([(50.0, 60.0, "stopped")], [])]
    failed = check(ledger_of(*LEDGER), records)
    assert len(failed) == 1 and failed[0].startswith("viewers saw every run update (0 of 0")


# ------------------------------------------------------------ a viewer against a fake server

OPEN = '0{"sid":"e","upgrades":[],"pingInterval":%d,"pingTimeout":%d,"maxPayload":1000000}'
RUN = '42/live,["run",{"id":7,"status":"finished"}]'


class FakeServer:
    """Just enough of a Socket.IO server for one viewer: the upgrade, the session, `/live`'s
    connect acknowledged and a snapshot; then what the test says. Connections are kept."""

    def __init__(self, ping_ms: int = 25000, first: tuple[str, ...] = (RUN,)) -> None:
        self.ping_ms = ping_ms
        self.first = first
        self.writers: list[asyncio.StreamWriter] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n")
        packets = [OPEN % (self.ping_ms, self.ping_ms), '40/live,{"sid":"l"}',
                   '42/live,["snapshot",{"runs":[]}]']
        if not self.writers:
            packets += self.first
        for text in packets:
            writer.write(ws_frame(text))
        self.writers.append(writer)
        await writer.drain()
        await reader.read()  # until the viewer goes


async def until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


def run_follow(server: FakeServer, scenario) -> Viewer:
    """`follow` on an event loop of its own thread: in the whole suite the main thread may
    already hold a running loop (the browser tests' Playwright), where asyncio.run refuses."""
    result: list[Viewer] = []
    failure: list[BaseException] = []

    def main() -> None:
        try:
            result.append(asyncio.run(follow(server, scenario)))
        except BaseException as exc:  # handed back to the test's thread
            failure.append(exc)

    thread = threading.Thread(target=main, name="viewer-test-loop")
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "the viewer's loop did not end"
    if failure:
        raise failure[0]
    return result[0]


async def follow(server: FakeServer, scenario) -> Viewer:
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    viewer = Viewer("127.0.0.1", listener.sockets[0].getsockname()[1], deflate=False)
    task = asyncio.create_task(viewer.follow())
    try:
        await scenario(viewer)
    finally:
        viewer.stop()
        await asyncio.wait_for(task, 10)
        listener.close()
    return viewer


def test_a_connection_the_server_cuts_off_ends_its_window_when_the_socket_closes():
    """The server's ping is 25 s away: the window still ends at the close, and the viewer
    is back on a new connection long before any ping."""
    server = FakeServer()
    cut = {}

    async def scenario(viewer: Viewer) -> None:
        await until(lambda: viewer.updates)
        cut["at"] = time.monotonic()
        server.writers[0].close()
        await until(lambda: len(viewer.windows) == 1 and viewer.connected)

    viewer = run_follow(server, scenario)
    (start, end, why), (start2, _end2, why2) = viewer.windows
    assert (why, why2) == ("eof", "stopped")
    assert start < cut["at"] <= end < cut["at"] + 1.0 < start + 25
    assert end < start2
    assert [(run_id, status) for run_id, status, _t in viewer.updates] == [(7, "finished")]


def test_a_silent_connection_ends_its_window_at_the_last_bytes_received():
    """Pings due every 0.2 s never come: the viewer closes the socket itself and does not
    count the silence as connected."""
    server = FakeServer(ping_ms=200, first=())

    async def scenario(viewer: Viewer) -> None:
        await until(lambda: viewer.windows)

    viewer = run_follow(server, scenario)
    start, end, why = viewer.windows[0]
    assert why == "silent"
    assert end - start < 0.5  # the last bytes were the snapshot, just after the connect


@pytest.mark.parametrize("size", [5, 125, 126, 70_000])
def test_frames_of_every_length_reach_the_viewer_whole(size):
    payload = "x" * size
    server = FakeServer(first=('42/live,["run",' + json.dumps(
        {"id": 9, "status": "finished", "pad": payload}) + "]",))

    async def scenario(viewer: Viewer) -> None:
        await until(lambda: viewer.updates)

    viewer = run_follow(server, scenario)
    assert [(run_id, status) for run_id, status, _t in viewer.updates] == [(9, "finished")]


def test_split_frames_keeps_an_incomplete_frame_for_the_next_read():
    """Two frames (a 7-byte and a 70,000-byte one, whose length takes 8 more bytes) cut at
    every point of interest: whatever is whole comes out, the rest waits, nothing is lost."""
    small, big = b'42/live', b"y" * 70_000
    stream = ws_frame(small.decode()) + ws_frame(big.decode())
    first_len = len(ws_frame(small.decode()))
    for cut in (0, 1, 2, first_len - 1, first_len, first_len + 1, first_len + 2,
                first_len + 9, first_len + 10, len(stream) - 1, len(stream)):
        frames, rest = split_frames(stream[:cut])
        more, left = split_frames(rest + stream[cut:])
        assert [p for _first, p in frames + more] == [small, big] and left == b""
        assert all(first == 0x81 for first, _p in frames + more)
