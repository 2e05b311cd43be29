"""Leading-edge lockout debounce: the first edge after a quiet period is the event.

Any raw edge on a gate that has been stable for ``debounce_us`` flips the gate's
state at that edge's own timestamp, so bounce never shifts the time (a "stable for
N" filter would). Edges inside the lockout are remembered; when the lockout ends the
caller passes the pin's actual level to ``settle``, which reports the gate's real
state if it differs (a pulse shorter than the lockout, or an edge the callback missed)
at the time of the last raw edge seen.
"""


class Debouncer:
    """Per-gate state, 1 = beam broken, 0 = clear."""

    def __init__(self, gates, debounce_us, levels=None):
        self.gates = gates
        self.debounce_us = debounce_us
        self.state = bytearray(levels if levels is not None else gates)
        self.accepted_at = [None] * gates  # time of the last reported change
        self.last_raw_at = [0] * gates
        self.pending = bytearray(gates)  # raw edges seen inside the lockout

    def _locked(self, gate, t):
        at = self.accepted_at[gate]
        return at is not None and t - at < self.debounce_us

    def raw(self, gate, t):
        """A raw edge at ``t`` (us); returns the new state (0/1) if it is an event, else None."""
        if self._locked(gate, t):
            self.pending[gate] = 1
            if t > self.last_raw_at[gate]:
                self.last_raw_at[gate] = t
            return None
        new = 1 - self.state[gate]
        self.state[gate] = new
        self.accepted_at[gate] = t
        self.last_raw_at[gate] = t
        self.pending[gate] = 0
        return new

    def settle(self, gate, level, now):
        """After the lockout, reconcile with the pin's ``level``: ``(state, t)`` or None."""
        if self._locked(gate, now):
            return None
        if level == self.state[gate]:
            self.pending[gate] = 0
            return None
        t = self.last_raw_at[gate] if self.pending[gate] else now
        self.state[gate] = level
        self.accepted_at[gate] = t
        self.pending[gate] = 0
        return level, t
