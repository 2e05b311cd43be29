"""A preallocated single-producer single-consumer ring of raw gate edges.

The producer is the pin callback: ``push`` stores three small ints into arrays that
exist from boot, so it never allocates. The consumer is the main loop. On the ESP32
the callbacks are soft (scheduled between bytecodes), so a push never interleaves
with a pop: only the producer writes ``head`` and only the consumer writes ``tail``.
"""

from array import array


class EdgeRing:
    """Raw edges ``(gate, level, ticks)``; ``size`` must be a power of two."""

    def __init__(self, size):
        if size < 2 or size & (size - 1):
            raise ValueError("ring size must be a power of two")
        self.size = size
        self._wrap = 2 * size - 1  # indices run mod 2*size so full and empty differ
        self.gates = bytearray(size)
        self.levels = bytearray(size)
        self.ticks = array("i", [0] * size)
        self.head = 0
        self.tail = 0
        self.dropped = 0
        self.pushed = 0

    def push(self, gate, level, ticks):
        """Store one edge (the hot path: no allocation); count it as dropped if full."""
        h = self.head
        if (h - self.tail) & self._wrap == self.size:
            self.dropped = (self.dropped + 1) & 0x3FFFFFFF
            return
        i = h & (self.size - 1)
        self.gates[i] = gate
        self.levels[i] = level
        self.ticks[i] = ticks
        self.pushed = (self.pushed + 1) & 0x3FFFFFFF
        self.head = (h + 1) & self._wrap

    def __len__(self):
        return (self.head - self.tail) & self._wrap

    def pop(self):
        """The oldest edge as ``(gate, level, ticks)``, or ``None`` when empty."""
        t = self.tail
        if t == self.head:
            return None
        i = t & (self.size - 1)
        item = (self.gates[i], self.levels[i], self.ticks[i])
        self.tail = (t + 1) & self._wrap
        return item
