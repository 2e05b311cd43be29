"""The host KRT/1 codec against the shared vectors (docs/contract.md §6)."""

import json
import random
import zlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware import krt1

VECTORS = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "krt1-frames.json").read_text()
)
VALID = VECTORS["valid"] + [VECTORS["valid_lowercase_crc"]]
INVALID_KIND = {
    "bad_crc": krt1.BAD_CRC,
    "missing_star": krt1.BAD_FRAMING,
    "short_crc": krt1.BAD_FRAMING,
    "truncated": krt1.BAD_FRAMING,
    "no_dollar_is_noise": krt1.NOISE,
    "unknown_type": krt1.UNKNOWN_TYPE,
    "bad_edge": krt1.BAD_FIELDS,
    "negative_seq": krt1.BAD_FIELDS,
    "zero_seq": krt1.BAD_FIELDS,
    "non_numeric_time": krt1.BAD_FIELDS,
    "too_many_fields": krt1.BAD_FIELDS,
    "too_few_fields": krt1.BAD_FIELDS,
    "bad_boot_id": krt1.BAD_FIELDS,
    "too_long_line": krt1.TOO_LONG,
    "nul_byte": krt1.BAD_CHARS,
    "non_ascii": krt1.BAD_CHARS,
    "empty": krt1.NOISE,
}


def test_crc_check_value():
    assert krt1.crc_hex(b"123456789") == VECTORS["crc"]["check_123456789"]


@pytest.mark.parametrize("vec", VALID, ids=lambda v: v["line"].strip())
def test_valid_vectors_decode_exactly(vec):
    frame = krt1.decode(vec["line"].encode("utf-8"))
    assert frame.to_dict() == vec["decoded"]


@pytest.mark.parametrize("vec", VECTORS["valid"], ids=lambda v: v["line"].strip())
def test_encode_reproduces_the_vector_bytes(vec):
    decoded = dict(vec["decoded"])
    fields = [decoded.pop("type"), *decoded.values()]
    assert krt1.encode(fields) == vec["line"].encode("ascii")


@pytest.mark.parametrize("vec", VECTORS["invalid"], ids=lambda v: v["name"])
def test_invalid_vectors_raise_their_kind(vec):
    with pytest.raises(krt1.FrameError) as info:
        krt1.decode(vec["line"].encode("utf-8"))
    assert info.value.kind == INVALID_KIND[vec["name"]]


def test_every_invalid_vector_has_an_expected_kind():
    assert {v["name"] for v in VECTORS["invalid"]} == set(INVALID_KIND)


def test_crlf_line_ending_is_accepted():
    assert krt1.decode(b"$ACK,42*642A983C\r\n").to_dict() == {"type": "ACK", "seq": 42}


def frame_of(size: int) -> bytes:
    """A well-framed line of exactly `size` bytes, "$" to "\n" included, with a good CRC
    (its message type is unknown: no valid message is that long)."""
    payload = b"ZZ," + b"x" * (size - len(b"$ZZ,*00000000\n"))
    line = b"$" + payload + b"*" + krt1.crc_hex(payload).encode() + b"\n"
    assert len(line) == size
    return line


def kind_of(line: bytes) -> str:
    with pytest.raises(krt1.FrameError) as info:
        krt1.decode(line)
    return info.value.kind


def test_a_frame_of_120_bytes_with_its_newline_passes_the_length_check_and_121_does_not():
    # docs/contract.md §6: a frame is "$" + payload + "*" + CRC + "\n"; drop those "over 120 bytes"
    assert krt1.MAX_LINE == 120
    assert kind_of(frame_of(120)) == krt1.UNKNOWN_TYPE  # read as far as its type
    assert kind_of(frame_of(120).replace(b"\n", b"\r\n")) == krt1.UNKNOWN_TYPE
    assert kind_of(frame_of(121)) == krt1.TOO_LONG
    assert kind_of(frame_of(122)) == krt1.TOO_LONG


def test_encode_refuses_fields_that_break_framing():
    with pytest.raises(ValueError):
        krt1.encode(["CFG", "debounce_us", "1,2"])
    with pytest.raises(ValueError):
        krt1.encode(["EV", 0, 1, "B", 5])


@given(seq=st.integers(1, 2**64), gate=st.integers(0, 999), edge=st.sampled_from("BC"),
       t_us=st.integers(0, 10**19))
def test_ev_round_trips(seq, gate, edge, t_us):
    line = krt1.encode(["EV", seq, gate, edge, t_us])
    assert krt1.decode(line).to_dict() == {"type": "EV", "seq": seq, "gate": gate,
                                           "edge": edge, "t_us": t_us}


@given(st.binary(max_size=200))
def test_random_bytes_never_raise_anything_but_frame_error(data):
    try:
        krt1.decode(data)
    except krt1.FrameError as exc:
        assert exc.kind in krt1.KINDS


def test_single_flipped_bit_in_the_payload_is_always_refused():
    rng = random.Random(7)
    line = b"$EV,3,1,B,13789112*CBCE5ACF"
    for _ in range(2000):
        # the CRC digits are compared case-insensitively, so flip the payload only
        i = rng.randrange(line.index(b"*"))
        flipped = line[:i] + bytes([line[i] ^ (1 << rng.randrange(7))]) + line[i + 1:]
        with pytest.raises(krt1.FrameError):
            krt1.decode(flipped)
    assert zlib.crc32(b"EV,3,1,B,13789112") == 0xCBCE5ACF
