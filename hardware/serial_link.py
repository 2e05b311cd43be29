"""The KRT/1 serial link: an ESP32 timer box as a Source of gate edges (internals §3).

``SerialSource(port).run(sink, stop)`` opens the port, sends ``WHO`` (a HELLO sent
before may be lost), and from then on: reads lines, ignores noise, validates every
frame, forwards edges to ``sink`` strictly in ``seq`` order (later ones are held back
and ``RS`` asks for the gap), acks cumulatively only after ``sink`` returned (the edge
is in the agent's durable outbox), dedupes, treats a new ``boot`` as a reboot, keeps
the device clock in sync with ``TQ``/``TS``, and survives unplug/replug by closing,
backing off and reopening by path (or by its ``/dev/serial/by-id`` name).

Where the device's acked floor is unknown (a boot first seen mid-life, e.g. after the
agent restarted), the link asks ``RS,1``; the device answers ``ERR,ACKED,<n>`` when
events up to n were acked before (a KRT/1 extension, see docs/firmware.md), or
resends from 1. Until the floor is known nothing is forwarded or acked, so an ack can
never cover an edge that did not reach the outbox.

An EV whose ``t_us`` falls back by more than a debounce looks like a reboot nobody
announced, so the link asks ``WHO``. If the answer is the same boot, the device
contradicts itself (a firmware fault): that edge is passed on flagged
(``fault = "t_us_backwards"``, the server puts the run it touches into review), its time
becomes the boot's new reference, the fault is counted in ``status()`` (the devices page
shows it), and later edges are timed as usual. A fault never stalls the track.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import serial

from hardware import krt1
from hardware.clock import ClockSync, host_now_us

log = logging.getLogger(__name__)

BY_ID = "/dev/serial/by-id"
RECENT = 4096  # forwarded edges remembered per boot, to tell a resend from a reboot
HOLD_MAX = 4096  # out-of-order edges held back at most
MAX_BUFFER = 4096  # bytes without a newline before the buffer is cut
BACKWARDS_US = 2_000_000  # > the longest debounce (1 s): how far t_us may fall back


@dataclass
class _Boot:
    """What the link knows about one boot of one device."""

    device: str
    boot: str
    gates: int
    expected: int | None = None  # next seq to forward; None until the floor is known
    held: dict = field(default_factory=dict)
    recent: OrderedDict = field(default_factory=OrderedDict)
    hello_at: float = 0.0
    last_dev_t: int = -1  # latest device time seen in HB/TS
    max_t_us: int = 0  # latest t_us among forwarded edges
    # seq -> fault of edges confirmed faulty (the WHO answer was this same boot)
    faulty: dict = field(default_factory=dict)


class SerialSource:
    """Gate edges from one KRT/1 device on a serial port."""

    def __init__(self, port: str, *, baudrate: int = 115200, by_id: bool = True,
                 fast_sync_s: float = 10.0, fast_tq_s: float = 0.02, slow_tq_s: float = 0.25,
                 backoff_s: tuple[float, float] = (0.1, 5.0), read_timeout_s: float = 0.02,
                 clock: ClockSync | None = None, now_us: Callable[[], int] = host_now_us):
        self.port = port
        self.name = f"serial:{port}"
        self.baudrate = baudrate
        self.by_id = by_id
        self.fast_sync_s = fast_sync_s
        self.fast_tq_s = fast_tq_s
        self.slow_tq_s = slow_tq_s
        self.backoff_s = backoff_s
        self.read_timeout_s = read_timeout_s
        self.clock = clock or ClockSync()
        self.now_us = now_us
        self.errors: Counter = Counter()
        self.counts: Counter = Counter()
        self.connected = False
        self.last_edge_at: float | None = None
        self.last_hb_at: float | None = None  # a quiet gate still shows its box is alive
        self._last_hb_mono: float | None = None
        self._path = port
        self._cur: _Boot | None = None
        self._uncertain = False  # a reboot is suspected: nothing moves until HELLO
        self._backwards_seq: int | None = None  # the EV that raised the suspicion
        self.last_fault: dict | None = None  # the latest fault the device showed
        self._clock_backwards = False  # the suspicion came from HB/TS time falling back
        self._ser = None
        self._buf = b""
        self._skipping = False
        self._lock = threading.Lock()
        self._reset_timers()

    def _reset_timers(self) -> None:
        self._tq: dict[str, int] = {}
        self._nonce = 0
        self._next_tq = 0.0
        self._sync_from = time.monotonic()
        self._who_at = 0.0
        self._rs_at: dict[int, float] = {}
        self._ack_due = False
        self._sink_retry_at = 0.0

    # -- Source protocol ------------------------------------------------------------
    def run(self, sink: Callable[[dict], None], stop: threading.Event) -> None:
        """Read the device until ``stop`` is set, reconnecting with backoff."""
        delay = self.backoff_s[0]
        while not stop.is_set():
            try:
                self._ser = self._open()
            except (serial.SerialException, OSError) as exc:
                self.errors["open_failed"] += 1
                log.debug("serial %s: cannot open: %s", self._path, exc)
                stop.wait(delay)
                delay = min(delay * 2, self.backoff_s[1])
                continue
            try:
                if self._session(sink, stop):
                    delay = self.backoff_s[0]
            except (serial.SerialException, OSError) as exc:
                self.errors["disconnect"] += 1
                log.warning("serial %s: link lost: %s", self._path, exc)
            finally:
                self._close()
            stop.wait(delay)
            delay = min(delay * 2, self.backoff_s[1])

    def status(self) -> dict:
        """Health of the link: connection, device, boot, clock and error counters."""
        with self._lock:
            cur = self._cur
            clock_ready = self.clock.ready and cur is not None and cur.last_dev_t >= 0
            offset = spread = drift = None
            if clock_ready:
                host, spread = self.clock.to_host(cur.last_dev_t)
                offset = host - cur.last_dev_t
                drift = self.clock.drift_ppm()
            return {
                "kind": "serial", "name": self.name, "port": self.port, "path": self._path,
                "device": cur.device if cur else None, "boot": cur.boot if cur else None,
                "connected": self.connected, "last_edge_at": self.last_edge_at,
                "last_hb_at": self.last_hb_at,
                # the age on this host's own clock: the server compares nothing else
                "hb_age_s": None if self._last_hb_mono is None else round(
                    time.monotonic() - self._last_hb_mono, 1),
                "expected_seq": cur.expected if cur else None,
                "held": len(cur.held) if cur else 0,
                "clock_offset_us": offset, "clock_spread_us": spread,
                "clock_drift_ppm": drift, "clock_samples": len(self.clock.samples),
                # round trips let go because no straight line fitted them any more
                "clock_dropped": self.clock.dropped_infeasible,
                "errors": dict(self.errors), "counts": dict(self.counts),
                "last_fault": self.last_fault,
            }

    # -- the port -------------------------------------------------------------------
    def _open(self):
        # a device file is locked, so a second agent on the same box fails loudly
        # instead of stealing half of its lines
        extra = {"exclusive": True} if self._path.startswith("/") else {}
        ser = serial.serial_for_url(self._path, baudrate=self.baudrate,
                                    timeout=self.read_timeout_s, write_timeout=1.0, **extra)
        if self.by_id and self._path == self.port:
            stable = _by_id_name(self.port)
            if stable:
                log.info("serial %s: will reopen it as %s", self.port, stable)
                self._path = stable
        return ser

    def _close(self) -> None:
        self.connected = False
        if self._ser is not None:
            try:
                self._ser.close()
            except (serial.SerialException, OSError):
                pass
        self._ser = None

    def _send(self, *fields: object) -> None:
        self._ser.write(krt1.encode(fields))
        self.counts["sent_" + str(fields[0])] += 1

    def _session(self, sink, stop: threading.Event) -> bool:
        """One open port, until it fails or ``stop``; True if the device answered."""
        self.connected = True
        self._buf = b""
        self._skipping = False
        self._tq.clear()
        self._rs_at.clear()
        self._who_at = time.monotonic()
        self._send("WHO")
        self._send_tq()
        answered = False
        while not stop.is_set():
            data = self._ser.read(max(1, self._ser.in_waiting))
            t_recv = self.now_us()
            if data:
                answered |= self._feed(data, t_recv, sink)
            self._periodic(sink)
        return answered

    # -- bytes to lines -------------------------------------------------------------
    def _feed(self, data: bytes, t_recv: int, sink) -> bool:
        self._buf += data
        got_frame = False
        while True:
            nl = self._buf.find(b"\n")
            if nl < 0:
                break
            line, self._buf = self._buf[:nl + 1], self._buf[nl + 1:]
            if self._skipping:  # the rest of an over-long line, already counted
                self._skipping = False
                if b"$" not in line:
                    continue
            got_frame |= self._on_line(line, t_recv, sink)
        if len(self._buf) > MAX_BUFFER:
            self.errors[krt1.TOO_LONG] += 1
            dollar = self._buf.rfind(b"$")
            keep = dollar >= 0 and dollar > len(self._buf) - krt1.MAX_LINE
            self._buf = self._buf[dollar:] if keep else b""
            self._skipping = not keep
        self._flush(sink)
        return got_frame

    def _on_line(self, line: bytes, t_recv: int, sink) -> bool:
        dollar = line.rfind(b"$")
        if dollar > 0:
            # noise glued to a frame (a lost newline, a banner): the CRC still decides
            self.errors["resync"] += 1
            line = line[dollar:]
        try:
            frame = krt1.decode(line)
        except krt1.FrameError as exc:
            self.errors[exc.kind] += 1
            return False
        self.counts["frames"] += 1
        handler = getattr(self, "_on_" + frame.type.lower(), None)
        if handler is None:
            self.errors["unexpected_type"] += 1  # a command echoed back, or a confused peer
            return True
        with self._lock:
            handler(frame, t_recv)
        return True

    # -- frames ---------------------------------------------------------------------
    def _on_hello(self, f: krt1.Frame, t_recv: int) -> None:
        self._uncertain = False
        cur = self._cur
        suspect, self._backwards_seq = self._backwards_seq, None
        if cur and cur.device == f["device"] and cur.boot == f["boot"]:
            if suspect is not None:
                self._confirm_backwards(cur, suspect)
            if self._clock_backwards:  # same boot: its clock fell back; follow it
                cur.last_dev_t = -1
                self.errors["clock_backwards"] += 1
            self._clock_backwards = False
            return
        self._clock_backwards = False
        if cur is not None:
            log.warning("serial %s: %s rebooted: boot %s -> %s", self._path, f["device"],
                        cur.boot, f["boot"])
            self.counts["reboots"] += 1
        self._cur = _Boot(f["device"], f["boot"], f["gates"], hello_at=time.monotonic())
        self.name = f["device"]
        self.clock.reset()
        self._sync_from = time.monotonic()
        self._next_tq = 0.0
        log.info("serial %s: %s boot %s fw %s, %d gates", self._path, f["device"],
                 f["boot"], f["fw"], f["gates"])
        self._ask_rs(1)  # learn the acked floor of this boot

    def _on_ev(self, f: krt1.Frame, t_recv: int) -> None:
        cur = self._cur
        if cur is None or self._uncertain:
            self.errors["ev_without_boot"] += 1
            return
        seq = f["seq"]
        content = (f["gate"], f["edge"], f["t_us"])
        if cur.expected is not None and seq < cur.expected:
            if cur.recent.get(seq) == content:
                self.counts["duplicates"] += 1
                self._ack_due = True
            else:
                self._suspect_reboot(f"EV {seq} differs from the one forwarded")
            return
        if content[2] < cur.max_t_us - BACKWARDS_US:
            # seqs are given in capture order, so within a boot t_us never falls back
            # by more than a debounce: this edge comes from a boot we were not told of
            if cur.faulty.get(seq) != "t_us_backwards":
                self._suspect_reboot(f"EV {seq} is {cur.max_t_us - content[2]} µs in the past")
                self._backwards_seq = seq
                return
            cur.max_t_us = content[2]  # the device's time goes on from here
        if cur.expected is not None and seq - cur.expected >= HOLD_MAX:
            self.errors["held_overflow"] += 1
            return
        cur.held[seq] = content
        if cur.expected is None:
            if seq == 1:
                cur.expected = 1
            else:
                self._ask_rs(1)

    def _on_hb(self, f: krt1.Frame, t_recv: int) -> None:
        cur = self._cur
        if cur is None or self._uncertain:
            return
        if f["t_us"] < cur.last_dev_t or (
                cur.expected is not None and f["last_seq"] < cur.expected - 1):
            self._clock_backwards = f["t_us"] < cur.last_dev_t
            self._suspect_reboot("heartbeat went backwards")
            return
        cur.last_dev_t = f["t_us"]
        self.last_hb_at, self._last_hb_mono = time.time(), time.monotonic()
        if cur.expected is None and f["last_seq"] == 0:
            cur.expected = 1  # nothing happened in this boot yet
        elif cur.expected is not None and f["last_seq"] >= cur.expected and not cur.held:
            self._ask_rs(cur.expected)  # the newest events were lost on the way

    def _on_ts(self, f: krt1.Frame, t_recv: int) -> None:
        t_send = self._tq.pop(f["nonce"], None)
        cur = self._cur
        if t_send is None or cur is None or self._uncertain:
            self.errors["unknown_nonce"] += 1
            return
        if f["t_us"] < cur.last_dev_t - 1_000_000:
            self._clock_backwards = True
            self._suspect_reboot("device clock went backwards")
            return
        cur.last_dev_t = max(cur.last_dev_t, f["t_us"])
        self.clock.add(t_send, f["t_us"], t_recv)

    def _on_err(self, f: krt1.Frame, t_recv: int) -> None:
        code, detail = f["code"], f["detail"]
        self.counts["device_" + code.lower()] += 1
        cur = self._cur
        if code == "ACKED" and cur is not None and not self._uncertain and detail.isdigit():
            floor = int(detail) + 1
            if cur.expected is None or cur.expected < floor:
                cur.expected = floor
                for seq in [s for s in cur.held if s < floor]:
                    del cur.held[seq]
        elif code == "RESET":
            log.warning("serial %s: device reset, cause %s", self._path, detail)
            if cur is not None and cur.hello_at < time.monotonic() - 0.5:
                self._suspect_reboot("device reports a reset")
        else:
            log.warning("serial %s: device error %s %s", self._path, code, detail)

    def _confirm_backwards(self, cur: _Boot, seq: int) -> None:
        """The device said it did not reboot: its EV `seq` went back in time anyway."""
        log.warning("serial %s: %s boot %s: EV %d went back in time without a reboot "
                    "(device fault); passed on flagged, the track goes on", self._path,
                    cur.device, cur.boot, seq)
        cur.faulty[seq] = "t_us_backwards"
        self.errors["t_us_backwards"] += 1
        self.last_fault = {"fault": "t_us_backwards", "device": cur.device,
                           "boot": cur.boot, "seq": seq, "at": time.time()}
        if cur.expected is not None and seq >= cur.expected:
            self._ask_rs(cur.expected)  # that EV was dropped: have it sent again

    def _suspect_reboot(self, why: str) -> None:
        if not self._uncertain:
            log.warning("serial %s: %s; asking WHO before going on", self._path, why)
            self.errors["reboot_suspected"] += 1
        self._uncertain = True
        self._who_at = 0.0  # ask now

    # -- forwarding -----------------------------------------------------------------
    def _flush(self, sink) -> None:
        cur = self._cur
        if cur is None or cur.expected is None or self._uncertain:
            return
        if time.monotonic() < self._sink_retry_at:
            return
        # edges wait briefly for the first clock answer, so they carry t_epoch_us
        if not self.clock.ready and time.monotonic() - cur.hello_at < 1.0:
            return
        forwarded = 0
        while cur.expected in cur.held:
            seq = cur.expected
            gate, edge, t_us = cur.held[seq]
            event = {"source": cur.device, "boot": cur.boot, "seq": seq, "gate": gate,
                     "edge": edge, "t_us": t_us}
            if seq in cur.faulty:
                event["fault"] = cur.faulty[seq]
            if self.clock.ready:
                event["t_epoch_us"], event["t_epoch_err_us"] = self.clock.to_host(t_us)
            try:
                sink(event)
            except Exception:  # the outbox failed: keep the edge, unacked, and retry
                log.exception("serial %s: sink failed for seq %d", self._path, seq)
                self.errors["sink_failed"] += 1
                self._sink_retry_at = time.monotonic() + 1.0
                break
            del cur.held[seq]
            cur.recent[seq] = (gate, edge, t_us)
            if len(cur.recent) > RECENT:
                cur.recent.popitem(last=False)
            cur.expected = seq + 1
            cur.max_t_us = t_us if seq in cur.faulty else max(cur.max_t_us, t_us)
            forwarded += 1
        if forwarded:
            self.counts["forwarded"] += forwarded
            self.last_edge_at = time.time()
            self._ack_due = True
        if cur.held and cur.expected not in cur.held:
            self.counts["gaps"] += 1 if cur.expected not in self._rs_at else 0
            self._ask_rs(cur.expected)

    def _ask_rs(self, first: int) -> None:
        now = time.monotonic()
        if now - self._rs_at.get(first, -1.0) >= 0.3 and self._ser is not None:
            self._rs_at[first] = now
            self._send("RS", first)

    def _send_tq(self) -> None:
        self._nonce = (self._nonce + 1) & 0xFFFF
        nonce = f"{self._nonce:x}"
        self._tq[nonce] = self.now_us()
        self._send("TQ", nonce)

    def _periodic(self, sink) -> None:
        now = time.monotonic()
        cur = self._cur
        if (cur is None or self._uncertain) and now - self._who_at >= 0.5:
            self._who_at = now
            self._send("WHO")
        if cur is not None and cur.expected is None:
            self._ask_rs(1)
        self._flush(sink)
        if self._ack_due and cur is not None and cur.expected is not None:
            self._ack_due = False
            self._send("ACK", cur.expected - 1)
        if now >= self._next_tq:
            fast = now - self._sync_from < self.fast_sync_s
            self._next_tq = now + (self.fast_tq_s if fast else self.slow_tq_s)
            stale = self.now_us() - 2_000_000
            for nonce in [n for n, t in self._tq.items() if t < stale]:
                del self._tq[nonce]
                self.errors["tq_timeout"] += 1
            self._send_tq()


def _by_id_name(port: str) -> str | None:
    """The ``/dev/serial/by-id`` link that points at ``port``, if there is one."""
    if port.startswith(BY_ID) or not os.path.isdir(BY_ID):
        return None
    real = os.path.realpath(port)
    for entry in sorted(os.listdir(BY_ID)):
        link = os.path.join(BY_ID, entry)
        if os.path.realpath(link) == real:
            return link
    return None
