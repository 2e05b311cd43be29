"""Extend the wrapping ``time.ticks_us()`` into microseconds since boot that never wrap.

``ticks_us`` on the ESP32 counts modulo 2**30 (about 17.9 minutes). The main loop calls
``update`` with a fresh reading at least every 2**29 us (it does so many times a second);
``extend`` converts any reading within +-2**29 us of the last update, which covers the
ring's timestamps that were taken slightly before the loop's own reading.
"""

PERIOD = 1 << 30
HALF = 1 << 29
MASK = PERIOD - 1


def signed_diff(a, b):
    """``a - b`` for two wrapping tick readings, in [-2**29, 2**29)."""
    d = (a - b) & MASK
    if d >= HALF:
        d -= PERIOD
    return d


class TickClock:
    """Non-wrapping microseconds since the reading ``raw_at_boot``."""

    def __init__(self, raw_at_boot):
        self._raw = raw_at_boot & MASK
        self._ext = 0

    def update(self, raw):
        """Advance with a fresh reading and return it extended; never goes backwards."""
        d = signed_diff(raw, self._raw)
        if d > 0:
            self._raw = raw & MASK
            self._ext += d
            return self._ext
        return self._ext + d

    def extend(self, raw):
        """Extend a reading taken within 2**29 us of the last ``update`` (before or after)."""
        return self._ext + signed_diff(raw, self._raw)

    def now(self):
        """The extended value of the last update."""
        return self._ext
