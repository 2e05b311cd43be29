"""A virtual ESP32 timer box behind a pseudo-terminal, running the firmware's own modules.

The firmware's ``Device`` (KRT/1, resend, debounce, tick extension) runs unchanged on
CPython; this module plays the chip around it: a clock with drift and offset whose
raw ``ticks_us`` wrap every 2**30 µs, beam edges injected at true device times, and a
USB serial line that is a pty pair, so ``kejurda agent --serial /dev/pts/N`` sees a real
serial device. Fault knobs: corrupted and dropped lines (both directions), raw garbage,
``reboot()``, ``unplug()``/``replug()`` (the pty vanishes and comes back as a new one,
``link`` playing the stable ``/dev/serial/by-id`` name).

    python -m hardware.virtual_esp32 --name esp32-a --gates 3
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import heapq
import logging
import os
import random
import select
import signal
import sys
import threading
import time
import tty
from collections.abc import Iterator

from firmware.device import Device
from firmware.tickclock import MASK
from hardware.clock import host_now_us

log = logging.getLogger(__name__)


class VirtualESP32:
    """One simulated timer box; ``start()`` it, then give ``path`` to a SerialSource."""

    def __init__(self, name: str = "esp32-a", gates: int = 3, *, link: str | None = None,
                 ppm: float = 0.0, offset_us: int = 0, ticks_start: int = 0,
                 corrupt_rate: float = 0.0, drop_rate: float = 0.0, seed: int | None = None,
                 debounce_us: int = 2000, stuck_ms: int = 5000, capacity: int = 1024):
        self.name = name
        self.gates = gates
        self.link = link
        self.ppm = ppm
        self.offset_us = offset_us
        self.ticks_start = ticks_start & MASK
        self.corrupt_rate = corrupt_rate
        self.drop_rate = drop_rate
        self.capacity = capacity
        self.rng = random.Random(seed)
        self.flash = {"debounce_us": debounce_us, "stuck_ms": stuck_ms}  # survives reboot
        self.levels = bytearray(gates)
        self.counts = {"sent": 0, "dropped": 0, "corrupted": 0, "received": 0,
                       "rx_dropped": 0, "rx_corrupted": 0, "overrun": 0}
        self.boots: list[str] = []
        self._lock = threading.RLock()
        self._edges: list[tuple[int, int, int, int]] = []  # (t, order, gate, level)
        self._order = 0
        self._taken_us = -1  # the latest edge the chip's pin callbacks already ran for
        self._master = self._slave = None
        self._pty_path: str | None = None
        self._rx = b""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._boot("PWRON")

    # -- the chip ---------------------------------------------------------------------
    def _boot(self, cause: str) -> None:
        self._boot_host_us = host_now_us()
        boot = f"{self.rng.getrandbits(32):08x}"
        self.boots.append(boot)
        self._edges.clear()
        self._taken_us = -1
        self.device = Device(
            self.name, boot, self.gates, self._write, self.ticks_start,
            self.flash["debounce_us"], self.flash["stuck_ms"], capacity=self.capacity,
            levels=self.levels, reset_cause=None if cause == "PWRON" else cause,
            save_cfg=self.flash.update)
        self.device.hello()

    @property
    def boot(self) -> str:
        """The current boot id."""
        return self.device.boot

    def _dev_time(self, host_us: int) -> int:
        return int((host_us - self._boot_host_us) * (1 + self.ppm * 1e-6)) + self.offset_us

    def now_us(self) -> int:
        """The device's own µs since boot, now (what its extended ``ticks_us`` reads)."""
        return self._dev_time(host_now_us())

    def true_host_us(self, t_dev: int) -> float:
        """The host time (``hardware.clock.host_now_us`` scale) at device time ``t_dev``."""
        return self._boot_host_us + (t_dev - self.offset_us) / (1 + self.ppm * 1e-6)

    def _raw(self, t_dev: int) -> int:
        return (self.ticks_start + t_dev) & MASK

    def edge(self, gate: int, broken: bool, t_us: int) -> None:
        """The beam of ``gate`` changes at device time ``t_us`` (a raw edge, bounces too)."""
        if not 0 <= gate < self.gates:
            raise ValueError(f"no gate {gate}")
        with self._lock:
            if t_us < self._taken_us:
                # On the chip the callbacks run in time order, so seq follows time; an
                # edge handed over after a later one was taken would break that.
                raise ValueError(f"an edge at {t_us} µs on gate {gate}: the chip already took "
                                 f"one at {self._taken_us} µs (press with held())")
            self._order += 1
            heapq.heappush(self._edges, (t_us, self._order, gate, 1 if broken else 0))

    def press(self, gate: int, t_us: int | None = None, hold_us: int = 50_000,
              bounce_us: tuple[int, ...] = ()) -> int:
        """A robot passes: beam broken at ``t_us`` (default: now) for ``hold_us``.

        ``bounce_us`` adds extra raw transitions at these offsets after the leading edge
        (alternately clear/broken, an even number of them so the beam ends broken),
        which the firmware's debounce must swallow. Returns the leading edge's time.
        """
        if len(bounce_us) % 2:
            raise ValueError("bounce_us needs an even number of offsets")
        with self._lock:  # the chip's loop sees the whole press or none of it
            t = self.now_us() if t_us is None else t_us
            self.edge(gate, True, t)
            for k, dt in enumerate(bounce_us):
                self.edge(gate, k % 2 == 1, t + dt)
            self.edge(gate, False, t + hold_us)
        return t

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """The chip's loop waits while the caller presses several beams: every time read
        from ``now_us()`` inside is still ahead of the loop, however long the caller
        loses the CPU between two presses (a run's start, checkpoint and finish beams)."""
        with self._lock:
            yield

    # -- the wire ---------------------------------------------------------------------
    @property
    def path(self) -> str:
        """Where to open the device: the stable link if any, else the current pty."""
        return self.link or self._pty_path or ""

    @property
    def pty_path(self) -> str | None:
        """The current /dev/pts/N, None while unplugged."""
        return self._pty_path

    def _plug(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo, no newline translation: a USB CDC port is raw
        os.set_blocking(master, False)
        self._master, self._slave = master, slave
        self._pty_path = os.ttyname(slave)
        self._rx = b""
        if self.link:
            tmp = f"{self.link}.{os.getpid()}.tmp"
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            os.symlink(self._pty_path, tmp)
            os.replace(tmp, self.link)
        log.info("virtual %s plugged in at %s", self.name, self._pty_path)

    def unplug(self) -> None:
        """Pull the USB cable: the port disappears; the box keeps running on its own supply."""
        with self._lock:
            if self._master is None:
                return
            for fd in (self._master, self._slave):
                os.close(fd)
            self._master = self._slave = None
            self._pty_path = None
            if self.link:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.link)
            log.info("virtual %s unplugged", self.name)

    def replug(self) -> None:
        """Plug the cable back in: a new pty (new /dev/pts/N), the same ``link``."""
        with self._lock:
            if self._master is None:
                self._plug()

    def reboot(self, cause: str = "SOFT") -> None:
        """Reset the chip: new boot id, seq from 1, unacked events lost, CFG kept."""
        with self._lock:
            self._boot(cause)

    def garbage(self, data: bytes) -> None:
        """Put raw bytes on the line (a boot banner, noise, a babbling UART)."""
        with self._lock:
            self._send(data)

    def _write(self, frame: bytes) -> None:
        # the Device's output: the fault knobs act per line
        if self.drop_rate and self.rng.random() < self.drop_rate:
            self.counts["dropped"] += 1
            return
        if self.corrupt_rate and self.rng.random() < self.corrupt_rate:
            frame = self._corrupt(frame)
            self.counts["corrupted"] += 1
        self.counts["sent"] += 1
        self._send(frame)

    def _corrupt(self, frame: bytes) -> bytes:
        i = self.rng.randrange(len(frame) - 1)  # keep the newline: one bad line, not two
        return frame[:i] + bytes([frame[i] ^ (1 + self.rng.randrange(255))]) + frame[i + 1:]

    def _send(self, data: bytes) -> None:
        view = memoryview(data)
        deadline = time.monotonic() + 1.0
        while view and self._master is not None:
            try:
                n = os.write(self._master, view)
                view = view[n:]
            except BlockingIOError:
                if time.monotonic() > deadline:
                    self.counts["overrun"] += 1  # nobody reads: a real CDC port drops too
                    return
                select.select([], [self._master], [], 0.01)
            except OSError:
                return

    def _read(self) -> None:
        try:
            chunk = os.read(self._master, 4096)
        except BlockingIOError:
            return
        except OSError as exc:
            if exc.errno != errno.EIO:
                raise
            return
        self._rx += chunk
        while b"\n" in self._rx:
            line, self._rx = self._rx.split(b"\n", 1)
            self.counts["received"] += 1
            if self.drop_rate and self.rng.random() < self.drop_rate:
                self.counts["rx_dropped"] += 1
                continue
            if line and self.corrupt_rate and self.rng.random() < self.corrupt_rate:
                line = self._corrupt(line + b"\n")[:-1]
                self.counts["rx_corrupted"] += 1
            self.device.line(line[:128] + b"\n", self._raw(self.now_us()))
        if len(self._rx) > 4096:
            self._rx = b""

    # -- the main loop ----------------------------------------------------------------
    def _step(self) -> None:
        with self._lock:
            if self._master is not None:
                self._read()
            # One clock reading for the beams and for tick(): the levels it is given must
            # be the pins at the time it is told, as on the chip, where the pins are read
            # just before ticks_us(). Read later (the thread preempted, a blocked write),
            # a bounce's level would outlive the lockout and be reported as an edge.
            now = self.now_us()
            while self._edges and self._edges[0][0] <= now:
                t, _, gate, level = heapq.heappop(self._edges)
                self._taken_us = t
                self.levels[gate] = level
                self.device.raw(gate, self._raw(t))
            self.device.tick(self._raw(now), self.levels)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._step()
            fds = [self._master] if self._master is not None else []
            try:
                select.select(fds, [], [], 0.001)
            except (OSError, ValueError):
                continue  # the fd was closed by unplug() meanwhile

    def start(self) -> VirtualESP32:
        """Plug in and start the chip's loop in a thread."""
        self._plug()
        self._thread = threading.Thread(target=self._loop, name=f"virtual-{self.name}",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the loop and unplug."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.unplug()

    def __enter__(self) -> VirtualESP32:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    """CLI: run a virtual ESP32 and print its pty path, until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m hardware.virtual_esp32",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--name", default="esp32-a")
    parser.add_argument("--gates", type=int, default=3)
    parser.add_argument("--link", help="keep a stable symlink to the pty here")
    parser.add_argument("--ppm", type=float, default=0.0, help="clock drift")
    parser.add_argument("--offset-us", type=int, default=0, help="device clock offset")
    parser.add_argument("--drop-rate", type=float, default=0.0, help="lines dropped (0..1)")
    parser.add_argument("--corrupt-rate", type=float, default=0.0,
                        help="lines with a corrupted byte (0..1)")
    parser.add_argument("--press-every", type=float, default=0.0, metavar="S",
                        help="a robot passes gate 0, 1, ... every S seconds")
    parser.add_argument("--seed", type=int)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    box = VirtualESP32(args.name, args.gates, link=args.link, ppm=args.ppm,
                       offset_us=args.offset_us, drop_rate=args.drop_rate,
                       corrupt_rate=args.corrupt_rate, seed=args.seed).start()
    sys.stdout.write(box.path + "\n")
    sys.stdout.flush()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    gate = 0
    try:
        while not stop.wait(args.press_every or 3600):
            if args.press_every:
                box.press(gate, hold_us=80_000, bounce_us=(40, 90, 300, 310))
                gate = (gate + 1) % args.gates
    except KeyboardInterrupt:
        pass
    box.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
