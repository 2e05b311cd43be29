"""WebSocket compression (permessage-deflate, RFC 7692), each broadcast compressed once.

Why: a category's ranking is ~100 bytes a team, ~20 KB of JSON for 200 teams, and every
edge sends it to every `/live` screen: 200 MB an edge for 10,000 phones, more than a venue's
Wi-Fi or the server's uplink carries, and most of what the server, the proxy and the phones
spend on an edge (docs/performance.md). JSON deflates about 7×. simple-websocket would
compress with a compressor of its own for every connection, each message once per client
and ~100 KiB of zlib state per connection. Here no compression state outlives a message:

- the server answers every offer with `server_no_context_takeover` (RFC 7692 §7.1.1.1 lets
  it, offered or not), so a message compresses to the same bytes for every client, built
  once with the packet (scoreboard/fanout.py `packet_frame`);
- and with `client_no_context_takeover` (§7.1.1.2, likewise), so each message a client sends
  (pongs, a join, an agent's batch) is inflated on its own (`Inflate`), never beyond the
  server's message limit: a small frame that would inflate to gigabytes is refused.

Browsers offer permessage-deflate on every WebSocket and inflate what they get themselves;
a client that offers nothing gets plain frames, as before.
"""

from __future__ import annotations

import zlib
from typing import Any

from wsproto.extensions import Extension
from wsproto.frame_protocol import CloseReason, Opcode, RsvBits

NAME = "permessage-deflate"
# where scoreboard/wsgi.py leaves a client's offer for the hub (scoreboard/wshub.py), out of
# simple-websocket's sight
OFFER = "kejurda.websocket_extensions"
ACCEPT = f"{NAME}; server_no_context_takeover; client_no_context_takeover"
MIN_SIZE = 128  # smaller messages gain (almost) nothing: sent plain, as RFC 7692 allows
WINDOW_BITS = 15  # what the server compresses with (the largest window: the best ratio)
TAIL = b"\x00\x00\xff\xff"  # what a sync flush ends with; left off on the wire (§7.2.1)
_FLAGS = ("server_no_context_takeover", "client_no_context_takeover")


def negotiate(offers: str | None) -> str | None:
    """The Sec-WebSocket-Extensions answer to a client's offers (the header's value), or
    None: no offer of permessage-deflate the server can take, messages go plain."""
    for offer in (offers or "").split(","):
        name, *params = (part.strip() for part in offer.split(";"))
        if name.lower() == NAME and _acceptable(params):
            return ACCEPT
    return None


def _acceptable(params: list[str]) -> bool:
    """Whether the server can take an offer with these parameters (§7: an offer with an
    unknown, repeated or invalid parameter is declined, not half-taken)."""
    seen: set[str] = set()
    for param in params:
        key, has_value, value = (s.strip().strip('"') for s in param.partition("="))
        key = key.lower()
        if key in seen:
            return False
        seen.add(key)
        if key in _FLAGS:
            if has_value:
                return False
        elif key == "client_max_window_bits":  # the client's own window: any is fine
            if has_value and not (value.isdigit() and 8 <= int(value) <= 15):
                return False
        elif key == "server_max_window_bits":  # a smaller window than ours cannot be kept
            if value != str(WINDOW_BITS):
                return False
        else:
            return False
    return True


def deflate(data: bytes) -> bytes:
    """A whole message compressed on its own (no context taken over), as sent (§7.2.1)."""
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -WINDOW_BITS)
    body = compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)
    return body[:-len(TAIL)] if body.endswith(TAIL) else body


class _Agreed(Extension):
    """permessage-deflate as a wsproto extension, once agreed (by `negotiate`, not wsproto's
    handshake, which the hub does not use)."""

    name = NAME

    def enabled(self) -> bool:
        return True

    def offer(self) -> str:
        return ACCEPT


class Deflate(_Agreed):
    """The server's own messages (`scoreboard.fanout.ws_frame`), each compressed on its own
    (RSV1 set, §6); control frames untouched."""

    def frame_outbound(self, proto: Any, opcode: Opcode, rsv: RsvBits, data: bytes,
                       fin: bool) -> tuple[RsvBits, bytes]:
        if opcode.iscontrol():
            return rsv, data
        return RsvBits(True, rsv.rsv2, rsv.rsv3), deflate(data)


class Inflate(_Agreed):
    """wsproto extension for what a client sends once permessage-deflate is agreed: each
    compressed message inflated on its own, and refused (1009, too big) once it would
    inflate past `limit` bytes. The server's own messages are compressed by `Deflate`."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._inflater: Any = None  # the message being inflated, if it is compressed
        self._size = 0
        self._inflating = False  # the current frame is part of a compressed message

    def frame_inbound_header(self, proto: Any, opcode: Opcode, rsv: RsvBits,
                             payload_length: int) -> CloseReason | RsvBits:
        if rsv.rsv1 and (opcode.iscontrol() or opcode is Opcode.CONTINUATION):
            return CloseReason.PROTOCOL_ERROR  # only a message's first frame is marked
        if opcode in (Opcode.TEXT, Opcode.BINARY):  # a new message
            self._inflater = zlib.decompressobj(-15) if rsv.rsv1 else None
            self._size = 0
        self._inflating = self._inflater is not None and not opcode.iscontrol()
        return RsvBits(True, False, False)

    def frame_inbound_payload_data(self, proto: Any, data: bytes) -> bytes | CloseReason:
        return self._inflate(data) if self._inflating else data

    def frame_inbound_complete(self, proto: Any, fin: bool) -> bytes | CloseReason | None:
        if not (self._inflating and fin):
            return None
        out = self._inflate(TAIL)
        self._inflater = None  # client_no_context_takeover: the next message starts afresh
        return out

    def _inflate(self, data: bytes) -> bytes | CloseReason:
        try:
            out = self._inflater.decompress(data, self.limit - self._size + 1)
        except zlib.error:
            return CloseReason.INVALID_FRAME_PAYLOAD_DATA
        self._size += len(out)
        if self._size > self.limit or self._inflater.unconsumed_tail:
            return CloseReason.MESSAGE_TOO_BIG
        return out
