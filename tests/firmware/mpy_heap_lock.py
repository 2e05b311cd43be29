"""Under real MicroPython: the pin callback's path allocates nothing.

Run by test_firmware_mpy.py. The heap is locked (any allocation raises MemoryError)
while a callback shaped exactly like main.py's ``on_edge`` fires 40 times into a ring
of 16, so both the store and the overflow paths are covered.
"""

from time import ticks_us

import micropython
from ring import EdgeRing


class Pin:
    """Stands for machine.Pin: ``value()`` returns a small int."""

    def value(self):
        return 1


def handler(ring, gate):
    def on_edge(pin):
        t = ticks_us()
        ring.push(gate, pin.value(), t)

    return on_edge


def burst(cb, pin, n):
    i = 0
    while i < n:
        cb(pin)
        i += 1


ring = EdgeRing(16)
callback = handler(ring, 2)
pin = Pin()
burst(callback, pin, 1)  # warm up outside the lock
ring.pop()
micropython.heap_lock()
burst(callback, pin, 40)
micropython.heap_unlock()
print("NOALLOC", len(ring), ring.dropped, ring.pushed)
