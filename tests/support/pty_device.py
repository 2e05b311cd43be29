"""A KRT/1 device played by the test on the master side of a pty pair (the physical
boundary: the host's serial link reads the slave side as it would a USB cable)."""

from __future__ import annotations

import os
import select
import time
import tty

from hardware import krt1


class ScriptedDevice:
    """The test plays the ESP32 on the master side of a pty pair."""

    def __init__(self):
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        self.rx = b""

    def send(self, *fields):
        os.write(self.master, krt1.encode(fields))

    def raw(self, data: bytes):
        view = memoryview(data)
        while view:
            select.select([], [self.master], [], 1.0)
            view = view[os.write(self.master, view[:4096]):]

    def frames(self, wait=0.3):
        """Payloads the host sent within ``wait`` seconds."""
        end = time.monotonic() + wait
        while time.monotonic() < end:
            ready, _, _ = select.select([self.master], [], [], 0.02)
            if ready:
                self.rx += os.read(self.master, 65536)
        lines, _, self.rx = self.rx.rpartition(b"\n")
        return [krt1.decode(line).to_dict() for line in lines.split(b"\n") if line]

    def wait_for(self, predicate, timeout=10.0):
        seen = []
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            seen += self.frames(0.05)
            if any(predicate(f) for f in seen):
                return seen
        raise AssertionError(f"not seen; got {seen}")

    def close(self):
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass
