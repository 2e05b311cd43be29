"""Exponential backoff with jitter for reconnecting (the agent to its server)."""

from __future__ import annotations

import random


class Backoff:
    """Exponential backoff with jitter: ``first``, doubling up to ``cap`` seconds."""

    def __init__(self, first: float = 0.5, cap: float = 10.0) -> None:
        self.first = first
        self.cap = cap
        self._next = first

    def next(self) -> float:
        """The next delay to wait, in seconds."""
        delay = self._next
        self._next = min(self._next * 2, self.cap)
        return delay * random.uniform(0.8, 1.2)

    def reset(self) -> None:
        """Start again from the first delay (after a success)."""
        self._next = self.first
