"""Raspberry Pi GPIO gates: IR break-beam receivers wired to the Pi's pins.

One gpiozero input device per gate. The edge time is the pin factory's own
timestamp of the event (lgpio hands over the kernel's CLOCK_MONOTONIC stamp of
the interrupt), never the moment Python got round to running a callback. The
callback only queues the raw event; ``GpioSource.run`` turns events into gate
edges (docs/internals.md §1), debounces them and hands them to the sink.

Debounce is a leading-edge lockout done here, in software, on the pin
factory's timestamps: the first edge is the true time of the beam break, so it
is kept, and the bounces that follow are dropped. gpiozero's ``bounce_time`` is
deliberately not used: with lgpio it reports an edge only once the line has
been stable for the whole period, stamped at the end of it, which delays and
shifts the very time we are measuring.
"""

from __future__ import annotations

import argparse
import json
import logging
import queue
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

from gpiozero import Device, DigitalInputDevice

from hardware.clock_server import wall_us
from hardware.source import new_boot_id

log = logging.getLogger(__name__)

# BCM numbers of the GPIO lines on the 40-pin header of every Pi since the B+.
MAX_BCM_PIN = 27

# How long after a lockout ends we wait for late callbacks before settling it
# from the clock alone; a later edge on the gate settles it at once.
SETTLE_GRACE_US = 50_000
# How long a line must sit in the other state, with no event queued, before we
# believe the level over the edges (an edge lost by the driver).
LEVEL_GRACE_US = 250_000
# How often run() looks at the clock when no event arrives (lockouts, stuck beams).
POLL_S = 0.02
# Back-off before handing an edge to a failing sink again.
SINK_RETRY_S = 0.5

_LABEL_RE = re.compile(r"^(?:(start)|(finish)|cp([1-9][0-9]*)|([0-9]+))$")
_PIN_RE = re.compile(r"^(?:gpio|bcm)?([0-9]+)$")


def gate_label(gate: int) -> str:
    """Return the canonical label of a gate number: 0 start, 1 finish, 2 cp1, 3 cp2 ..."""
    if gate == 0:
        return "start"
    if gate == 1:
        return "finish"
    return f"cp{gate - 1}"


def parse_gpio_spec(spec: str) -> list[tuple[str, int, int]]:
    """Parse ``--gpio`` into ``[(label, gate number, BCM pin)]`` sorted by gate.

    ``"start=17,finish=27,cp1=22"`` names gates 0, 1 and 2; checkpoint ``cpN`` is
    gate ``N + 1``. Numbers work too (``"0=17,1=27"``), as does a ``GPIO``/``BCM``
    prefix on the pin (``start=GPIO17``). Raises ValueError naming the bad part.
    """
    if not spec or not spec.strip():
        raise ValueError("empty --gpio spec: expected e.g. 'start=17,finish=27,cp1=22'")
    gates: dict[int, tuple[str, int]] = {}
    pins: dict[int, str] = {}
    for raw in spec.split(","):
        part = raw.strip()
        key, sep, value = part.partition("=")
        key, value = key.strip().lower(), value.strip().lower()
        if not sep or not key or not value:
            raise ValueError(f"bad --gpio part {part!r}: expected NAME=PIN, e.g. start=17")
        match = _LABEL_RE.match(key)
        if match is None:
            raise ValueError(
                f"bad gate name {key!r} in {part!r}: use start, finish, cp1, cp2 ... "
                "or a gate number")
        start, finish, cp, number = match.groups()
        gate = 0 if start else 1 if finish else int(cp) + 1 if cp else int(number)
        pin_match = _PIN_RE.match(value)
        if pin_match is None:
            raise ValueError(f"bad pin {value!r} in {part!r}: expected a BCM number, e.g. 17")
        pin = int(pin_match.group(1))
        if pin > MAX_BCM_PIN:
            raise ValueError(f"bad pin {pin} in {part!r}: BCM pins are 0..{MAX_BCM_PIN}")
        if gate in gates:
            raise ValueError(f"gate {gate} ({gate_label(gate)}) given twice, again in {part!r}")
        if pin in pins:
            raise ValueError(f"pin {pin} used twice: by {pins[pin]!r} and {part!r}")
        gates[gate] = (gate_label(gate), pin)
        pins[pin] = part
    return [(label, gate, pin) for gate, (label, pin) in sorted(gates.items())]


@dataclass
class _Gate:
    """One gate's debounce and stuck-beam state, in µs since the source's boot.

    ``broken`` is the state of the last emitted edge (or the line's level when the
    pins were opened), held since ``since_us``. For ``debounce_us`` after an
    emitted edge (``accepted_us``) further edges are bounce: they are dropped, but
    the level they leave the line at is remembered (``seen``) so that ``settle``
    can emit the final state when the lockout ends.
    """

    gate: int
    label: str
    pin: int
    debounce_us: int
    broken: bool = False
    seen: bool = False
    since_us: int | None = None
    accepted_us: int | None = None
    pending: bool = False
    stuck: bool = False
    mismatch_since_us: int | None = None

    @property
    def lock_until(self) -> int | None:
        return None if self.accepted_us is None else self.accepted_us + self.debounce_us

    def accept(self, t_us: int, broken: bool) -> tuple[int, bool]:
        self.broken = self.seen = broken
        self.since_us = self.accepted_us = t_us
        self.pending = False
        self.mismatch_since_us = None
        return t_us, broken

    def observe(self, t_us: int, broken: bool) -> tuple[list[tuple[int, bool]], str | None]:
        """Feed one pin event; return (edges to emit, why it was dropped or None)."""
        out = self.settle(t_us)
        if self.accepted_us is not None and t_us < self.accepted_us:
            # Older than an edge already emitted: a callback that came after the
            # lockout was settled. Events of one pin arrive in order, so its level
            # is still the newest one the line reported.
            self.seen, self.pending = broken, True
            return out, "late_dropped"
        if self.lock_until is not None and t_us < self.lock_until:
            self.seen, self.pending = broken, True
            return out, "bounce_dropped"
        self.seen = broken
        if broken == self.broken:
            return out, "redundant"
        out.append(self.accept(t_us, broken))
        return out, None

    def settle(self, now_us: int) -> list[tuple[int, bool]]:
        """End a lockout that is over by ``now_us``: if the bounces left the line
        in the other state, emit that state at the moment the lockout ended."""
        lock_until = self.lock_until
        if not self.pending or lock_until is None or now_us < lock_until:
            return []
        self.pending = False
        if self.seen == self.broken:
            return []
        return [self.accept(lock_until, self.seen)]


class _GateInput(DigitalInputDevice):
    """A gate's input device: hands every pin change, with the pin factory's
    own timestamp, to ``on_change`` and does nothing else (it must not block)."""

    def __init__(self, pin, *, on_change: Callable[[object, object], None], **kwargs):
        # Set before gpiozero enables edge detection, which may fire at once.
        self._on_change = on_change
        super().__init__(pin, bounce_time=None, **kwargs)

    def _pin_changed(self, ticks, state):
        self._on_change(ticks, state)


def _default_factory():
    """gpiozero's own choice of pin factory (lgpio on a Pi 5; GPIOZERO_PIN_FACTORY overrides)."""
    try:
        Device.ensure_pin_factory()
    except Exception as exc:
        raise RuntimeError(f"no GPIO pin factory (is this a Raspberry Pi with lgpio?): {exc}") \
            from exc
    return Device.pin_factory


class GpioSource:
    """Gate edges from break-beam receivers on a Raspberry Pi's GPIO pins.

    ``spec`` as for ``parse_gpio_spec``; ``name`` is the Pi's configured source
    name (what the event file's ``source = ...`` refers to); ``boot`` a new random
    id per start unless given. ``active_low``: the receiver pulls the line LOW
    while the beam is broken (the usual open-collector receiver with the Pi's
    pull-up); ``pull_up`` True/False/None for the Pi's pull-up, pull-down or none.
    ``pin_factory`` defaults to gpiozero's choice (lgpio on a Pi 5).
    """

    kind = "gpio"

    def __init__(self, spec: str, name: str, boot: str | None = None,
                 debounce_us: int = 2000, stuck_ms: int = 10000, pin_factory=None,
                 *, active_low: bool = True, pull_up: bool | None = True):
        if not 1 <= len(name) <= 64:
            raise ValueError(f"source name must be 1..64 characters, got {name!r}")
        boot = new_boot_id() if boot is None else boot
        if not 1 <= len(boot) <= 64:
            raise ValueError(f"boot id must be 1..64 characters, got {boot!r}")
        if debounce_us < 0 or stuck_ms <= 0:
            raise ValueError("debounce_us must be >= 0 and stuck_ms > 0")
        self.name, self.boot = name, boot
        self.debounce_us, self.stuck_ms = debounce_us, stuck_ms
        self._active_low, self._pull_up = active_low, pull_up
        self._gates = [_Gate(gate, label, pin, debounce_us)
                       for label, gate, pin in parse_gpio_spec(spec)]
        self._factory = pin_factory if pin_factory is not None else _default_factory()
        # The source's clock: t_us counts from these two readings taken together.
        self._boot_ticks = self._factory.ticks()
        self._boot_epoch_us = wall_us()  # read once: a later step of it moves no edge
        self._events: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._devices: list[_GateInput] = []
        self._seq = 0
        self._last_edge_at: float | None = None
        self._edges = 0
        self._errors = {"bounce_dropped": 0, "late_dropped": 0, "redundant": 0,
                        "level_resync": 0, "stuck": 0, "sink_failed": 0, "lost": 0}
        self.open()

    # -- pins ------------------------------------------------------------------

    def open(self) -> None:
        """Claim the pins (done by the constructor; again by ``run`` after ``close``)."""
        if self._devices:
            return
        active_state = None if self._pull_up is not None else not self._active_low
        try:
            for gate in self._gates:
                device = _GateInput(
                    gate.pin, on_change=self._callback(len(self._devices)),
                    pull_up=self._pull_up, active_state=active_state,
                    pin_factory=self._factory)
                self._devices.append(device)
        except Exception as exc:
            self.close()
            raise RuntimeError(
                f"cannot open GPIO{gate.pin} for gate {gate.gate} ({gate.label}): {exc}"
            ) from exc
        now_us = self._now_us()
        with self._lock:
            for gate, device in zip(self._gates, self._devices, strict=True):
                if gate.since_us is None:
                    gate.broken = gate.seen = self._is_broken(device.pin.state)
                    # The stuck timer of a beam already blocked runs from here.
                    gate.since_us = now_us
                log.info("gpio %s gate %d (%s) on GPIO%d: %s", self.name, gate.gate,
                         gate.label, gate.pin, "B" if gate.broken else "C")

    def close(self) -> None:
        """Release the pins."""
        for device in self._devices:
            device.close()
        self._devices = []

    def _callback(self, index: int) -> Callable[[object, object], None]:
        put = self._events.put

        def on_change(ticks, state):
            put((index, ticks, state))
        return on_change

    def _is_broken(self, level) -> bool:
        return (not level) if self._active_low else bool(level)

    def _ticks_to_us(self, ticks) -> int:
        return max(0, round(self._factory.ticks_diff(ticks, self._boot_ticks) * 1_000_000))

    def _now_us(self) -> int:
        return self._ticks_to_us(self._factory.ticks())

    # -- the Source protocol ---------------------------------------------------

    def run(self, sink: Callable[[dict], None], stop: threading.Event) -> None:
        """Turn pin events into gate edges and hand each to ``sink`` until ``stop``."""
        self.open()
        log.info("gpio %s boot %s: %d gates, debounce %d us, stuck after %d ms",
                 self.name, self.boot, len(self._gates), self.debounce_us, self.stuck_ms)
        try:
            while not stop.is_set():
                try:
                    index, ticks, state = self._events.get(timeout=POLL_S)
                except queue.Empty:
                    pass
                else:
                    for edge in self._on_event(index, ticks, state):
                        self._deliver(sink, edge, stop)
                    if not self._events.empty():
                        # Events first: the clock checks read pin levels, which
                        # queued events have not been matched against yet.
                        continue
                for edge in self._on_clock(self._now_us()):
                    self._deliver(sink, edge, stop)
        finally:
            self.close()

    def status(self) -> dict:
        """Health for the devices page: gates with state ``B``/``C`` and ``stuck``;
        ``last_edge_at`` (epoch seconds) and ``edges`` count what reached the sink."""
        with self._lock:
            return {
                "kind": self.kind, "name": self.name, "boot": self.boot,
                "gates": [{"gate": g.gate, "label": g.label, "pin": g.pin,
                           "state": "B" if g.broken else "C", "stuck": g.stuck}
                          for g in self._gates],
                "last_edge_at": self._last_edge_at, "edges": self._edges,
                "last_seq": self._seq,
                "debounce_us": self.debounce_us, "stuck_ms": self.stuck_ms,
                "pin_factory": type(self._factory).__name__,
                "errors": dict(self._errors),
            }

    # -- event handling (run's thread only) -----------------------------------

    def _on_event(self, index: int, ticks, state) -> list[dict]:
        if state not in (0, 1):
            return []   # e.g. an lgpio watchdog report: not a level
        gate = self._gates[index]
        t_us = self._ticks_to_us(ticks)
        with self._lock:
            emitted, dropped = gate.observe(t_us, self._is_broken(state))
            if dropped is not None:
                self._errors[dropped] += 1
            return [self._edge(gate, t, broken) for t, broken in emitted]

    def _on_clock(self, now_us: int) -> list[dict]:
        """Settle lockouts that are over, check pin levels and stuck beams."""
        edges = []
        with self._lock:
            for gate, device in zip(self._gates, self._devices, strict=False):
                # Leave late callbacks time to arrive before settling from the clock.
                emitted = gate.settle(now_us - SETTLE_GRACE_US)
                edges += [self._edge(gate, t, broken) for t, broken in emitted]
                edges += self._check_level(gate, device, now_us)
                self._check_stuck(gate, now_us)
        return edges

    def _check_level(self, gate: _Gate, device: _GateInput, now_us: int) -> list[dict]:
        """Follow the line if it has sat in the other state with no event for a
        while (an edge the driver lost would otherwise leave the gate wrong)."""
        quiet = not gate.pending and (
            gate.lock_until is None or now_us >= gate.lock_until + LEVEL_GRACE_US)
        if not quiet or self._is_broken(device.pin.state) == gate.broken:
            gate.mismatch_since_us = None
            return []
        if gate.mismatch_since_us is None:
            gate.mismatch_since_us = now_us
            return []
        if now_us - gate.mismatch_since_us < LEVEL_GRACE_US:
            return []
        self._errors["level_resync"] += 1
        log.warning("gpio %s gate %d (%s): line is %s with no edge seen; following it",
                    self.name, gate.gate, gate.label, "B" if not gate.broken else "C")
        t_us, broken = gate.accept(now_us, not gate.broken)
        return [self._edge(gate, t_us, broken)]

    def _check_stuck(self, gate: _Gate, now_us: int) -> None:
        if gate.broken and not gate.stuck and gate.since_us is not None \
                and now_us - gate.since_us > self.stuck_ms * 1000:
            gate.stuck = True
            self._errors["stuck"] += 1
            log.warning("gpio %s gate %d (%s) on GPIO%d: beam blocked for over %d ms",
                        self.name, gate.gate, gate.label, gate.pin, self.stuck_ms)

    def _edge(self, gate: _Gate, t_us: int, broken: bool) -> dict:
        if not broken and gate.stuck:
            gate.stuck = False
            log.info("gpio %s gate %d (%s): beam clear again", self.name, gate.gate, gate.label)
        self._seq += 1
        return {"source": self.name, "boot": self.boot, "seq": self._seq,
                "gate": gate.gate, "edge": "B" if broken else "C", "t_us": t_us,
                "t_epoch_us": self._boot_epoch_us + t_us}

    def _deliver(self, sink: Callable[[dict], None], edge: dict, stop: threading.Event) -> None:
        """Hand ``edge`` to the sink, retrying while it fails (the outbox may be
        momentarily unwritable); only a stop while it still fails loses it."""
        while True:
            try:
                sink(edge)
            except Exception:
                with self._lock:
                    self._errors["sink_failed"] += 1
                log.exception("gpio %s: sink refused edge %s/%s/%d", self.name, edge["source"],
                              edge["boot"], edge["seq"])
                if stop.wait(SINK_RETRY_S):
                    with self._lock:
                        self._errors["lost"] += 1
                    log.error("gpio %s: edge %s/%s/%d lost at stop: %s", self.name, edge["source"],
                              edge["boot"], edge["seq"], json.dumps(edge))
                    return
            else:
                with self._lock:
                    self._edges += 1
                    # Seconds since the epoch, like the other sources' status.
                    self._last_edge_at = edge["t_epoch_us"] / 1_000_000
                log.debug("gpio edge %s", edge)
                return


def main(argv: list[str] | None = None) -> int:
    """Bench check without a server: log every gate edge of ``--gpio`` until Ctrl-C.

    ``python -m hardware.gpio "start=17,finish=27"``
    """
    parser = argparse.ArgumentParser(prog="python -m hardware.gpio", description=main.__doc__)
    parser.add_argument("spec", help='gates, e.g. "start=17,finish=27,cp1=22"')
    parser.add_argument("--name", default="pi-bench")
    parser.add_argument("--debounce-us", type=int, default=2000)
    parser.add_argument("--stuck-ms", type=int, default=10000)
    parser.add_argument("--active-high", action="store_true",
                        help="the receiver drives the line HIGH while the beam is broken")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    try:
        source = GpioSource(args.spec, args.name, debounce_us=args.debounce_us,
                            stuck_ms=args.stuck_ms, active_low=not args.active_high,
                            pull_up=not args.active_high)
    except (ValueError, RuntimeError) as exc:
        log.error("%s", exc)
        return 2
    stop = threading.Event()
    try:
        source.run(lambda edge: log.info("%s", json.dumps(edge)), stop)
    except KeyboardInterrupt:
        stop.set()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
