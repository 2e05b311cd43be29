"""The Source protocol: anything that produces gate edges (GPIO, KRT/1 serial, simulator).

A gate edge is a plain dict (docs/internals.md §1)::

    {"source": "esp32-a", "boot": "3f9a0c12", "seq": 1, "gate": 0, "edge": "B",
     "t_us": 1523004, "t_epoch_us": 1764452840123456, "t_epoch_err_us": 120}

A source calls ``sink(edge)`` for every edge; ``sink`` returns only once the edge is
durably committed, so a device may be acknowledged right after it returns.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

Edge = dict[str, Any]
Sink = Callable[[Edge], Any]

EDGE_KINDS = ("B", "C")
REQUIRED_FIELDS = ("source", "boot", "seq", "gate", "edge", "t_us")
OPTIONAL_FIELDS = ("t_epoch_us", "t_epoch_err_us")


@runtime_checkable
class Source(Protocol):
    """A producer of gate edges, run in its own thread by the agent."""

    name: str

    def run(self, sink: Sink, stop: threading.Event) -> None:
        """Produce edges into ``sink`` until ``stop`` is set."""

    def status(self) -> dict:
        """Health: ``{"kind", "name", "last_edge_at", "errors": {...}, ...}``."""


class EdgeError(ValueError):
    """An edge dict that does not follow docs/internals.md §1."""


def _is_int(value: Any) -> bool:
    # bool is an int subclass; True must not pass as seq 1.
    return isinstance(value, int) and not isinstance(value, bool)


def validate_edge(edge: Edge) -> Edge:
    """Return a clean copy of ``edge`` with only the known fields, or raise EdgeError."""
    if not isinstance(edge, dict):
        raise EdgeError(f"edge must be a dict, got {type(edge).__name__}")
    missing = [key for key in REQUIRED_FIELDS if key not in edge]
    if missing:
        raise EdgeError(f"edge lacks {', '.join(missing)}")
    for key in ("source", "boot"):
        value = edge[key]
        if not isinstance(value, str) or not 1 <= len(value) <= 64:
            raise EdgeError(f"{key} must be a string of 1..64 characters, got {value!r}")
    checks = (("seq", 1), ("gate", 0), ("t_us", 0))
    for key, minimum in checks:
        if not _is_int(edge[key]) or edge[key] < minimum:
            raise EdgeError(f"{key} must be an integer >= {minimum}, got {edge[key]!r}")
    if edge["edge"] not in EDGE_KINDS:
        raise EdgeError(f"edge must be 'B' or 'C', got {edge['edge']!r}")
    clean = {key: edge[key] for key in REQUIRED_FIELDS}
    for key in OPTIONAL_FIELDS:
        value = edge.get(key)
        if value is None:
            continue
        if not _is_int(value) or (key == "t_epoch_err_us" and value < 0):
            raise EdgeError(f"{key} must be an integer, got {value!r}")
        clean[key] = value
    return clean


def new_boot_id() -> str:
    """A fresh random boot id: 8 lowercase hex digits, as a device sends in HELLO."""
    return secrets.token_hex(4)


class SourceHealth:
    """Thread-safe counters behind a source's ``status()``: last edge time and errors."""

    def __init__(self, kind: str, name: str) -> None:
        self.kind = kind
        self.name = name
        self._lock = threading.Lock()
        self._last_edge_at: float | None = None
        self._edges = 0
        self._errors: dict[str, int] = {}

    def edge_seen(self) -> None:
        """Record that an edge went to the sink just now."""
        with self._lock:
            self._edges += 1
            self._last_edge_at = time.time()

    def error(self, code: str) -> None:
        """Count one error of kind ``code``."""
        with self._lock:
            self._errors[code] = self._errors.get(code, 0) + 1

    def snapshot(self, **extra: Any) -> dict:
        """The status dict, with ``extra`` fields merged in."""
        with self._lock:
            status = {
                "kind": self.kind,
                "name": self.name,
                "last_edge_at": self._last_edge_at,
                "edges": self._edges,
                "errors": dict(self._errors),
            }
        status.update(extra)
        return status
