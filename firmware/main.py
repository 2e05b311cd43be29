"""The timer box's main loop on the ESP32: pins -> ring -> Device -> USB serial.

Everything that can be tested off the chip lives in ``device.py``, ``ring.py``,
``debounce.py``, ``tickclock.py`` and ``krt1.py``; this file only wires them to the
hardware. It prints nothing but KRT/1 frames.
"""

import gc
import json
import os
import select
import sys
import time

import machine
import micropython
from time import ticks_diff, ticks_ms, ticks_us

import config
from device import Device
from ring import EdgeRing

try:
    from machine import Counter  # MicroPython >= 1.26 on the ESP32 (PCNT underneath)
except ImportError:
    Counter = None

micropython.alloc_emergency_exception_buf(100)

CAUSES = {
    getattr(machine, "PWRON_RESET", -1): None,  # a normal power-up is not news
    getattr(machine, "HARD_RESET", -2): "HARD",
    getattr(machine, "WDT_RESET", -3): "WDT",
    getattr(machine, "DEEPSLEEP_RESET", -4): "DEEPSLEEP",
    getattr(machine, "SOFT_RESET", -5): "SOFT",
}


def load_cfg():
    """The persisted CFG overrides over the defaults in config.py."""
    cfg = {"debounce_us": config.DEBOUNCE_US, "stuck_ms": config.STUCK_MS}
    try:
        with open(config.CFG_FILE) as f:
            saved = json.load(f)
        for key in cfg:
            if isinstance(saved.get(key), int):
                cfg[key] = saved[key]
    except (OSError, ValueError):
        pass
    return cfg


def save_cfg(cfg):
    """Persist CFG overrides; written to a temporary file first so a reset can't tear it."""
    tmp = config.CFG_FILE + ".tmp"
    with open(tmp, "w") as f:
        json.dump(cfg, f)
    try:
        os.rename(tmp, config.CFG_FILE)
    except OSError:  # FAT will not rename over an existing file; LittleFS does
        os.remove(config.CFG_FILE)
        os.rename(tmp, config.CFG_FILE)


class TimerBox:
    """The wiring of pins, counters, ring, Device, USB serial and the watchdog."""

    def __init__(self, stdin, stdout):
        self.out = stdout
        self.inp = stdin
        self.ring = EdgeRing(config.RING_SIZE)
        pull = machine.Pin.PULL_UP if config.PULL_UP else None
        self.pins = [machine.Pin(p, machine.Pin.IN, pull) for p in config.GATE_PINS]
        self.levels = bytearray(len(self.pins))
        self._read_levels()
        self.counters = self._counters()
        self.seen = [0] * len(self.pins)  # edges drained per gate, to compare with counters
        self.missed = 0  # edges the counters saw and the callbacks did not
        self.deficit = 0
        self.hw_total = [0] * len(self.pins)
        self.hw_last = [read() for read in self.counters] if self.counters else []
        cfg = load_cfg()
        self.device = Device(
            config.DEVICE, "%08x" % int.from_bytes(os.urandom(4), "big"), len(self.pins),
            self.out.write, ticks_us(), cfg["debounce_us"], cfg["stuck_ms"],
            capacity=config.UNACKED, levels=self.levels,
            reset_cause=CAUSES.get(machine.reset_cause(), "OTHER"), save_cfg=save_cfg)
        self.poll = select.poll()
        self.poll.register(self.inp, select.POLLIN)
        self.rx = bytearray(128)
        self.rx_len = 0
        self.last_ring_drop = 0
        self.last_busy = ticks_ms()
        self.wdt = machine.WDT(timeout=config.WDT_MS)
        for gate, pin in enumerate(self.pins):
            pin.irq(self._handler(gate), machine.Pin.IRQ_RISING | machine.Pin.IRQ_FALLING)

    def _handler(self, gate):
        ring = self.ring

        def on_edge(pin):
            t = ticks_us()  # first statement: the timestamp is the event
            ring.push(gate, pin.value(), t)

        return on_edge

    def _counters(self):
        # Each gate's pin also feeds a hardware pulse counter, which sees every edge
        # even when the soft callback queue (8 deep) overflows.
        if not config.HW_COUNTERS:
            return None
        try:
            if Counter is not None:
                both = Counter.RISING | Counter.FALLING
                return [Counter(i, pin, edge=both).value for i, pin in enumerate(self.pins)]
            import esp32

            inc = esp32.PCNT.INCREMENT
            units = [esp32.PCNT(i, pin=pin, rising=inc, falling=inc)
                     for i, pin in enumerate(self.pins)]
            for unit in units:
                unit.start()
            return [unit.value for unit in units]
        except (ImportError, AttributeError, ValueError, TypeError, OSError):
            return None

    def _read_levels(self):
        for g, pin in enumerate(self.pins):
            self.levels[g] = 1 if pin.value() == config.BROKEN_LEVEL else 0

    def _drain_ring(self):
        busy = False
        while len(self.ring) and self.device.can_take():
            gate, _level, t = self.ring.pop()
            self.seen[gate] += 1
            self.device.raw(gate, t)
            busy = True
        dropped = self.ring.dropped
        if dropped != self.last_ring_drop:
            self.device.report_lost((dropped - self.last_ring_drop) & 0x3FFFFFFF)
            self.last_ring_drop = dropped
        return busy

    def _check_counters(self):
        # A deficit is reported only when it survives a second look: the counter may
        # already hold edges whose soft callbacks are still queued.
        if self.counters is None:
            return
        for g, read in enumerate(self.counters):
            value = read()
            self.hw_total[g] += (value - self.hw_last[g]) & 0xFFFF  # PCNT is 16-bit
            self.hw_last[g] = value
        deficit = (sum(self.hw_total) - sum(self.seen) - self.ring.dropped - self.missed)
        if deficit > 0 and self.deficit > 0:
            self.missed += deficit
            self.device.report_lost(deficit)
            deficit = 0
        self.deficit = deficit

    def _read_host(self):
        while self.poll.poll(0):
            b = self.inp.read(1)
            if not b:
                return
            if b == b"\n":
                self.device.line(bytes(self.rx[:self.rx_len]), ticks_us())
                self.rx_len = 0
            elif self.rx_len < len(self.rx):
                self.rx[self.rx_len] = b[0]
                self.rx_len += 1

    def step(self):
        """One pass: drain, answer, tick, feed the watchdog, collect garbage when idle."""
        busy = self._drain_ring()
        self._read_host()
        self._read_levels()
        self.device.tick(ticks_us(), self.levels)
        self.wdt.feed()
        now = ticks_ms()
        if busy or any(self.levels):
            self.last_busy = now
        elif ticks_diff(now, self.last_busy) > 1000:
            # only when idle: a collection delays queued pin callbacks and so their stamps
            self._check_counters()
            gc.collect()
            self.last_busy = now

    def run(self):
        """Start talking and loop forever."""
        self.device.hello()
        while True:
            self.step()
            time.sleep_ms(1)


def safe_mode():
    """True when the BOOT button is pressed in the first 1.5 s: leave the REPL to mpremote.

    (Held *at* reset, GPIO0 selects the ROM bootloader instead: press it just after.)
    """
    pin = machine.Pin(config.SAFE_PIN, machine.Pin.IN, machine.Pin.PULL_UP)
    start = ticks_ms()
    while ticks_diff(ticks_ms(), start) < 1500:
        if pin.value() == 0:
            return True
        time.sleep_ms(10)
    return False


if __name__ == "__main__" and not safe_mode():
    micropython.kbd_intr(-1)  # a 0x03 byte from the host must not stop the timer
    TimerBox(sys.stdin.buffer, sys.stdout.buffer).run()
