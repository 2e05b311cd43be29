"""Checks of the firmware's pure modules, written to run under MicroPython and CPython.

``test_firmware_mpy.py`` runs this file under the MicroPython WebAssembly port (by
Node) and imports it on CPython; both must pass the same checks. Each check is a
function ``check_<name>(vectors)`` that raises AssertionError on failure. Under
MicroPython the results are printed one per line: ``PASS name`` or ``FAIL name: why``.
"""

import sys

try:
    from firmware import krt1
    from firmware.debounce import Debouncer
    from firmware.device import Device
    from firmware.ring import EdgeRing
    from firmware.tickclock import PERIOD, TickClock
except ImportError:
    import krt1
    from debounce import Debouncer
    from device import Device
    from ring import EdgeRing
    from tickclock import PERIOD, TickClock

INVALID_KIND = {
    "bad_crc": "bad_crc", "missing_star": "bad_framing", "short_crc": "bad_framing",
    "truncated": "bad_framing", "no_dollar_is_noise": "noise", "unknown_type": "unknown_type",
    "bad_edge": "bad_fields", "negative_seq": "bad_fields", "zero_seq": "bad_fields",
    "non_numeric_time": "bad_fields", "too_many_fields": "bad_fields",
    "too_few_fields": "bad_fields", "bad_boot_id": "bad_fields", "too_long_line": "too_long",
    "nul_byte": "bad_chars", "non_ascii": "bad_chars", "empty": "noise",
}


def payloads(frames):
    """The payload strings of written frames, after checking each frame's CRC."""
    out = []
    for frame in frames:
        krt1.decode(frame)
        out.append(frame[1:frame.index(b"*")].decode())
    return out


def check_vectors_valid(vectors):
    for vec in vectors["valid"] + [vectors["valid_lowercase_crc"]]:
        got = krt1.decode(vec["line"].encode())
        assert got == vec["decoded"], (vec["line"], got)


def check_vectors_encode(vectors):
    for vec in vectors["valid"]:
        line = vec["line"].encode()
        assert krt1.encode(line[1:line.index(b"*")].decode()) == line, line


def check_vectors_invalid(vectors):
    for vec in vectors["invalid"]:
        try:
            krt1.decode(vec["line"].encode())
        except krt1.FrameError as exc:
            assert exc.kind == INVALID_KIND[vec["name"]], (vec["name"], exc.kind)
        else:
            raise AssertionError("accepted " + vec["name"])


def check_frame_length_counts_the_newline(vectors):
    # docs/contract.md §6: a frame is "$" + payload + "*" + CRC + "\n"; over 120 bytes is dropped
    for size, kind in ((120, "unknown_type"), (121, "too_long")):
        payload = b"ZZ," + b"x" * (size - 14)
        line = b"$" + payload + b"*" + krt1.crc_hex(payload).encode() + b"\n"
        assert len(line) == size
        try:
            krt1.decode(line)
        except krt1.FrameError as exc:
            assert exc.kind == kind, (size, exc.kind)
        else:
            raise AssertionError("accepted a frame of " + str(size) + " bytes")


def check_crc(vectors):
    assert krt1.crc_hex(b"123456789") == vectors["crc"]["check_123456789"]


def check_tickclock_wraps(vectors):
    clock = TickClock(PERIOD - 10)
    assert clock.update(5) == 15
    assert clock.extend(PERIOD - 12) == -2  # taken before the boot reading
    raw, ext = 5, 15
    for _ in range(40):  # 40 * 2**28 us = 10 periods, about 3 hours
        raw = (raw + (1 << 28)) % PERIOD
        ext += 1 << 28
        assert clock.update(raw) == ext
    assert clock.extend((raw - 1000) % PERIOD) == ext - 1000
    assert clock.extend((raw + 1000) % PERIOD) == ext + 1000
    assert clock.update((raw - 3) % PERIOD) == ext - 3  # a stale reading never moves it back
    assert clock.now() == ext


def check_ring_order_and_overflow(vectors):
    ring = EdgeRing(4)
    assert ring.pop() is None
    for i in range(6):
        ring.push(i % 3, i & 1, 1000 + i)
    assert len(ring) == 4 and ring.dropped == 2 and ring.pushed == 4
    assert [ring.pop() for _ in range(5)] == [(0, 0, 1000), (1, 1, 1001), (2, 0, 1002),
                                             (0, 1, 1003), None]
    for i in range(1000):  # indices wrap many times
        ring.push(1, 0, i)
        ring.push(2, 1, PERIOD - 1 - i)
        assert ring.pop() == (1, 0, i) and ring.pop() == (2, 1, PERIOD - 1 - i)
    assert len(ring) == 0 and ring.dropped == 2


def check_debounce_leading_edge(vectors):
    deb = Debouncer(2, 2000)
    assert deb.raw(0, 10000) == 1  # leading edge is the event, at its own time
    for t in (10040, 10100, 10500, 11999):
        assert deb.raw(0, t) is None
    assert deb.settle(0, 1, 12000) is None  # still broken: nothing to add
    assert deb.raw(0, 50000) == 0
    assert deb.raw(1, 50001) == 1  # gates are independent
    # a pulse shorter than the lockout: the clear comes from settle, at the last raw edge
    assert deb.raw(0, 60000) == 1
    assert deb.raw(0, 60700) is None
    assert deb.settle(0, 1, 61000) is None  # locked
    assert deb.settle(0, 0, 62000) == (0, 60700)
    # an edge the callback never saw: reported when the level disagrees, at settle time
    assert deb.settle(1, 0, 90000) == (0, 90000)


def _device(out, **kw):
    saved = []
    dev = Device("esp32-a", "3f9a0c12", 3, out.append, 0, save_cfg=saved.append, **kw)
    return dev, saved


def check_device_events_and_acks(vectors):
    out = []
    dev, _ = _device(out)
    dev.hello()
    dev.raw(0, 1523004)
    dev.raw(0, 1523100)  # bounce
    dev.tick(1524000, bytearray([1, 0, 0]))
    dev.raw(0, 1541230)
    dev.tick(1541300, bytearray([0, 0, 0]))
    assert payloads(out) == ["HELLO,esp32-a,3f9a0c12,1.0.0,3", "EV,1,0,B,1523004",
                          "HB,1,1524000,BCC", "EV,2,0,C,1541230"], payloads(out)
    del out[:]
    dev.line(b"$ACK,2*" + krt1.crc_hex(b"ACK,2").encode() + b"\n", 1600000)
    assert dev.acked == 2
    dev.tick(2600000, bytearray(3))
    assert payloads(out) == ["HB,2,2600000,CCC"], payloads(out)


def check_device_resends_after_500ms_and_on_rs(vectors):
    out = []
    dev, _ = _device(out)
    lv = bytearray([0, 1, 0])
    dev.raw(1, 100000)
    dev.raw(1, 200000)
    dev.raw(1, 300000)
    del out[:]
    dev.tick(599999, lv)
    assert payloads(out) == []
    dev.line(krt1.encode("ACK,1"), 600000)
    dev.tick(1099999, lv)
    assert payloads(out) == ["HB,3,1099999,CBC"], payloads(out)
    del out[:]
    dev.tick(1100000, lv)
    assert payloads(out) == ["EV,2,1,C,200000", "EV,3,1,B,300000"]
    del out[:]
    dev.line(krt1.encode("RS,3"), 1200000)
    assert payloads(out) == ["EV,3,1,B,300000"]
    del out[:]
    dev.line(krt1.encode("RS,1"), 1300000)
    assert payloads(out) == ["ERR,ACKED,1", "EV,2,1,C,200000", "EV,3,1,B,300000"]
    del out[:]
    dev.line(krt1.encode("ACK,7"), 1400000)  # beyond what this boot sent
    assert payloads(out) == ["ERR,BADCMD,ack"] and dev.acked == 1


def check_device_commands(vectors):
    out = []
    dev, saved = _device(out, reset_cause="WDT")
    dev.line(krt1.encode("WHO"), 5)
    dev.line(krt1.encode("TQ,7f3a"), 25000117)
    dev.line(krt1.encode("CFG,debounce_us,500"), 25000200)
    dev.line(krt1.encode("CFG,stuck_ms,9"), 25000300)
    dev.line(b"$ACK,1*00000000\n", 25000400)
    dev.line(b"I (312) boot noise\n", 25000500)
    dev.line(krt1.encode("EV,1,0,B,5"), 25000600)
    assert payloads(out) == [
        "HELLO,esp32-a,3f9a0c12,1.0.0,3", "ERR,RESET,WDT", "TS,7f3a,25000117",
        "ERR,BADCMD,cfg", "ERR,BADCMD,bad_crc", "ERR,BADCMD,EV"], payloads(out)
    assert saved == [{"debounce_us": 500, "stuck_ms": 5000}]
    assert dev.debounce.debounce_us == 500 and dev.badcmd == 3


def check_device_stuck_overflow_capacity(vectors):
    out = []
    dev, _ = _device(out, stuck_ms=100, capacity=4)
    dev.raw(2, 1000)
    dev.tick(100999, bytearray([0, 0, 1]))
    dev.tick(101000, bytearray([0, 0, 1]))
    dev.tick(101500, bytearray([0, 0, 1]))  # reported once per blockage
    assert payloads(out) == ["EV,1,2,B,1000", "ERR,STUCK,2"], payloads(out)
    del out[:]
    for i in range(4):
        dev.raw(0, 200000 + i * 10000)
    assert dev.can_take() is False and dev.seq == 4
    dev.report_lost(3)
    assert payloads(out)[-3:] == ["EV,4,0,B,220000", "ERR,OVERFLOW,1", "ERR,OVERFLOW,3"]
    assert dev.lost == 4


def check_device_paces_a_long_resend(vectors):
    out = []
    dev, _ = _device(out, capacity=64)
    for i in range(40):
        dev.raw(0, 10000 + i * 5000)
    dev.tick(300000, bytearray([0, 0, 0]))
    del out[:]
    dev.tick(800000, bytearray([0, 0, 0]))  # 500 ms without an ack: a burst of 16
    assert payloads(out) == [f"EV,{s},0,{'BC'[(s - 1) % 2]},{5000 + s * 5000}"
                             for s in range(1, 17)], payloads(out)
    del out[:]
    dev.tick(812000, bytearray([0, 0, 0]))  # then one per 4 ms
    assert payloads(out) == ["EV,17,0,B,90000", "EV,18,0,C,95000", "EV,19,0,B,100000"]


def check_device_time_survives_tick_wrap(vectors):
    out = []
    dev = Device("esp32-a", "3f9a0c12", 1, out.append, PERIOD - 1000)
    dev.tick(PERIOD - 500, bytearray(1))
    dev.raw(0, 700)  # after the raw counter wrapped
    assert payloads(out) == ["EV,1,0,B,1700"], payloads(out)


CHECKS = [name for name in sorted(globals()) if name.startswith("check_")]


def main():
    """Run every check under MicroPython and print one result line each."""
    import json

    with open("/krt1-frames.json") as f:
        vectors = json.load(f)
    for name in CHECKS:
        try:
            globals()[name](vectors)
            sys.stdout.write("PASS " + name + "\n")
        except Exception as exc:  # report every failure, not only the first
            sys.stdout.write("FAIL " + name + ": " + repr(exc) + "\n")


if sys.implementation.name == "micropython":
    main()
