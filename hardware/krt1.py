"""KRT/1 codec on the host: one line of bytes <-> one validated frame.

docs/contract.md §6. A frame is ``$`` + payload + ``*`` + CRC-32 as 8 hex digits + ``\\n``.
``decode`` is strict: every field is checked, so whatever it returns can be acted on
without further validation, and every refusal carries a ``kind`` the serial link counts.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

MAX_LINE = 120  # bytes of a whole frame, "$" to its "\n" (docs/contract.md §6: "over 120 bytes")

# Error kinds, the keys of the serial link's error counters.
NOISE = "noise"
TOO_LONG = "too_long"
BAD_CHARS = "bad_chars"
BAD_FRAMING = "bad_framing"
BAD_CRC = "bad_crc"
UNKNOWN_TYPE = "unknown_type"
BAD_FIELDS = "bad_fields"
KINDS = (NOISE, TOO_LONG, BAD_CHARS, BAD_FRAMING, BAD_CRC, UNKNOWN_TYPE, BAD_FIELDS)

_UINT = re.compile(r"[0-9]{1,20}\Z")
_HEX8 = re.compile(r"[0-9A-Fa-f]{8}\Z")
_NONCE = re.compile(r"[0-9A-Za-z]{1,16}\Z")
_NAME = re.compile(r"[0-9A-Za-z_.:\-]{1,64}\Z")
_CODE = re.compile(r"[A-Z][A-Z0-9_]{0,15}\Z")
_KEY = re.compile(r"[a-z][a-z0-9_]{0,31}\Z")
_TEXT = re.compile(r"[\x20-\x7e]{0,64}\Z")
_STATES = re.compile(r"[BC]{1,32}\Z")


class FrameError(ValueError):
    """A line that is not a valid KRT/1 frame; ``kind`` is one of ``KINDS``."""

    def __init__(self, kind: str, reason: str):
        super().__init__(f"{kind}: {reason}")
        self.kind = kind
        self.reason = reason


@dataclass(frozen=True)
class Frame:
    """A decoded frame: its message ``type`` and its typed ``fields``."""

    type: str
    fields: Mapping[str, object] = field(default_factory=dict)

    def __getitem__(self, key: str) -> object:
        return self.fields[key]

    def to_dict(self) -> dict:
        """The frame as one flat dict, ``{"type": ..., **fields}``."""
        return {"type": self.type, **self.fields}


def _uint(lo: int):
    def conv(text: str) -> int:
        if not _UINT.match(text):
            raise ValueError(f"not an unsigned integer: {text!r}")
        value = int(text)
        if value < lo:
            raise ValueError(f"{value} < {lo}")
        return value

    return conv


def _pattern(regex: re.Pattern, what: str):
    def conv(text: str) -> str:
        if not regex.match(text):
            raise ValueError(f"bad {what}: {text!r}")
        return text

    return conv


def _edge(text: str) -> str:
    if text not in ("B", "C"):
        raise ValueError(f"edge must be B or C, not {text!r}")
    return text


_NONCE_F = _pattern(_NONCE, "nonce")

# Each message type: its field names and their converters, in wire order.
SCHEMA: dict[str, tuple[tuple[str, object], ...]] = {
    "HELLO": (("device", _pattern(_NAME, "device")), ("boot", _pattern(_HEX8, "boot id")),
              ("fw", _pattern(_NAME, "fw")), ("gates", _uint(1))),
    "EV": (("seq", _uint(1)), ("gate", _uint(0)), ("edge", _edge), ("t_us", _uint(0))),
    "HB": (("last_seq", _uint(0)), ("t_us", _uint(0)), ("states", _pattern(_STATES, "states"))),
    "TS": (("nonce", _NONCE_F), ("t_us", _uint(0))),
    "ERR": (("code", _pattern(_CODE, "code")), ("detail", _pattern(_TEXT, "detail"))),
    "ACK": (("seq", _uint(0)),),
    "TQ": (("nonce", _NONCE_F),),
    "RS": (("from_seq", _uint(1)),),
    "WHO": (),
    "CFG": (("key", _pattern(_KEY, "key")), ("value", _pattern(_TEXT, "value"))),
}


def crc_hex(payload: bytes) -> str:
    """The CRC of a payload as sent: 8 uppercase hex digits."""
    return f"{zlib.crc32(payload) & 0xFFFFFFFF:08X}"


def encode(payload_fields: Sequence[object]) -> bytes:
    """Frame ``["EV", 1, 0, "B", 1523004]`` as ``b"$EV,1,0,B,1523004*AE494C02\\n"``.

    Raises ``ValueError`` for a field that would break the framing or a frame that
    the receiver would refuse (unknown type, bad fields, too long).
    """
    texts = [str(f) for f in payload_fields]
    for text in texts:
        if any(c in text for c in ",$*\r\n") or not text.isascii():
            raise ValueError(f"field {text!r} cannot be framed")
    payload = ",".join(texts).encode("ascii")
    line = b"$" + payload + b"*" + crc_hex(payload).encode("ascii") + b"\n"
    decode(line)  # refuse to send what a receiver must drop
    return line


def decode(line: bytes) -> Frame:
    """Validate and decode one line (with or without its ``\\n``); raise ``FrameError``."""
    body = line.rstrip(b"\r\n") if line.endswith(b"\n") else line
    if not body.startswith(b"$"):
        raise FrameError(NOISE, "does not start with $")
    if len(body) + 1 > MAX_LINE:  # + the "\n" that ends every frame
        raise FrameError(TOO_LONG, f"{len(body) + 1} bytes > {MAX_LINE}")
    if any(b < 0x20 or b > 0x7E for b in body):
        raise FrameError(BAD_CHARS, "control or non-ASCII byte")
    star = body.rfind(b"*")
    if star < 0:
        raise FrameError(BAD_FRAMING, "no * before the CRC")
    payload, crc = body[1:star], body[star + 1:]
    if not _HEX8.match(crc.decode("ascii")):
        raise FrameError(BAD_FRAMING, f"CRC must be 8 hex digits, got {crc!r}")
    if int(crc, 16) != zlib.crc32(payload) & 0xFFFFFFFF:
        raise FrameError(BAD_CRC, f"CRC {crc.decode()} != {crc_hex(payload)}")
    parts = payload.decode("ascii").split(",")
    schema = SCHEMA.get(parts[0])
    if schema is None:
        raise FrameError(UNKNOWN_TYPE, f"unknown message {parts[0]!r}")
    if len(parts) - 1 != len(schema):
        raise FrameError(BAD_FIELDS, f"{parts[0]} takes {len(schema)} fields, got {len(parts) - 1}")
    values = {}
    for (name, conv), text in zip(schema, parts[1:], strict=True):
        try:
            values[name] = conv(text)
        except ValueError as exc:
            raise FrameError(BAD_FIELDS, f"{parts[0]}.{name}: {exc}") from None
    return Frame(parts[0], MappingProxyType(values))
