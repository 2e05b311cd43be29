"""The KRT/1 device: events, acks, resends, heartbeats and clock answers, without I/O.

``main.py`` on the ESP32 (and ``hardware.virtual_esp32`` on a PC) drives it: raw edges
from the ring go to ``raw``, complete lines from the host go to ``line``, and ``tick``
runs every loop pass. Everything it says goes through the ``write(bytes)`` callable it
was given; every time it receives is a raw ``ticks_us`` reading, extended here.
"""

try:
    from firmware import krt1
    from firmware.debounce import Debouncer
    from firmware.tickclock import TickClock
except ImportError:  # on the chip the modules sit at the top level
    import krt1
    from debounce import Debouncer
    from tickclock import TickClock

FW = "1.0.0"
RESEND_AFTER_US = 500000
HB_EVERY_US = 1000000
# Resends are paced by a token bucket: a burst of 16 frames, then one per 4 ms (about
# 60 % of 115200 baud), so a long backlog never blocks the loop in UART writes, which
# would delay the queued pin callbacks and so their timestamps.
RESEND_BURST = 16
RESEND_GAP_US = 4000
CFG_LIMITS = {"debounce_us": (0, 1000000), "stuck_ms": (100, 86400000)}


class Device:
    """One timer box: ``gates`` beams, a boot id, and up to ``capacity`` unacked events."""

    def __init__(self, name, boot, gates, write, raw_now, debounce_us=2000, stuck_ms=5000,
                 fw=FW, capacity=1024, levels=None, reset_cause=None, save_cfg=None):
        self.name = name
        self.boot = boot
        self.gates = gates
        self.fw = fw
        self.write = write
        self.reset_cause = reset_cause
        self.save_cfg = save_cfg
        self.stuck_ms = stuck_ms
        self.clock = TickClock(raw_now)
        self.debounce = Debouncer(gates, debounce_us, levels)
        self.capacity = capacity
        self.ev_gate = bytearray(capacity)
        self.ev_edge = bytearray(capacity)
        self.ev_t = [0] * capacity
        self.seq = 0
        self.acked = 0
        self.lost = 0
        self.badcmd = 0
        self.stuck = bytearray(gates)
        self._quiet_since = 0
        self._resend_at = 0  # next seq to resend, 0 = no resend running
        self._credit = RESEND_BURST * RESEND_GAP_US
        self._credit_at = 0
        self._next_hb = HB_EVERY_US

    # -- output ---------------------------------------------------------------------
    def send(self, payload):
        """Frame and write one payload string."""
        self.write(krt1.encode(payload))

    def hello(self):
        """Announce this boot; the reset cause follows so a WDT reset is never silent."""
        self.send("HELLO,%s,%s,%s,%d" % (self.name, self.boot, self.fw, self.gates))
        if self.reset_cause:
            self.send("ERR,RESET," + self.reset_cause)

    def _send_event(self, seq):
        i = seq % self.capacity
        edge = "B" if self.ev_edge[i] else "C"
        self.send("EV,%d,%d,%s,%d" % (seq, self.ev_gate[i], edge, self.ev_t[i]))

    # -- events ---------------------------------------------------------------------
    def can_take(self):
        """False when the unacked store is full: the caller leaves edges in the ring."""
        return self.seq - self.acked < self.capacity

    def report_lost(self, count):
        """Edges lost before buffering (ring full or missed by the callback)."""
        if count > 0:
            self.lost += count
            self.send("ERR,OVERFLOW,%d" % count)

    def _emit(self, gate, broken, t):
        if not self.can_take():
            self.report_lost(1)
            return
        if self.seq == self.acked:
            self._quiet_since = t if t > self._quiet_since else self._quiet_since
        self.seq += 1
        i = self.seq % self.capacity
        self.ev_gate[i] = gate
        self.ev_edge[i] = broken
        self.ev_t[i] = t
        if broken == 0:
            self.stuck[gate] = 0
        self._send_event(self.seq)

    def raw(self, gate, raw_ticks):
        """A raw edge from the ring, stamped with ``ticks_us`` in the pin callback."""
        if gate >= self.gates:
            return
        t = self.clock.extend(raw_ticks)
        new = self.debounce.raw(gate, t)
        if new is not None:
            self._emit(gate, new, t)

    # -- commands -------------------------------------------------------------------
    def line(self, data, raw_ticks):
        """One line from the host, completed at ``raw_ticks``."""
        now = self.clock.update(raw_ticks)
        try:
            msg = krt1.decode(data)
        except krt1.FrameError as exc:
            if exc.kind != krt1.NOISE:
                self.badcmd += 1
                self.send("ERR,BADCMD," + exc.kind)
            return
        kind = msg["type"]
        if kind == "ACK":
            self._ack(msg["seq"], now)
        elif kind == "TQ":
            self.send("TS,%s,%d" % (msg["nonce"], now))
        elif kind == "RS":
            self._resend_from(msg["from_seq"], now)
        elif kind == "WHO":
            self.hello()
        elif kind == "CFG":
            self._cfg(msg["key"], msg["value"])
        else:
            self.badcmd += 1
            self.send("ERR,BADCMD," + kind)

    def _ack(self, seq, now):
        if seq > self.seq:
            # an ack for events this boot never sent: the host is talking to a past boot
            self.badcmd += 1
            self.send("ERR,BADCMD,ack")
            return
        if seq > self.acked:
            self.acked = seq
            self._quiet_since = now
            if self._resend_at and self._resend_at <= seq:
                self._resend_at = seq + 1 if seq < self.seq else 0

    def _resend_from(self, first, now):
        if first <= self.acked:
            # those were acked and are gone; say so, so the host learns where we stand
            self.send("ERR,ACKED,%d" % self.acked)
            first = self.acked + 1
        if first <= self.seq:
            self._resend_at = first
            self._pump(now)

    def _cfg(self, key, value):
        lim = CFG_LIMITS.get(key)
        ok = lim is not None and krt1._only(value, krt1._DIGITS, 1, 9)
        if ok:
            number = int(value)
            ok = lim[0] <= number <= lim[1]
        if not ok:
            self.badcmd += 1
            self.send("ERR,BADCMD,cfg")
            return
        if key == "debounce_us":
            self.debounce.debounce_us = number
        else:
            self.stuck_ms = number
        if self.save_cfg is not None:
            self.save_cfg({"debounce_us": self.debounce.debounce_us, "stuck_ms": self.stuck_ms})

    # -- time -----------------------------------------------------------------------
    def _pump(self, now):
        credit = self._credit + (now - self._credit_at)
        if credit > RESEND_BURST * RESEND_GAP_US:
            credit = RESEND_BURST * RESEND_GAP_US
        self._credit_at = now
        while self._resend_at and credit >= RESEND_GAP_US:
            self._send_event(self._resend_at)
            credit -= RESEND_GAP_US
            self._resend_at = self._resend_at + 1 if self._resend_at < self.seq else 0
        self._credit = credit

    def tick(self, raw_ticks, levels):
        """One pass of the main loop: ``levels[g]`` is 1 while gate g's beam is broken."""
        now = self.clock.update(raw_ticks)
        for g in range(self.gates):
            settled = self.debounce.settle(g, levels[g], now)
            if settled is not None:
                self._emit(g, settled[0], settled[1])
            self._check_stuck(g, now)
        if now >= self._next_hb:
            self._next_hb = now + HB_EVERY_US
            states = "".join("B" if s else "C" for s in self.debounce.state)
            self.send("HB,%d,%d,%s" % (self.seq, now, states))
        if (not self._resend_at and self.seq > self.acked
                and now - self._quiet_since >= RESEND_AFTER_US):
            self._resend_at = self.acked + 1
            self._quiet_since = now
        self._pump(now)
        return now

    def _check_stuck(self, g, now):
        at = self.debounce.accepted_at[g]
        if (self.debounce.state[g] and not self.stuck[g] and at is not None
                and now - at >= self.stuck_ms * 1000):
            self.stuck[g] = 1
            self.send("ERR,STUCK,%d" % g)
