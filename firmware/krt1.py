"""KRT/1 framing on the device (docs/contract.md §6), for MicroPython and CPython alike.

Kept free of re and dataclasses so the same file runs on the ESP32, under the
MicroPython WebAssembly port in tests, and in the host's virtual ESP32.
"""

import binascii

MAX_LINE = 120

NOISE = "noise"
TOO_LONG = "too_long"
BAD_CHARS = "bad_chars"
BAD_FRAMING = "bad_framing"
BAD_CRC = "bad_crc"
UNKNOWN_TYPE = "unknown_type"
BAD_FIELDS = "bad_fields"

_HEX = "0123456789abcdefABCDEF"
_DIGITS = "0123456789"
_ALNUM = _DIGITS + "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_NAME = _ALNUM + "_.:-"
_CODE = _DIGITS + "ABCDEFGHIJKLMNOPQRSTUVWXYZ_"
_KEY = _DIGITS + "abcdefghijklmnopqrstuvwxyz_"


class FrameError(ValueError):
    """A line that is not a valid frame; ``kind`` names why."""

    def __init__(self, kind, reason=""):
        super().__init__(kind)
        self.kind = kind
        self.reason = reason


def crc_hex(payload):
    """CRC-32 of ``payload`` (bytes) as 8 uppercase hex digits."""
    return "%08X" % (binascii.crc32(payload) & 0xFFFFFFFF)


def encode(payload):
    """Frame a payload string such as ``"EV,1,0,B,1523004"`` as bytes with CRC and newline."""
    body = payload.encode()
    return b"$" + body + b"*" + crc_hex(body).encode() + b"\n"


def _only(text, alphabet, lo, hi):
    if not lo <= len(text) <= hi:
        return False
    for c in text:
        if c not in alphabet:
            return False
    return True


def _uint(text, lo):
    if not _only(text, _DIGITS, 1, 20):
        raise FrameError(BAD_FIELDS, "not an unsigned integer")
    value = int(text)
    if value < lo:
        raise FrameError(BAD_FIELDS, "too small")
    return value


def _str(text, alphabet, lo, hi):
    if not _only(text, alphabet, lo, hi):
        raise FrameError(BAD_FIELDS, "bad text field")
    return text


def _text(text):
    for c in text:
        if not " " <= c <= "~":
            raise FrameError(BAD_FIELDS, "bad text field")
    if len(text) > 64:
        raise FrameError(BAD_FIELDS, "text too long")
    return text


def _edge(text):
    if text != "B" and text != "C":
        raise FrameError(BAD_FIELDS, "edge must be B or C")
    return text


def _states(text):
    return _str(text, "BC", 1, 32)


# type -> ((field name, converter, converter argument), ...)
SCHEMA = {
    "HELLO": (("device", _str, (_NAME, 1, 64)), ("boot", _str, (_HEX, 8, 8)),
              ("fw", _str, (_NAME, 1, 64)), ("gates", _uint, (1,))),
    "EV": (("seq", _uint, (1,)), ("gate", _uint, (0,)), ("edge", _edge, ()),
           ("t_us", _uint, (0,))),
    "HB": (("last_seq", _uint, (0,)), ("t_us", _uint, (0,)), ("states", _states, ())),
    "TS": (("nonce", _str, (_ALNUM, 1, 16)), ("t_us", _uint, (0,))),
    "ERR": (("code", _str, (_CODE, 1, 16)), ("detail", _text, ())),
    "ACK": (("seq", _uint, (0,)),),
    "TQ": (("nonce", _str, (_ALNUM, 1, 16)),),
    "RS": (("from_seq", _uint, (1,)),),
    "WHO": (),
    "CFG": (("key", _str, (_KEY, 1, 32)), ("value", _text, ())),
}


def decode(line):
    """Validate one line (bytes) and return a dict like ``{"type": "EV", "seq": 1, ...}``.

    Raises ``FrameError`` with ``kind`` set; a line not starting with ``$`` is NOISE.
    """
    body = line
    while body and body[-1] in b"\r\n":
        body = body[:-1]
    if not body or body[0] != 36:  # "$"
        raise FrameError(NOISE)
    if len(body) + 1 > MAX_LINE:  # a frame's 120 bytes include its "\n"
        raise FrameError(TOO_LONG)
    for b in body:
        if b < 32 or b > 126:
            raise FrameError(BAD_CHARS)
    star = body.rfind(b"*")
    if star < 0:
        raise FrameError(BAD_FRAMING, "no *")
    crc = body[star + 1:].decode()
    if not _only(crc, _HEX, 8, 8):
        raise FrameError(BAD_FRAMING, "CRC must be 8 hex digits")
    payload = body[1:star]
    if int(crc, 16) != binascii.crc32(payload) & 0xFFFFFFFF:
        raise FrameError(BAD_CRC)
    parts = payload.decode().split(",")
    schema = SCHEMA.get(parts[0])
    if schema is None:
        raise FrameError(UNKNOWN_TYPE, parts[0])
    if len(parts) - 1 != len(schema):
        raise FrameError(BAD_FIELDS, "field count")
    out = {"type": parts[0]}
    for i in range(len(schema)):
        name, conv, args = schema[i]
        out[name] = conv(parts[i + 1], *args)
    return out
