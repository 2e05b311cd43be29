"""scoreboard/fanout.py `FanoutManager`: a broadcast handed to the fan-out in one loop.

A real python-socketio server in threading mode with the fan-out installed; its clients
are engine.io sessions whose sockets are real socketpairs (direct WebSocket clients) or
engine.io's own queue (a long-polling client). What each one receives is read back with
wsproto's own client, and compared with what python-socketio's own manager sends."""

from __future__ import annotations

import gc
import socket
import weakref
from collections.abc import Iterator

import pytest
import socketio
from engineio import packet as eio_packet
from engineio import socket as eio_socket_mod
from wsproto.extensions import PerMessageDeflate
from wsproto.frame_protocol import FrameProtocol

from scoreboard import fanout, wsdeflate
from scoreboard.app import create_app
from scoreboard.broadcast import ResyncingRedisManager
from scoreboard.fanout import FanoutManager, Flusher, FrameSocket

RUN = {"id": 7, "status": "running", "team_name": "Tim Garuda " * 20, "elapsed_us": None}


class Hall:
    """A server and its clients: `direct` ones by sid with the peer end of their socket,
    `polling` ones (engine.io's queue)."""

    def __init__(self, manager: socketio.Manager, install: bool = True) -> None:
        self.server = socketio.Server(async_mode="threading", client_manager=manager)
        self.server.register_namespace(socketio.Namespace("/live"))
        self.eio = self.server.eio
        self.registry = fanout.install(self.eio, Flusher()) if install else {}
        self.peers: dict[str, socket.socket] = {}
        self.sid_of: dict[str, str] = {}  # engine.io sid → Socket.IO sid on /live
        self.sockets: list[socket.socket] = []

    def session(self, sid: str) -> eio_socket_mod.Socket:
        session = eio_socket_mod.Socket(self.eio, sid)
        session.connected = True
        self.eio.sockets[sid] = session
        self.sid_of[sid] = self.server.manager.connect(sid, "/live")
        return session

    def direct(self, sid: str, deflate: bool = False) -> None:
        session = self.session(sid)
        raw, peer = socket.socketpair()
        self.sockets += [raw, peer]
        out = FrameSocket(raw)
        out.deflate = deflate
        out.alive = lambda: not session.closed  # as the fan-out's wrapper and the hub set it
        self.registry[sid] = out
        self.peers[sid] = peer

    def received(self, sid: str) -> list[str]:
        """Every message the client's socket holds now, as text (inflated if need be)."""
        peer = self.peers[sid]
        peer.setblocking(False)
        data = b""
        try:
            while chunk := peer.recv(1 << 20):
                data += chunk
        except BlockingIOError:
            pass
        ext = PerMessageDeflate()  # wsproto's own, as a browser's: reads both kinds
        ext.finalize(wsdeflate.ACCEPT)
        reader = FrameProtocol(client=True, extensions=[ext])
        reader.receive_bytes(data)
        return [frame.payload for frame in reader.received_frames()]

    def close(self) -> None:
        for s in self.sockets:
            s.close()


@pytest.fixture
def hall() -> Iterator[Hall]:
    h = Hall(FanoutManager())
    yield h
    h.close()


def socketio_text(*data: object) -> str:
    """A Socket.IO EVENT on /live as python-socketio encodes it."""
    return socketio.packet.Packet(socketio.packet.EVENT, namespace="/live",
                                  data=list(data)).encode()


def expected_text(event: str, data: object) -> str:
    """The same, as an Engine.IO MESSAGE on a WebSocket."""
    return eio_packet.Packet(eio_packet.MESSAGE, socketio_text(event, data)).encode()


def test_a_broadcast_reaches_every_direct_client_once_with_python_socketio_s_own_bytes(hall):
    for i in range(5):
        hall.direct(f"plain{i}")
        hall.direct(f"deflate{i}", deflate=True)
    hall.server.emit("run", RUN, namespace="/live")
    hall.server.emit("run", dict(RUN, status="finished"), namespace="/live")
    want = [expected_text("run", RUN), expected_text("run", dict(RUN, status="finished"))]
    for sid in hall.peers:
        assert hall.received(sid) == want, sid


def test_a_broadcast_is_one_call_into_the_fan_out_not_one_engine_io_call_per_client(hall):
    for i in range(20):
        hall.direct(f"c{i}")
    per_client: list[str] = []
    send_packet = hall.eio.send_packet
    hall.eio.send_packet = lambda sid, pkt: per_client.append(sid) or send_packet(sid, pkt)
    hall.server.emit("run", RUN, namespace="/live")
    assert per_client == []
    assert all(hall.received(sid) == [expected_text("run", RUN)] for sid in hall.peers)
    # a message to one client (an ack, a snapshot) still takes engine.io's call
    hall.server.emit("run", RUN, namespace="/live", to=hall.sid_of["c3"])
    assert per_client == ["c3"]
    assert hall.received("c3") == [expected_text("run", RUN)]


def test_the_frame_is_built_once_per_kind_for_the_whole_hall(hall, monkeypatch):
    built: list[bool] = []
    frame = fanout.packet_frame
    monkeypatch.setattr(fanout, "packet_frame",
                        lambda pkt, deflate=False: built.append(deflate) or frame(pkt, deflate))
    for i in range(50):
        hall.direct(f"c{i}", deflate=i % 2 == 0)
    hall.server.emit("run", RUN, namespace="/live")
    assert sorted(built) == [False, True]
    # and the compressed clients did get a compressed frame (RSV1 set on the wire)
    raw = hall.peers["c0"].recv(1 << 16)
    assert raw[0] & 0x40


def test_long_polling_clients_get_the_message_through_engine_io_s_queue(hall):
    hall.direct("ws")
    polling = hall.session("poll")
    hall.server.emit("run", RUN, namespace="/live")
    assert hall.received("ws") == [expected_text("run", RUN)]
    queued = polling.queue.get(timeout=1)
    assert (queued.packet_type, queued.data) == (eio_packet.MESSAGE, socketio_text("run", RUN))


def test_a_closed_session_is_skipped_and_the_others_still_get_the_broadcast(hall):
    for sid in ("a", "b", "c"):
        hall.direct(sid)
    hall.eio.sockets["b"].closed = True
    hall.registry["c"].fail()  # its socket failed: the fan-out marked it dead
    hall.server.emit("run", RUN, namespace="/live")
    assert hall.received("a") == [expected_text("run", RUN)]
    assert hall.received("b") == [] and hall.received("c") == []


def test_one_client_s_failure_does_not_end_the_broadcast_for_the_others(hall, monkeypatch,
                                                                        caplog):
    for sid in ("a", "b", "c"):
        hall.direct(sid)
    monkeypatch.setattr(hall.registry["b"], "write_message", lambda frame: 1 / 0)
    hall.server.emit("run", RUN, namespace="/live")
    assert hall.received("a") == hall.received("c") == [expected_text("run", RUN)]
    assert "writing to b" in caplog.text


@pytest.mark.parametrize("how", ["room", "skip_sid", "callback", "tuple"])
def test_rooms_skips_callbacks_and_several_arguments_keep_python_socketio_s_emit(hall, how):
    for sid in ("a", "b"):
        hall.direct(sid)
    hall.server.manager.enter_room(hall.sid_of["a"], "/live", "juri")
    kwargs: dict[str, object] = {
        "room": {"room": "juri"}, "skip_sid": {"skip_sid": hall.sid_of["b"]},
        "callback": {"callback": lambda *_: None}, "tuple": {}}[how]
    data = (RUN, 2) if how == "tuple" else RUN
    hall.server.emit("run", data, namespace="/live", **kwargs)
    if how == "tuple":
        want = eio_packet.Packet(eio_packet.MESSAGE, socketio_text("run", RUN, 2)).encode()
        assert hall.received("a") == hall.received("b") == [want]
        return
    got_a = hall.received("a")
    assert len(got_a) == 1 and '"running"' in got_a[0]
    assert hall.received("b") == ([] if how in ("room", "skip_sid") else got_a)


def test_without_the_fan_out_the_manager_is_python_socketio_s_own():
    hall = Hall(FanoutManager(), install=False)
    try:
        session = hall.session("x")
        hall.server.emit("run", RUN, namespace="/live")
        assert session.queue.get(timeout=1).data == socketio_text("run", RUN)
    finally:
        hall.close()


def test_the_redis_manager_broadcasts_what_it_receives_through_the_fan_out():
    """python-socketio's pub/sub manager hands what it takes from Redis to the next
    manager in the bases; that must be ours, not python-socketio's own Manager."""
    mro = ResyncingRedisManager.__mro__
    assert mro.index(socketio.PubSubManager) < mro.index(FanoutManager) < mro.index(
        socketio.Manager)


def test_an_unknown_namespace_sends_nothing(hall):
    hall.direct("a")
    hall.server.emit("run", RUN, namespace="/nowhere")
    assert hall.received("a") == []


def test_an_app_that_is_dropped_is_collected_with_its_engine_io_server(tmp_path):
    """The broadcast is kept on the server it writes for, nowhere else: tests and tools
    make many apps in one process, and none may outlive its last reference."""
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'g.db'}", "SECRET_KEY": "t",
                      "TESTING": True})
    eio = weakref.ref(app.extensions["socketio"].server.eio)
    assert eio().kejurda_broadcast is not None
    del app
    gc.collect()
    assert eio() is None


def test_a_big_broadcast_is_written_by_two_threads_and_every_client_keeps_its_order(
        hall, monkeypatch):
    """From SPLIT_AT clients on, a second thread writes the second half; the broadcast
    returns only when both halves are written, so the next one never overtakes it."""
    import threading

    monkeypatch.setattr(fanout, "SPLIT_AT", 6)
    for i in range(7):
        hall.direct(f"plain{i}")
        hall.direct(f"deflate{i}", deflate=True)
    hall.session("polling")  # engine.io's queue, from whichever thread writes its half
    writers: dict[str, set[str]] = {}
    for sid, out in hall.registry.items():
        def spy(data, _write=out.write_message, _sid=sid):
            writers.setdefault(_sid, set()).add(threading.current_thread().name)
            _write(data)
        out.write_message = spy
    statuses = ["armed", "running", "finished"]
    for status in statuses:
        hall.server.emit("run", dict(RUN, status=status), namespace="/live")
    want = [expected_text("run", dict(RUN, status=status)) for status in statuses]
    for sid in hall.peers:
        assert hall.received(sid) == want, sid
    queued = [hall.eio.sockets["polling"].queue.get_nowait().encode() for _ in statuses]
    assert queued == want
    names = {name for each in writers.values() for name in each}
    assert len(writers) == 14 and len(names) == 2, writers
    assert all(len(each) == 1 for each in writers.values())  # one thread per client


def test_a_small_broadcast_is_written_by_the_emitting_thread_alone(hall):
    import threading

    for i in range(fanout.SPLIT_AT - 1):
        hall.direct(f"c{i}")
    writers: set[str] = set()
    for out in hall.registry.values():
        def spy(data, _write=out.write_message):
            writers.add(threading.current_thread().name)
            _write(data)
        out.write_message = spy
    hall.server.emit("run", RUN, namespace="/live")
    assert writers == {threading.current_thread().name}
    assert all(hall.received(sid) == [expected_text("run", RUN)] for sid in hall.peers)


def test_a_big_broadcast_made_on_the_helper_thread_is_written_there_alone(hall, monkeypatch):
    """Something the second half's writing sets off (engine.io closing a session) may
    broadcast again from the helper thread: it writes that one itself instead of waiting
    for itself."""
    import threading

    monkeypatch.setattr(fanout, "SPLIT_AT", 4)
    for i in range(6):
        hall.direct(f"c{i}")
    nested: list[str] = []
    last = hall.registry["c5"]  # in the second half: written by the helper

    def then_broadcast_again(data, _write=last.write_message):
        _write(data)
        if not nested:
            nested.append(threading.current_thread().name)
            hall.server.emit("run", dict(RUN, status="finished"), namespace="/live")
    last.write_message = then_broadcast_again
    done = threading.Event()
    threading.Thread(target=lambda: (hall.server.emit("run", RUN, namespace="/live"),
                                     done.set()), daemon=True).start()
    assert done.wait(10), "the broadcast waited for itself"
    assert nested[0].startswith("kejurda-fanout")
    both = {expected_text("run", RUN), expected_text("run", dict(RUN, status="finished"))}
    for sid in hall.peers:  # a broadcast made inside another may overtake it, as without
        got = hall.received(sid)  # the helper: what matters here is that both arrive
        assert len(got) == 2 and set(got) == both, sid


def test_a_long_polling_client_gone_meanwhile_ends_nothing(hall, caplog):
    """engine.io raises when a session closes between its lookup and its send: the
    broadcast goes on to the rest, and an ordinary close logs no error."""
    from engineio.exceptions import SocketIsClosedError

    def closed(_pkt):
        raise SocketIsClosedError()

    hall.direct("a")
    hall.session("gone").send = closed
    hall.direct("b")
    hall.server.emit("run", RUN, namespace="/live")
    assert hall.received("a") == hall.received("b") == [expected_text("run", RUN)]
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_a_job_whose_thread_could_not_start_never_runs_later(monkeypatch):
    """The executor queues a job before it starts its thread: when the start fails (no
    thread to be had), the caller writes the broadcast itself, and that queued job must not
    run with the next broadcast (its clients would get the old message again)."""
    import threading

    ran: list[str] = []
    done = threading.Event()
    helper = fanout.SecondHand()
    start = threading.Thread.start

    def no_thread(_thread):
        raise RuntimeError("can't start new thread")
    monkeypatch.setattr(threading.Thread, "start", no_thread)
    assert helper.submit(ran.append, "old") is None
    monkeypatch.setattr(threading.Thread, "start", start)
    later = helper.submit(lambda: (ran.append("new"), done.set()))
    later.result(timeout=10)
    assert done.is_set() and ran == ["new"]
