"""The state machine of one timed run, driven by gate edges.

A run is armed by the timekeeper, started by the first beam-broken ("B") edge on
the start gate, passes checkpoints, and finishes on the finish gate. The rules
hold no clock: every time comes from the edges themselves (docs/contract.md §5), and a
time that cannot be known sends the run to `review`, never to a guess.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from judging.errors import RuleViolation


class RunStatus(StrEnum):
    """Where a run is in its life; the values are the wire strings."""

    armed = "armed"
    running = "running"
    finished = "finished"
    timeout = "timeout"
    dnf = "dnf"
    dsq = "dsq"
    review = "review"


# Statuses in which gate edges still matter; every other status ignores them.
LIVE_STATUSES = frozenset({RunStatus.armed, RunStatus.running})


@dataclass(frozen=True, slots=True)
class GateRef:
    """One gate of one source (device), as named in the event file."""

    source: str
    gate: int


@dataclass(frozen=True, slots=True)
class TrackRules:
    """The gates of a track and its hold-off.

    `min_run_us`: a finish-gate B earlier than this after the start is ignored
    (a bounce of the start beam on a lap track, a hand waved over the finish).
    """

    start: GateRef
    finish: GateRef
    checkpoints: tuple[GateRef, ...] = ()
    min_run_us: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.min_run_us, bool) or not isinstance(self.min_run_us, int):
            raise RuleViolation("min_run_us: must be an integer")
        if self.min_run_us < 0:
            raise RuleViolation("min_run_us: must be >= 0")
        cps = tuple(self.checkpoints)
        object.__setattr__(self, "checkpoints", cps)
        # A gate that is both a checkpoint and the start/finish, or two slots for
        # one gate, would make "the first B on that gate" ambiguous.
        if len(set(cps)) != len(cps):
            raise RuleViolation("checkpoints: a gate is listed twice")
        if self.start in cps or self.finish in cps:
            raise RuleViolation("checkpoints: a checkpoint is also the start or finish gate")

    @property
    def is_lap(self) -> bool:
        """True when the robot starts and finishes through the same gate."""
        return self.start == self.finish


@dataclass(frozen=True, slots=True)
class Edge:
    """One gate edge as it travelled from the source (docs/internals.md §1).

    `t_epoch_err_us` (an extension) is the half-width of the epoch estimate's
    uncertainty; None means unknown and is treated as exact. `fault` (an extension) names
    what is wrong with an edge its source had to pass on anyway (``t_us_backwards``: its
    device time fell back within one boot); None for a sound edge.
    """

    source: str
    boot: str
    seq: int
    gate: int
    edge: str
    t_us: int
    t_epoch_us: int | None = None
    t_epoch_err_us: int | None = None
    fault: str | None = None

    @property
    def gate_ref(self) -> GateRef:
        """The gate this edge happened on."""
        return GateRef(self.source, self.gate)


@dataclass(frozen=True, slots=True)
class RunState:
    """Everything the rules know about one run; a new object on every change.

    `checkpoints[i]` is the edge that passed track checkpoint i (None: not yet);
    `checkpoints_us[i]` its time since the start (None: not reached, or reached
    on a clock that cannot be compared with the start's). A run's penalties are the
    category's named penalties, counted by the timekeeper (`TimedConfig.penalised_us`).
    """

    status: RunStatus
    start: Edge | None = None
    finish: Edge | None = None
    checkpoints: tuple[Edge | None, ...] = ()
    elapsed_us: int | None = None
    checkpoints_us: tuple[int | None, ...] = ()
    reason: str | None = None


def arm(track: TrackRules) -> RunState:
    """A fresh run waiting for its start edge on `track`."""
    empty = (None,) * len(track.checkpoints)
    return RunState(status=RunStatus.armed, checkpoints=empty, checkpoints_us=empty)


def gap_us(earlier: Edge, later: Edge) -> tuple[int, int, int] | None:
    """Time from `earlier` to `later` as (estimate, low, high) bounds, or None.

    Same (source, boot): the source's own microsecond clock, exact. Otherwise
    both wall-clock estimates, widened by their stated uncertainties. None when
    the two edges share no clock.
    """
    if (earlier.source, earlier.boot) == (later.source, later.boot):
        exact = later.t_us - earlier.t_us
        return exact, exact, exact
    if earlier.t_epoch_us is None or later.t_epoch_us is None:
        return None
    estimate = later.t_epoch_us - earlier.t_epoch_us
    err = (earlier.t_epoch_err_us or 0) + (later.t_epoch_err_us or 0)
    return estimate, estimate - err, estimate + err


def _clock_name(edge: Edge) -> str:
    return f"{edge.source}/{edge.boot}"


def apply_edge(
    state: RunState, track: TrackRules, edge: Edge, time_limit_us: int | None
) -> RunState:
    """The run after `edge`; the same object when the edge changes nothing.

    Only "B" edges count, and only while the run is armed or running. The
    first B on the start gate starts an armed run; while running, a B on the
    finish gate at least `min_run_us` after the start finishes it (on a lap
    track that is the start gate again), and a B on a checkpoint gate records
    that checkpoint once. Gates not on the track are ignored. A faulty edge (`Edge.fault`)
    that would start, pass or finish the run sends it to review instead, with the fault
    as the reason: its time cannot be trusted, a person decides.
    """
    if edge.edge != "B" or state.status not in LIVE_STATUSES:
        return state
    if edge.fault is not None:
        return _on_faulty(state, track, edge)
    ref = edge.gate_ref
    if state.status is RunStatus.armed:
        if ref == track.start:
            return dataclasses.replace(state, status=RunStatus.running, start=edge)
        return state
    if ref == track.finish:
        return _on_finish(state, track, edge, time_limit_us)
    if ref in track.checkpoints:
        return _on_checkpoint(state, track.checkpoints.index(ref), edge, time_limit_us)
    return state


def _on_faulty(state: RunState, track: TrackRules, edge: Edge) -> RunState:
    ref = edge.gate_ref
    if state.status is RunStatus.armed:
        if ref != track.start:
            return state
        changes = {"start": edge}
    elif ref == track.finish:
        changes = {"finish": edge}
    elif ref in track.checkpoints:
        changes = {}
    else:
        return state
    reason = (f"device fault {edge.fault} on {_clock_name(edge)} seq {edge.seq}: "
              "time it by hand")
    return dataclasses.replace(state, status=RunStatus.review, reason=reason, **changes)


def _on_finish(
    state: RunState, track: TrackRules, edge: Edge, time_limit_us: int | None
) -> RunState:
    assert state.start is not None  # a running run always has its start
    gap = gap_us(state.start, edge)
    if gap is None:
        reason = (
            f"no common clock between start ({_clock_name(state.start)}) and "
            f"finish ({_clock_name(edge)}): time it by hand"
        )
        return dataclasses.replace(state, status=RunStatus.review, finish=edge, reason=reason)
    elapsed, low, high = gap
    if high < track.min_run_us:
        return state
    if low < track.min_run_us:
        reason = (
            f"finish {elapsed} us after the start is within the clocks' uncertainty "
            f"of the {track.min_run_us} us hold-off"
        )
        return dataclasses.replace(state, status=RunStatus.review, finish=edge, reason=reason)
    if time_limit_us is not None and elapsed > time_limit_us:
        reason = f"finished in {elapsed} us, over the {time_limit_us} us limit"
        return dataclasses.replace(
            state, status=RunStatus.timeout, finish=edge, elapsed_us=elapsed, reason=reason
        )
    return dataclasses.replace(state, status=RunStatus.finished, finish=edge, elapsed_us=elapsed)


def _on_checkpoint(
    state: RunState, index: int, edge: Edge, time_limit_us: int | None
) -> RunState:
    assert state.start is not None
    if state.checkpoints[index] is not None:
        return state
    gap = gap_us(state.start, edge)
    at_us = None if gap is None else gap[0]
    if at_us is not None and at_us < 0:
        # Happened before this run started: a late delivery, not this robot.
        return state
    if at_us is not None and time_limit_us is not None and at_us > time_limit_us:
        # The edge itself proves the limit has passed; the run cannot finish in time.
        reason = f"checkpoint {index + 1} reached {at_us} us after start, over the limit"
        return dataclasses.replace(state, status=RunStatus.timeout, reason=reason)
    edges = state.checkpoints[:index] + (edge,) + state.checkpoints[index + 1 :]
    times = state.checkpoints_us[:index] + (at_us,) + state.checkpoints_us[index + 1 :]
    return dataclasses.replace(state, checkpoints=edges, checkpoints_us=times)


def replay(state: RunState, track: TrackRules, edges: Sequence[Edge],
           time_limit_us: int | None) -> RunState:
    """`state` after `edges` in order: a run's result derived again from its stored edges."""
    for edge in edges:
        state = apply_edge(state, track, edge, time_limit_us)
    return state


def catch_up(state: RunState, track: TrackRules, edges: Sequence[Edge],
             time_limit_us: int | None) -> RunState:
    """A run that has just started, after `edges` that reached the server before its start.

    Two devices deliver on their own: when the start device's outbox catches up after a
    Wi-Fi drop, the finish device's edge of the same run is already stored, and it changed
    nothing then because the run was still armed. The edges that come after the start
    for certain (their whole window of uncertainty at or after it, on a clock they share
    with it) are applied now, in the order of their times from it, by the rules of
    `apply_edge`. Every other edge is left out, as it was when it arrived: a crossing
    before the start, or one that may have been (within the clocks' uncertainty, or with
    no clock in common), is the finish beam crossed while the robot was set up, and must
    neither finish the run nor send it to review (a faulty edge would, whatever its time).
    """
    if state.status is not RunStatus.running or state.start is None:
        return state
    start = state.start
    after = sorted((gap[0], edge.source, edge.boot, edge.seq, edge) for edge in edges
                   if edge != start and (gap := gap_us(start, edge)) is not None
                   and gap[1] >= 0)
    return replay(state, track, [row[-1] for row in after], time_limit_us)


def expire(state: RunState) -> RunState:
    """A running run past its time limit by the server's clock becomes `timeout`.

    The elapsed time stays None: no finish edge measured it. Any other status
    is returned unchanged (the same object), so a timer racing a finish edge
    is harmless.
    """
    if state.status is not RunStatus.running:
        return state
    return dataclasses.replace(
        state, status=RunStatus.timeout, elapsed_us=None, reason="time limit reached"
    )


def abort(state: RunState, reason: str) -> RunState:
    """The timekeeper stops a run: armed, running or review becomes `dnf`.

    Raises RuleViolation for any other status (a result already stands).
    """
    allowed = (RunStatus.armed, RunStatus.running, RunStatus.review)
    if state.status not in allowed:
        raise RuleViolation(f"status: cannot abort a run that is {state.status}")
    return dataclasses.replace(state, status=RunStatus.dnf, elapsed_us=None, reason=reason)


def disqualify(state: RunState, reason: str) -> RunState:
    """A referee disqualifies a run: armed, running, review or finished becomes `dsq`.

    The measured time, if any, is kept for the record; rankings ignore it.
    Raises RuleViolation for timeout, dnf and dsq runs.
    """
    allowed = (RunStatus.armed, RunStatus.running, RunStatus.review, RunStatus.finished)
    if state.status not in allowed:
        raise RuleViolation(f"status: cannot disqualify a run that is {state.status}")
    return dataclasses.replace(state, status=RunStatus.dsq, reason=reason)


def resolve_review(
    state: RunState, elapsed_us: int, reason: str, time_limit_us: int | None = None
) -> RunState:
    """A timekeeper settles a run in `review` with a time they determined.

    The run becomes `finished`, or `timeout` (time kept) when over the limit.
    Raises RuleViolation if the run is not in review or the time is not a
    non-negative integer.
    """
    if state.status is not RunStatus.review:
        raise RuleViolation(f"status: cannot resolve a run that is {state.status}")
    if isinstance(elapsed_us, bool) or not isinstance(elapsed_us, int) or elapsed_us < 0:
        raise RuleViolation("elapsed_us: must be an integer >= 0")
    status = RunStatus.finished
    if time_limit_us is not None and elapsed_us > time_limit_us:
        status = RunStatus.timeout
    return dataclasses.replace(state, status=status, elapsed_us=elapsed_us, reason=reason)


# A beam that flickers as a robot leaves it (B C B within a few ms) is one crossing, not
# two: a B that follows such a flicker within this window is a rebound.
REBOUND_US = 20_000


def is_rebound(before: Sequence[Edge], edge: Edge, window_us: int = REBOUND_US) -> bool:
    """True when `edge` is a B that re-blocks a gate still flickering from a crossing.

    `before` holds the edges just before `edge` on the same gate of the same source and
    boot, oldest first (the last two are enough). The pattern is B, C, B with each step
    shorter than `window_us`: the gate was blocked a moment ago and is blocked again, so
    this is the same crossing. A B after a clear gate (no B just before the C) is a new
    crossing, however soon after the C. A rebound must not start, pass or finish a run:
    otherwise the last flicker of one robot's finish on a lap track would start the next
    team's run.
    """
    if edge.edge != "B" or len(before) < 2:
        return False
    blocked, cleared = before[-2], before[-1]
    if (blocked.edge, cleared.edge) != ("B", "C"):
        return False
    same = {(e.source, e.boot, e.gate) for e in (blocked, cleared, edge)}
    if len(same) != 1:
        return False
    return (0 <= edge.t_us - cleared.t_us < window_us
            and 0 <= cleared.t_us - blocked.t_us < window_us)
