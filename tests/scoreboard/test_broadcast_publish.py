"""scoreboard/broadcast.py `ResyncingRedisManager`: a broadcast goes to Redis before this
server writes it to its own screens, so every server writes at once; publishing never holds
up this server's own screens.

Two python-socketio servers in threading mode with the fan-out, sharing a channel of their
own on the machine's Redis (127.0.0.1:6379; skipped where it is absent); their clients are
real socketpairs, read back with wsproto (tests/scoreboard/test_fanout_manager.py's Hall).
"""

from __future__ import annotations

import secrets
import socket
import threading
from collections.abc import Iterator

import pytest
import socketio

from scoreboard.broadcast import ResyncingRedisManager
from tests.scoreboard.test_fanout_manager import RUN, Hall, expected_text
from tests.support.waiting import wait_until

REDIS = ("127.0.0.1", 6379)


@pytest.fixture
def halls() -> Iterator[tuple[Hall, Hall]]:
    try:
        socket.create_connection(REDIS, timeout=1).close()
    except OSError:
        pytest.skip("Redis is not running on 127.0.0.1:6379 (scale-out mode needs it)")
    import redis

    channel = f"kejurda-test-{secrets.token_hex(4)}"
    made = [Hall(ResyncingRedisManager("redis://127.0.0.1:6379/0", channel, lambda: None))
            for _ in range(2)]
    for hall in made:
        hall.server.manager.initialize()  # its listener, as the first connection would
    client = redis.Redis(*REDIS)
    assert wait_until(lambda: client.pubsub_numsub(channel)[0][1] == 2)
    yield made[0], made[1]
    for hall in made:
        hall.close()
    client.close()


def _held(hall: Hall, sid: str) -> threading.Event:
    """`sid`'s writes wait until the returned event is set: a server slow with its own."""
    gate = threading.Event()
    out = hall.registry[sid]
    write = out.write_message

    def slow(data: bytes) -> None:
        assert gate.wait(10)
        write(data)

    out.write_message = slow
    return gate


def test_the_other_server_writes_while_this_one_is_still_writing_to_its_own(halls):
    """python-socketio writes to the emitting server's screens first and publishes after;
    with 5,000 screens a server, the other server's half then waited ~80 ms for it."""
    here, there = halls
    here.direct("a")
    there.direct("b")
    gate = _held(here, "a")
    emitting = threading.Thread(target=here.server.emit, args=("run", RUN),
                                kwargs={"namespace": "/live"})
    emitting.start()
    try:
        got: list[str] = []
        assert wait_until(lambda: got.extend(there.received("b")) or got)
        assert got == [expected_text("run", RUN)]
        assert emitting.is_alive() and here.received("a") == []  # still writing its own
    finally:
        gate.set()
        emitting.join(10)
    assert here.received("a") == [expected_text("run", RUN)]


def test_each_broadcast_reaches_every_server_once_and_in_order(halls):
    here, there = halls
    for hall, sid in ((here, "a1"), (here, "a2"), (there, "b1")):
        hall.direct(sid)
    # the last is a marker: a message published twice would be there before it
    statuses = ["armed", "running", "finished", "review", "marker"]
    for status in statuses:
        here.server.emit("run", dict(RUN, status=status), namespace="/live")
    want = [expected_text("run", dict(RUN, status=status)) for status in statuses]
    got: list[str] = []
    assert wait_until(lambda: got.extend(there.received("b1")) or want[-1] in got)
    assert got == want
    assert here.received("a1") == here.received("a2") == want


def test_a_frozen_redis_holds_up_nothing_on_this_server(halls, monkeypatch):
    """Publishing waits on its own thread; this server's screens get every broadcast, and
    the others get them in order once Redis answers again."""
    here, there = halls
    here.direct("a")
    there.direct("b")
    thawed = threading.Event()
    publish = socketio.RedisManager._publish

    def frozen(self, data):
        assert thawed.wait(10)
        return publish(self, data)

    monkeypatch.setattr(socketio.RedisManager, "_publish", frozen)
    statuses = ["armed", "running", "finished"]
    for status in statuses:
        here.server.emit("run", dict(RUN, status=status), namespace="/live")  # returns
    want = [expected_text("run", dict(RUN, status=status)) for status in statuses]
    assert here.received("a") == want
    assert there.received("b") == []
    thawed.set()
    got: list[str] = []
    assert wait_until(lambda: got.extend(there.received("b")) or len(got) >= len(want))
    assert got == want


def test_an_emit_made_while_a_broadcast_is_written_publishes_each_message_once(halls):
    """A handler run in the middle of a broadcast (a client found gone) may emit: each of
    the two messages is published once, the outer first."""
    here, there = halls
    here.direct("a")
    there.direct("b")
    out = here.registry["a"]
    write = out.write_message
    inner = dict(RUN, status="review")

    def write_then_emit(data: bytes) -> None:
        out.write_message = write  # once
        write(data)
        here.server.emit("run", inner, namespace="/live")

    out.write_message = write_then_emit
    here.server.emit("run", RUN, namespace="/live")
    here.server.emit("run", dict(RUN, status="marker"), namespace="/live")
    want = [expected_text("run", data) for data in (RUN, inner, dict(RUN, status="marker"))]
    got: list[str] = []
    assert wait_until(lambda: got.extend(there.received("b")) or want[-1] in got)
    assert got == want
    assert here.received("a") == want
