"""A run's row and the rules' view of it: conversions both ways, the run's published
object, and the locks and statements every change of a run shares (scoreboard.services.runs
uses them)."""

from __future__ import annotations

import collections
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from judging import timed
from scoreboard.models import GateEvent, Run, Track

REASON_MAX = Run.reason.type.length


def now_us() -> int:
    """Server wall-clock in µs: used to time out a run and to sync displays, never to time one."""
    return time.time_ns() // 1000


# ---------------------------------------------------------------- conversions


def track_rules(track: Track) -> timed.TrackRules:
    return timed.TrackRules(
        start=timed.GateRef(track.start_source, track.start_gate),
        finish=timed.GateRef(track.finish_source, track.finish_gate),
        checkpoints=tuple(timed.GateRef(c["source"], int(c["gate"])) for c in track.checkpoints),
        min_run_us=track.min_run_ms * 1000,
    )


def edge_of(ev: GateEvent | None) -> timed.Edge | None:
    if ev is None:
        return None
    return timed.Edge(ev.source, ev.boot, ev.seq, ev.gate, ev.edge, ev.t_us,
                      ev.t_epoch_us, ev.t_epoch_err_us, ev.fault)


def state_of(session: Session, run: Run) -> timed.RunState:
    # one slot per checkpoint the track has now: an event reload may have changed them
    # while this run was live, and judging.timed indexes the slots by the track's order
    n = len(run.track.checkpoints)
    ids = (list(run.checkpoint_event_ids or []) + [None] * n)[:n]
    cps = tuple(edge_of(session.get(GateEvent, i)) if i else None for i in ids)
    times = tuple((list(run.checkpoints_us or []) + [None] * n)[:n])
    return timed.RunState(
        status=timed.RunStatus(run.status), start=edge_of(run.start_event),
        finish=edge_of(run.finish_event), checkpoints=cps, elapsed_us=run.elapsed_us,
        checkpoints_us=times, reason=run.reason)


def gate_event_row(session: Session, edge: timed.Edge | None,
                known: Mapping[tuple[str, str, int], GateEvent] | None = None) -> GateEvent | None:
    """The stored row of an edge: from `known` (rows in hand, by (source, boot, seq)) when
    it is there, else read. So a gate edge on its way to the screens costs no query here."""
    if edge is None:
        return None
    row = (known or {}).get((edge.source, edge.boot, edge.seq))
    if row is not None:
        return row
    return session.scalar(select(GateEvent).where(
        GateEvent.source == edge.source, GateEvent.boot == edge.boot, GateEvent.seq == edge.seq))


def store_state(session: Session, run: Run, state: timed.RunState,
                 added: Mapping[tuple[str, str, int], GateEvent] | None = None,
                 put: Callable[[Run, str, Any], None] = setattr) -> None:
    """Write `state` to `run`; `added`: gate event rows the caller has just stored.

    `put` sets each attribute: `setattr` for the session to write it at the commit, or
    `set_committed_value` for a caller that writes the run itself (`write_runs`)."""
    if state.start is not None and run.start_event is None:
        put(run, "started_server_us", now_us())
    put(run, "status", state.status.value)
    # set the relationships too, so the run reads its own edges back at once (within a
    # batch, and in the run object published right after the commit)
    known = collections.ChainMap({(r.source, r.boot, r.seq): r for r in (
        run.start_event, run.finish_event) if r is not None}, added or {})
    for name, edge in (("start_event", state.start), ("finish_event", state.finish)):
        row = gate_event_row(session, edge, known)
        put(run, name, row)
        put(run, f"{name}_id", None if row is None else row.id)
    cps = [gate_event_row(session, e, known) for e in state.checkpoints]
    put(run, "checkpoint_event_ids", [None if ev is None else ev.id for ev in cps])
    put(run, "checkpoints_us", list(state.checkpoints_us))
    put(run, "elapsed_us", state.elapsed_us)
    # the column holds 200 characters (PostgreSQL enforces it); the audit keeps the full text
    put(run, "reason", state.reason[:REASON_MAX] if state.reason else state.reason)


# what a gate edge changes in a run: written by `write_runs`, the row's version checked
_RUN_CHANGES = ("status", "start_event_id", "finish_event_id", "checkpoint_event_ids",
                "checkpoints_us", "elapsed_us", "reason", "started_server_us")
_UPDATE_RUN = update(Run.__table__).where(
    Run.__table__.c.id == bindparam("run_id"), Run.__table__.c.version == bindparam("seen"))


def write_runs(session: Session, runs: Iterable[Run]) -> None:
    """Write the runs a batch of edges changed, one prebuilt UPDATE each (the session's
    unit of work cost three times as much for one row). A row another worker changed
    since it was read is not overwritten: StaleDataError, as the session raises it."""
    connection = session.connection()
    for run in runs:
        values = {name: getattr(run, name) for name in _RUN_CHANGES}
        result = connection.execute(_UPDATE_RUN, {
            **values, "version": run.version + 1, "run_id": run.id, "seen": run.version})
        if result.rowcount != 1:
            raise StaleDataError(f"run {run.id} was changed by another process")
        set_committed_value(run, "version", run.version + 1)


def run_dict(run: Run) -> dict[str, Any]:
    """The run object of the API and of `/live` (docs/contract.md §4 plus extensions)."""
    start = run.start_event
    return {
        "id": run.id, "category": run.category.slug, "team": run.team.code,
        "team_name": run.team.name, "attempt": run.attempt, "status": run.status,
        "elapsed_us": run.elapsed_us, "checkpoints_us": list(run.checkpoints_us or []),
        "track": run.track.slug, "reason": run.reason,
        "start_t_epoch_us": start.t_epoch_us if start is not None else None,
        "started_server_us": run.started_server_us,
        "elapsed_err_us": elapsed_err_us(run),
        "penalties": dict(run.penalties or {}),
        # the row's version, raised by every stored change: a page keeps the newer copy
        # when a fetched answer and a /live push of the same run cross
        "version": run.version,
    }


def elapsed_err_us(run: Run) -> int | None:
    """The stated uncertainty (half-width) of `elapsed_us`: 0 when start and finish share
    one clock, the sum of both edges' `t_epoch_err_us` across two clocks, None without a
    measured time (or a time set by hand)."""
    if run.elapsed_us is None or run.start_event is None or run.finish_event is None:
        return None
    gap = timed.gap_us(edge_of(run.start_event), edge_of(run.finish_event))
    return None if gap is None else (gap[2] - gap[1]) // 2


_LOCK_TRACKS = select(Track.id).where(Track.id.in_(bindparam("ids", expanding=True))).order_by(
    Track.id).with_for_update()


def lock_tracks(session: Session, ids: set[int]) -> bool:
    """Hold the rows of tracks `ids` until the commit, taken in id order (no deadlock
    between two workers). SQLite has no row locks: one writer at a time, and one process
    serialises its changes with the run lock; False there, True where rows were locked."""
    connection = session.connection()
    if not ids or connection.dialect.name == "sqlite":
        return False
    connection.execute(_LOCK_TRACKS, {"ids": sorted(ids)})
    return True
