"""main.py on CPython with a fake chip (machine, micropython, time's ticks): only the
physical boundary is faked; ring, debounce, Device and KRT/1 are the real modules."""

import ast
import importlib
import os
import sys
import time as real_time
import types
from pathlib import Path

import pytest

from firmware import krt1

FIRMWARE = Path(__file__).resolve().parents[2] / "firmware"


class Clock:
    def __init__(self):
        self.us = 500

    def ticks_us(self):
        return self.us & ((1 << 30) - 1)

    def ticks_ms(self):
        return (self.us // 1000) & ((1 << 30) - 1)

    @staticmethod
    def ticks_diff(a, b):
        return a - b


def fake_machine(clock):
    m = types.ModuleType("machine")
    m.PWRON_RESET, m.HARD_RESET, m.WDT_RESET, m.DEEPSLEEP_RESET, m.SOFT_RESET = 1, 2, 3, 4, 5
    m.cause = m.WDT_RESET
    m.pins = {}
    m.fed = []

    class Pin:
        IN, PULL_UP, IRQ_RISING, IRQ_FALLING = 1, 2, 4, 8

        def __init__(self, pid, mode=None, pull=None):
            self.id, self.level, self.handler = pid, m.pins.get(pid, (None, 0))[1], None
            self.edges = 0
            m.pins[pid] = (self, self.level)

        def value(self):
            return self.level

        def irq(self, handler, trigger):
            self.handler = handler

        def set(self, level, callback=True):
            """The beam changes; the soft IRQ runs unless the queue overflowed."""
            self.level = level
            self.edges += 1
            if callback:
                self.handler(self)

    class WDT:
        def __init__(self, timeout):
            self.timeout = timeout

        def feed(self):
            m.fed.append(clock.us)

    class Counter:
        RISING, FALLING = 1, 2

        def __init__(self, cid, src, edge):
            self.src = src

        def value(self):
            return self.src.edges

    m.Pin, m.WDT, m.Counter = Pin, WDT, Counter
    m.reset_cause = lambda: m.cause
    return m


class Out:
    def __init__(self):
        self.data = b""

    def write(self, frame):
        self.data += frame

    def take(self):
        lines, self.data = self.data.split(b"\n")[:-1], b""
        return [krt1.decode(line + b"\n") and line[1:line.index(b"*")].decode()
                for line in lines]


@pytest.fixture
def chip(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    clock = Clock()
    machine = fake_machine(clock)
    micropython = types.ModuleType("micropython")
    micropython.alloc_emergency_exception_buf = lambda n: None
    micropython.kbd_intr = lambda c: None
    fake_time = types.ModuleType("time")
    fake_time.__dict__.update({k: getattr(real_time, k) for k in dir(real_time)
                               if not k.startswith("__")})
    fake_time.ticks_us, fake_time.ticks_ms = clock.ticks_us, clock.ticks_ms
    fake_time.ticks_diff, fake_time.sleep_ms = clock.ticks_diff, lambda ms: None
    saved = {k: sys.modules.get(k) for k in ("machine", "micropython", "time", "main",
                                             "config", "device", "ring")}
    sys.modules.update(machine=machine, micropython=micropython, time=fake_time)
    sys.path.insert(0, str(FIRMWARE))
    try:
        for name in ("main", "config", "device", "ring"):
            sys.modules.pop(name, None)
        main = importlib.import_module("main")
    finally:
        sys.path.remove(str(FIRMWARE))
        for key, mod in saved.items():
            if key in ("machine", "micropython", "time"):
                if mod is None:
                    sys.modules.pop(key, None)
                else:
                    sys.modules[key] = mod
    yield main, machine, clock
    for key in ("main", "config", "device", "ring"):
        sys.modules.pop(key, None)
        if saved[key] is not None:
            sys.modules[key] = saved[key]


def make_box(main):
    r, w = os.pipe()
    os.set_blocking(r, False)
    out = Out()
    box = main.TimerBox(os.fdopen(r, "rb", buffering=0), out)
    return box, out, w


def test_pin_edges_become_ev_frames_with_the_callback_timestamp(chip):
    main, machine, clock = chip
    box, out, _ = make_box(main)
    box.device.hello()
    assert out.take() == [f"HELLO,esp32-a,{box.device.boot},1.0.0,3", "ERR,RESET,WDT"]
    pin0 = machine.pins[25][0]
    clock.us = 1_000_500
    pin0.set(1)  # beam broken
    clock.us = 1_000_540
    pin0.set(0)  # bounce inside the lockout
    clock.us = 1_000_600
    pin0.set(1)
    clock.us = 1_001_000
    box.step()
    assert out.take() == ["EV,1,0,B,1000000", "HB,1,1000500,BCC"]
    assert machine.fed == [1_001_000]


def test_cfg_is_persisted_and_survives_a_reboot(chip):
    main, machine, clock = chip
    box, out, w = make_box(main)
    os.write(w, krt1.encode("CFG,debounce_us,750"))
    box.step()
    assert main.load_cfg() == {"debounce_us": 750, "stuck_ms": 5000}
    rebooted, _, _ = make_box(main)
    assert rebooted.device.debounce.debounce_us == 750
    assert rebooted.device.boot != box.device.boot


def test_edges_missed_by_the_callback_are_reported_from_the_hardware_counter(chip):
    main, machine, clock = chip
    box, out, _ = make_box(main)
    pin1 = machine.pins[26][0]
    clock.us = 2_000_000
    pin1.set(1)
    pin1.set(0, callback=False)  # the soft IRQ queue overflowed: no callback
    pin1.set(1, callback=False)
    pin1.set(0)
    box.step()
    out.take()
    for k in range(1, 4):  # idle passes, one second apart
        clock.us = 2_000_000 + k * 1_100_000
        box.step()
    assert "ERR,OVERFLOW,2" in out.take()
    assert box.missed == 2


def test_the_callback_reads_the_clock_first_and_allocates_nothing_after():
    tree = ast.parse((FIRMWARE / "main.py").read_text())
    handler = next(n for n in ast.walk(tree)
                   if isinstance(n, ast.FunctionDef) and n.name == "on_edge")
    first = handler.body[0]
    assert isinstance(first, ast.Assign) and first.value.func.id == "ticks_us"
    assert len(handler.body) == 2  # then one store into the preallocated ring
    allocating = (ast.List, ast.Dict, ast.Set, ast.Tuple, ast.JoinedStr, ast.BinOp)
    assert not any(isinstance(n, allocating) for n in ast.walk(handler))
