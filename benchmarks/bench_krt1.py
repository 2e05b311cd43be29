"""Benchmark: host KRT/1 parse + validate rate, and the serial link's line handling.

Run: ``python benchmarks/bench_krt1.py``. Prints frames per second (best of several
repetitions) for ``hardware.krt1.decode`` on a realistic mix, for the firmware's own
decoder on CPython, and for SerialSource's byte-to-sink path (framing, validation,
ordering, sink) fed from memory; asserts nothing. The wire itself is the real limit:
115200 8N1 carries 11,520 bytes/s, about 400 EV frames/s.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from firmware import krt1 as fw_krt1  # noqa: E402
from hardware import krt1  # noqa: E402
from hardware.serial_link import SerialSource, _Boot  # noqa: E402

REPEATS = 5
N = 50_000


def mix(n: int) -> list[bytes]:
    """n lines: mostly EV, some HB/TS, like a busy track."""
    lines = []
    for i in range(n):
        if i % 10 == 9:
            lines.append(krt1.encode(["HB", i, 1_000_000 * i, "BCC"]))
        elif i % 10 == 8:
            lines.append(krt1.encode(["TS", f"{i:x}", 1_000_000 + i]))
        else:
            lines.append(krt1.encode(["EV", i + 1, i % 3, "BC"[i % 2], 1_523_004 + 977 * i]))
    return lines


def best_rate(fn, count: int) -> tuple[float, float]:
    rates = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        rates.append(count / (time.perf_counter() - start))
    return max(rates), statistics.median(rates)


class _NullPort:
    def write(self, data: bytes) -> int:
        return len(data)


def link_path(n: int):
    """SerialSource._feed over n in-order EV frames, sink a no-op."""
    evs = b"".join(krt1.encode(["EV", i + 1, i % 3, "BC"[i % 2], 1000 + 977 * i])
                   for i in range(n))

    def run():
        source = SerialSource("/dev/null", by_id=False)
        source._ser = _NullPort()
        source._cur = _Boot("esp32-a", "3f9a0c12", 3, expected=1, hello_at=0.0)
        for k in range(0, len(evs), 4096):
            source._feed(evs[k:k + 4096], 0, lambda edge: None)
        assert source.counts["forwarded"] == n

    return run


def main() -> None:
    lines = mix(N)
    host = best_rate(lambda: [krt1.decode(line) for line in lines], N)
    firmware = best_rate(lambda: [fw_krt1.decode(line) for line in lines], N)
    link = best_rate(link_path(N), N)
    print(f"hardware.krt1.decode      best {host[0]:>10,.0f} frames/s  median {host[1]:>10,.0f}")
    print(f"firmware.krt1.decode      best {firmware[0]:>10,.0f} frames/s  "
          f"median {firmware[1]:>10,.0f}")
    print(f"SerialSource bytes->sink  best {link[0]:>10,.0f} frames/s  median {link[1]:>10,.0f}")
    print("115200 baud line limit         ~400 EV frames/s")


if __name__ == "__main__":
    main()
