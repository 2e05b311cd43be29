"""Validation of a gate edge as it arrives on the wire (docs/internals.md §1)."""

from __future__ import annotations

from typing import Any

from judging.errors import RuleViolation
from judging.timed_run import Edge

# Every integer must fit a signed 64-bit database column.
_INT_MAX = 2**63 - 1
_EDGE_KINDS = ("B", "C")


def _text(d: dict, key: str) -> str:
    if key not in d:
        raise RuleViolation(f"{key}: missing")
    value = d[key]
    if not isinstance(value, str):
        raise RuleViolation(f"{key}: must be a string")
    if not 1 <= len(value) <= 64:
        raise RuleViolation(f"{key}: must be 1..64 characters")
    return value


def _integer(d: dict, key: str, minimum: int, optional: bool = False) -> Any:
    if key not in d or (optional and d[key] is None):
        if optional:
            return None
        raise RuleViolation(f"{key}: missing")
    value = d[key]
    # bool is an int subclass in Python; True is not a sequence number.
    if isinstance(value, bool) or not isinstance(value, int):
        raise RuleViolation(f"{key}: must be an integer")
    if not minimum <= value <= _INT_MAX:
        raise RuleViolation(f"{key}: must be an integer in {minimum}..{_INT_MAX}")
    return value


def parse_edge(d: dict) -> Edge:
    """Validate a gate-edge dict from the wire and return it as an `Edge`.

    Required: source, boot (str, 1..64 chars), seq (int >= 1), gate (int >= 0),
    edge ("B" or "C"), t_us (int >= 0). Optional: t_epoch_us (int >= 0),
    t_epoch_err_us (int >= 0), fault (str, 1..64 chars: what is wrong with an edge
    its source passed on anyway); null counts as absent. Unknown keys are ignored
    so that newer agents may add fields. Raises RuleViolation naming the field.
    """
    if not isinstance(d, dict):
        raise RuleViolation("edge: must be an object")
    source = _text(d, "source")
    boot = _text(d, "boot")
    seq = _integer(d, "seq", 1)
    gate = _integer(d, "gate", 0)
    if "edge" not in d:
        raise RuleViolation("edge: missing")
    kind = d["edge"]
    if not isinstance(kind, str) or kind not in _EDGE_KINDS:
        raise RuleViolation('edge: must be "B" or "C"')
    return Edge(
        source=source,
        boot=boot,
        seq=seq,
        gate=gate,
        edge=kind,
        t_us=_integer(d, "t_us", 0),
        t_epoch_us=_integer(d, "t_epoch_us", 0, optional=True),
        t_epoch_err_us=_integer(d, "t_epoch_err_us", 0, optional=True),
        fault=None if d.get("fault") is None else _text(d, "fault"),
    )
