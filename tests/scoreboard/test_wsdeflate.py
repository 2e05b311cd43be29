"""scoreboard/wsdeflate.py: which offers of permessage-deflate the server takes, frames a
standard client inflates, and what a client may send compressed (never a bomb). The whole
path with a real server: tests/e2e/test_ws_compression.py."""

from __future__ import annotations

import tracemalloc
import zlib

import pytest
from engineio import packet as eio_packet
from wsproto.extensions import PerMessageDeflate
from wsproto.frame_protocol import CloseReason, FrameProtocol, Opcode, ParseFailed

from scoreboard import wsdeflate
from scoreboard.fanout import packet_frame, ws_frame

RANKING = '42/live,["ranking",{"category":"lf-sd","entries":[' + ",".join(
    f'{{"rank":{i},"team":"SD-{i:02d}","team_name":"Tim {i}","best_us":{9_000_000 + i * 7919},'
    f'"status":"finished"}}' for i in range(1, 60)) + "]}]"


@pytest.mark.parametrize("offer", [
    "permessage-deflate; client_max_window_bits",  # Chromium
    "permessage-deflate",  # Firefox, Safari
    "permessage-deflate; client_max_window_bits=15; server_max_window_bits=15",  # wsproto
    "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
    'permessage-deflate; client_max_window_bits="10"',
    "x-webkit-deflate-frame, permessage-deflate",  # an unknown one first: skipped
    "permessage-deflate; server_max_window_bits=10, permessage-deflate",  # the second
])
def test_offers_browsers_make_are_taken_with_no_context_kept_either_way(offer):
    assert wsdeflate.negotiate(offer) == (
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover")


@pytest.mark.parametrize("offer", [
    None, "", "x-webkit-deflate-frame",
    "permessage-deflate; server_max_window_bits=10",  # a smaller window than the server's
    "permessage-deflate; server_max_window_bits",  # no value: invalid (RFC 7692 §7.1.2.1)
    "permessage-deflate; client_max_window_bits=7",
    "permessage-deflate; client_max_window_bits=big",
    "permessage-deflate; server_no_context_takeover=1",
    "permessage-deflate; client_no_context_takeover; client_no_context_takeover",
    "permessage-deflate; mystery=1",
])
def test_offers_the_server_cannot_keep_are_declined_and_messages_go_plain(offer):
    assert wsdeflate.negotiate(offer) is None


def client_inflating() -> FrameProtocol:
    """A standard client's side of the agreement (wsproto's own permessage-deflate)."""
    ext = PerMessageDeflate()
    ext.finalize(wsdeflate.ACCEPT)
    return FrameProtocol(client=True, extensions=[ext])


def test_each_compressed_frame_inflates_on_its_own_in_a_standard_client():
    other = RANKING.replace("Tim", "Team")
    frames = [ws_frame(RANKING, deflate=True), ws_frame(other, deflate=True)]
    assert all(frame[0] == 0xC1 for frame in frames)  # FIN, RSV1, text
    assert len(frames[0]) < len(RANKING) / 4
    reader = client_inflating()
    reader.receive_bytes(b"".join(frames))
    assert [f.payload for f in reader.received_frames()] == [RANKING, other]
    # no context taken over: the second alone, with a fresh inflater, reads back too
    body = frames[1][4:]  # 126: a two-byte length follows
    assert zlib.decompressobj(-15).decompress(body + wsdeflate.TAIL).decode() == other


def test_small_messages_and_clients_that_did_not_agree_get_plain_frames():
    assert ws_frame("2", deflate=True) == b"\x81\x012"
    assert ws_frame(RANKING)[0] == 0x81
    assert ws_frame(RANKING.encode(), deflate=True)[0] == 0xC2  # binary stays binary


def test_a_broadcast_packet_is_compressed_once_whatever_the_number_of_clients(monkeypatch):
    calls = []
    real = wsdeflate.deflate
    monkeypatch.setattr(wsdeflate, "deflate", lambda data: calls.append(data) or real(data))
    pkt = eio_packet.Packet(eio_packet.MESSAGE, data=RANKING)
    frames = {packet_frame(pkt, deflate=True) for _ in range(500)}
    plain = {packet_frame(pkt) for _ in range(500)}
    assert len(calls) == 1 and len(frames) == 1 and len(plain) == 1
    assert plain != frames


def client_compressing() -> FrameProtocol:
    ext = PerMessageDeflate(client_no_context_takeover=True)
    ext.finalize(wsdeflate.ACCEPT)
    return FrameProtocol(client=True, extensions=[ext])


def server_reading(limit: int = 1 << 20) -> FrameProtocol:
    return FrameProtocol(client=False, extensions=[wsdeflate.Inflate(limit)])


def test_what_a_client_sends_compressed_fragmented_or_plain_reads_back_in_order():
    client, server = client_compressing(), server_reading()
    wire = bytes(client.send_data("40/live,", fin=True))
    wire += bytes(client.send_data(RANKING[:500], fin=False))
    wire += bytes(client.ping(b"hi"))  # a control frame between a message's fragments
    wire += bytes(client.send_data(RANKING[500:], fin=True))
    wire += bytes(client.send_data("3", fin=True))
    assert wire[0] & 0x40  # compressed
    server.receive_bytes(wire)
    frames = list(server.received_frames())
    assert [f.opcode for f in frames] == [Opcode.TEXT, Opcode.TEXT, Opcode.PING,
                                         Opcode.TEXT, Opcode.TEXT]
    assert [f.message_finished for f in frames] == [True, False, True, True, True]
    assert frames[0].payload == "40/live," and frames[-1].payload == "3"
    assert frames[1].payload + frames[3].payload == RANKING
    plain = FrameProtocol(client=True, extensions=[])  # a client may also send plain
    server.receive_bytes(bytes(plain.send_data("3", fin=True)))
    assert [f.payload for f in server.received_frames()] == ["3"]


def refusal(wire: bytes, limit: int = 1 << 20) -> CloseReason:
    server = server_reading(limit)
    server.receive_bytes(wire)
    with pytest.raises(ParseFailed) as failed:
        list(server.received_frames())
    return failed.value.code


def test_a_message_that_would_inflate_past_the_limit_is_refused_not_inflated():
    bomb = zlib.compressobj(9, zlib.DEFLATED, -15)
    wire = bomb.compress(b"\0" * (64 << 20)) + bomb.flush(zlib.Z_SYNC_FLUSH)[:-4]
    assert len(wire) < 100_000  # 64 MiB in under 100 KB
    client = FrameProtocol(client=True, extensions=[])
    frame = bytearray(client.send_data(wire, fin=True))
    frame[0] |= 0x40
    tracemalloc.start()
    try:
        assert refusal(bytes(frame)) is CloseReason.MESSAGE_TOO_BIG
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20  # about the limit (1 MiB) and the wire, never the 64 MiB


def test_garbage_that_claims_to_be_compressed_and_compressed_control_frames_are_refused():
    client = FrameProtocol(client=True, extensions=[])
    garbage = bytearray(client.send_data(b"\xff\xfe not deflate", fin=True))
    garbage[0] |= 0x40
    assert refusal(bytes(garbage)) is CloseReason.INVALID_FRAME_PAYLOAD_DATA
    ping = bytearray(client.ping(b"x"))
    ping[0] |= 0x40
    assert refusal(bytes(ping)) is CloseReason.PROTOCOL_ERROR
