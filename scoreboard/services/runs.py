"""Timed runs: arm, take in gate edges, abort, time out; the rules live in judging.timed.

Every change happens under the app's run lock (`scoreboard.live`), is committed, and only
then published. Arming, a batch of edges that may drive a run, and a timekeeper's change
also hold the lock of the track's row in the database (`lock_tracks`): with several
workers on PostgreSQL, a finish handled on one worker waits for the start that another
worker is still committing, instead of reading the run as armed and passing it by.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from functools import partial
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from judging import timed
from judging.errors import RuleViolation
from scoreboard.errors import Conflict, Invalid, NotFound
from scoreboard.live import live
from scoreboard.models import Category, GateEvent, Run, Team, Track
from scoreboard.models.base import utcnow
from scoreboard.services import inspection
from scoreboard.services.audit import audit
from scoreboard.services.category_config import time_limit_us, timed_config
from scoreboard.services.publish import publish, publish_soon, read_then_publish
from scoreboard.services.ranking import category_ranking
from scoreboard.services.run_state import (
    edge_of,
    lock_tracks,
    now_us,
    run_dict,
    state_of,
    store_state,
    track_rules,
    write_runs,
)

log = logging.getLogger(__name__)
LIVE = (timed.RunStatus.armed.value, timed.RunStatus.running.value)
HOLDS_TRACK = LIVE + (timed.RunStatus.review.value,)
FINAL = ("finished", "timeout", "dnf", "dsq")
STATUSES = tuple(s.value for s in timed.RunStatus)
# a run with the rows its rules and its published object read (one query, not four)
RUN_WITH_ROWS = (joinedload(Run.category), joinedload(Run.team), joinedload(Run.start_event))
# a timekeeper may count penalties on a run from its start until it is settled otherwise
PENALTY_COUNTABLE = ("running", "finished", "review", "timeout")


def _audit(session: Session, actor: str, action: str, run: Run, old: dict | None,
           reason: str | None) -> None:
    audit(session, actor, action, "run", run.id, old=old,
          new={"status": run.status, "elapsed_us": run.elapsed_us}, reason=reason)


def announce(session: Session, runs: list[Run]) -> None:
    """Publish the runs, then their categories' rankings (a team's status is part of the
    ranking, so arming or starting a run changes it too: docs/contract.md §5 "on every
    change"), a moment later so that they never hold up a run on its way to the screens
    (services.publish.Soon)."""
    for run in runs:
        publish("run", run_dict(run))
    for slug in sorted({r.category.slug for r in runs}):
        publish_soon(session, f"ranking {slug}", partial(_publish_ranking, slug=slug))


def _publish_ranking(session: Session, slug: str) -> None:
    with read_then_publish(session):
        publish("ranking", category_ranking(session, slug))


# ---------------------------------------------------------------- use cases


def get_run(session: Session, run_id: int) -> Run:
    # ids beyond a 64-bit column cannot exist (and would overflow the database driver)
    run = session.get(Run, run_id) if 0 < run_id < 2**63 else None
    if run is None:
        raise NotFound(f"run {run_id} not found (tidak ditemukan)")
    return run


def _locked_run(session: Session, run_id: int) -> Run:
    """A run read under its track's lock: as another worker's edge may have left it."""
    run = get_run(session, run_id)
    if lock_tracks(session, {run.track_id}):
        session.refresh(run)
    return run


def arm_run(session: Session, category_slug: Any, team_code: Any, actor: str) -> Run:
    """Arm the next attempt of a team: the next gate events on its track belong to it."""
    if not isinstance(category_slug, str) or not category_slug:
        raise Invalid("category: required, a category slug")
    if not isinstance(team_code, str) or not team_code:
        raise Invalid("team: required, a team code")
    with live().run_lock:
        category = session.scalar(select(Category).where(Category.slug == category_slug))
        if category is None:
            raise NotFound(f"category: {category_slug!r} not found")
        team = session.scalar(select(Team).where(Team.code == team_code))
        if team is None:
            raise NotFound(f"team: {team_code!r} not found")
        if category.format != "timed" or category.track_id is None:
            raise Invalid(f"category: {category_slug!r} is not a timed category")
        if team.category_id != category.id:
            raise Invalid(f"team: {team_code!r} is not registered in {category_slug!r}")
        if category.event.require_checkin and team.checked_in_at is None:
            raise Conflict(f"team: {team_code!r} ({team.name}) has not checked in at the desk "
                           "(belum daftar ulang)")
        inspection.check_may_compete(session, category, team)
        lock_tracks(session, {category.track_id})
        busy = session.scalar(select(Run).where(
            Run.track_id == category.track_id, Run.status.in_(HOLDS_TRACK)))
        if busy is not None:
            raise Conflict(f"track: {category.track.slug!r} is busy with run {busy.id} "
                           f"({busy.team.code}, {busy.status})")
        used = session.scalar(select(func.count(Run.id)).where(
            Run.category_id == category.id, Run.team_id == team.id)) or 0
        attempts = timed_config(category).attempts
        if used >= attempts:
            raise Conflict(f"team: {team_code!r} has used all {attempts} attempts "
                           f"(semua kesempatan sudah dipakai)")
        run = Run(category=category, team=team, track_id=category.track_id, attempt=used + 1,
                  status="armed", checkpoint_event_ids=[None] * len(category.track.checkpoints),
                  checkpoints_us=[None] * len(category.track.checkpoints), armed_by=actor)
        session.add(run)
        session.flush()
        _audit(session, actor, "arm", run, None, None)
        session.commit()
        log.info("run %s armed: %s %s attempt %s", run.id, category.slug, team.code, run.attempt)
    announce(session, [run])
    return run


def _change(session: Session, run_id: int, actor: str, action: str, reason: str,
            rule) -> Run:
    with live().run_lock:
        run = _locked_run(session, run_id)
        old = {"status": run.status, "elapsed_us": run.elapsed_us}
        try:
            state = rule(state_of(session, run))
        except RuleViolation as exc:
            raise Conflict(str(exc)) from None
        store_state(session, run, state)
        _audit(session, actor, action, run, old, reason)
        session.commit()
        log.info("run %s %s by %s: %s", run.id, action, actor, reason)
    announce(session, [run])
    return run


def abort_run(session: Session, run_id: int, actor: str, reason: str | None = None) -> Run:
    """A timekeeper ends a run without a time: armed, running or review → dnf."""
    reason = reason or "aborted by timekeeper"
    return _change(session, run_id, actor, "abort", reason, lambda s: timed.abort(s, reason))


def add_penalty(session, run_id: int, actor: str, name: Any, count: Any,
                reason: str | None) -> Run:
    """Count `count` more (or, to correct, fewer) of penalty `name` on a run."""
    if isinstance(count, bool) or not isinstance(count, int) or count == 0 or abs(count) > 100:
        raise Invalid("count: a non-zero integer from -100 to 100")
    if count < 0 and not reason:
        raise Invalid("reason: required to take a penalty back (wajib diisi)")
    with live().run_lock:
        run = _locked_run(session, run_id)
        config = timed_config(run.category)
        names = [p.key for p in config.penalties] if config else []
        if not isinstance(name, str) or name not in names:
            raise Invalid(f"penalty: must be one of {', '.join(names) or '(none defined)'} "
                          f"(got {name!r})")
        if run.status not in PENALTY_COUNTABLE:
            raise Conflict(f"status: no penalties on a run that is {run.status}")
        old = dict(run.penalties or {})
        new = dict(old, **{name: old.get(name, 0) + count})
        try:
            config.penalised_us(run.elapsed_us or 0, new)
        except RuleViolation as exc:
            raise Invalid(str(exc)) from None
        run.penalties = {k: v for k, v in new.items() if v}
        audit(session, actor, "penalty", "run", run.id, old={"penalties": old},
              new={"penalties": run.penalties}, reason=reason)
        session.commit()
        log.info("run %s penalty %s %+d by %s", run.id, name, count, actor)
    announce(session, [run])
    return run


def disqualify_run(session: Session, run_id: int, actor: str, reason: str) -> Run:
    """A referee disqualifies a run (the measured time stays on record)."""
    return _change(session, run_id, actor, "dsq", reason, lambda s: timed.disqualify(s, reason))


def resolve_review(session: Session, run_id: int, actor: str, elapsed_us: int, reason: str) -> Run:
    """A timekeeper settles a run in review with a time determined by hand."""
    limit = time_limit_us(get_run(session, run_id).category)
    return _change(session, run_id, actor, "resolve", reason,
                   lambda s: timed.resolve_review(s, elapsed_us, reason, limit))


def expire_runs(session: Session, grace_s: float = 0.0, heard_since_us: int = 0) -> list[Run]:
    """Time out running runs whose limit has passed on the server's clock.

    `heard_since_us`: since when this server could hear the agents (when it began this
    duty). A run that was in flight while no server listened (killed, restarting) is
    counted from then, not from its start: its finish may be waiting in an agent's outbox,
    and a server that could not hear it must not invent a timeout."""
    changed = []
    with live().run_lock:
        running = session.scalars(select(Run).where(Run.status == "running")).all()
        if lock_tracks(session, {run.track_id for run in running}):
            for run in running:
                session.refresh(run)  # another worker's finish may have come first
        now = now_us()
        for run in running:
            limit = time_limit_us(run.category)
            if run.status != "running":
                continue
            if limit is None or run.started_server_us is None:
                continue
            counted_from = max(run.started_server_us, heard_since_us)
            if now - counted_from <= limit + grace_s * 1_000_000:
                continue
            store_state(session, run, timed.expire(state_of(session, run)))
            _audit(session, "server", "expire", run, {"status": "running"}, "time limit reached")
            changed.append(run)
        if changed:
            session.commit()
    if changed:
        announce(session, changed)
    return changed


def record_edges(session: Session, payloads: list[Any]) -> list[dict[str, Any]]:
    """Store a batch of gate edges in one transaction, in order; one ack per edge.

    A malformed edge is acked `{"ok": false, "error"}` and stored nowhere; a duplicate is
    acked exactly like the first time (docs/contract.md §5). One commit for the whole batch is
    what lets an agent catch up on a backlog quickly.
    """
    acks: list[dict[str, Any]] = []
    changed: dict[int, Run] = {}
    with live().run_lock:
        try:
            batch = _Batch(session, payloads)
            for payload in payloads:
                acks.append(_take_edge(session, payload, changed, batch))
            write_runs(session, changed.values())
            session.commit()
        except IntegrityError:  # stored meanwhile by another process (SQLite before 3.35
            # reads, then inserts); the insert with RETURNING skips duplicates itself
            session.rollback()
            return [{"ok": False, "retry": True, "error": "send again"} if ack["ok"] else ack
                    for ack in acks] + [{"ok": False, "retry": True, "error": "send again"}
                                        for _ in payloads[len(acks):]]
    if changed:
        announce(session, list(changed.values()))
    return acks


# The statements of a gate edge's way to the screens, built once: building a statement
# costs SQLAlchemy more than running it does SQLite (docs/performance.md, "A gate edge's
# statements"). Parameters are bound when they run.
# the batch's edges, each stored unless it is already: the rows it returns are the new ones
_STORE_EDGES = {dialect: insert(GateEvent.__table__).on_conflict_do_nothing(
    index_elements=["source", "boot", "seq"]).returning(
    GateEvent.id, GateEvent.source, GateEvent.boot, GateEvent.seq)
    for dialect, insert in (("sqlite", sqlite_insert), ("postgresql", postgresql_insert))}
# without RETURNING (SQLite before 3.35): the stored ones read first, then one insert each
_STORED_SEQS = select(GateEvent.seq).where(
    GateEvent.source == bindparam("source"), GateEvent.boot == bindparam("boot"),
    GateEvent.seq.in_(bindparam("seqs", expanding=True)))
_INSERT_EDGE = GateEvent.__table__.insert()
# a track's last run timed out by the server's clock may still take its finish
_LIVE_TRACK_IDS = select(Run.track_id).where(or_(
    Run.status.in_(LIVE),
    and_(Run.id.in_(select(func.max(Run.id)).group_by(Run.track_id)),
         Run.status == "timeout", Run.elapsed_us.is_(None))))
_TRACKS = select(*Track.__table__.c, Track.id.in_(_LIVE_TRACK_IDS).label("live")).order_by(
    Track.id)
_PREVIOUS_ON_GATE = select(*GateEvent.__table__.c).where(
    GateEvent.source == bindparam("source"), GateEvent.boot == bindparam("boot"),
    GateEvent.gate == bindparam("gate"), GateEvent.seq < bindparam("seq")
).order_by(GateEvent.seq.desc()).limit(2)
# what the rules and the published run read (its track too: the batch reads tracks as
# plain rows), in the same query; a run the batch changed is written once, at the commit
_LIVE_RUN = select(Run).where(
    Run.track_id == bindparam("track"), Run.status.in_(LIVE)).order_by(Run.id).options(
    *RUN_WITH_ROWS, joinedload(Run.track)).execution_options(autoflush=False)


@dataclasses.dataclass(frozen=True)
class _TrackGates:
    """A track as a batch of edges needs it: its rules and every (source, gate) of it."""

    id: int
    rules: timed.TrackRules
    gates: frozenset[tuple[str, int]]

    @classmethod
    def of(cls, track: Any) -> _TrackGates:
        """From a Track or a row of its columns."""
        rules = track_rules(track)
        return cls(track.id, rules, frozenset((g.source, g.gate) for g in (
            rules.start, rules.finish, *rules.checkpoints)))


class _Batch:
    """What one batch needs to know once instead of once per edge.

    `added`: the rows the batch stored, by (source, boot, seq): its edges go in first, in
    one statement that skips those already stored (a duplicate is acked as the first time
    and drives nothing). `live_gates`: the gates of tracks that have a live run when the
    batch starts, or whose last run timed out on the server's clock without a time (a late
    finish may still end it); read with the tracks, in one query. The live tracks the
    batch's B edges are on are locked (`lock_tracks`) before their runs are read. Only
    arming adds a track and it waits for the same locks, so during the batch that set can
    only shrink: an edge on any other gate, or a C edge (only B edges count), cannot
    change a run, and skips the look-back of the rebound rule and the search for its run.
    """

    def __init__(self, session: Session, payloads: list[Any]) -> None:
        edges: dict[tuple[str, str, int], timed.Edge] = {}
        for payload in payloads:
            try:
                edge = timed.parse_edge(payload)
            except RuleViolation:
                continue  # refused, with its reason, when its turn comes
            edges.setdefault((edge.source, edge.boot, edge.seq), edge)
        self.added = _store_edges(session, edges)
        self.taken: set[tuple[str, str, int]] = set()  # new edges the batch has gone through
        rows = session.connection().execute(_TRACKS).all()
        self.tracks = [_TrackGates.of(row) for row in rows]
        live_tracks = [track for row, track in zip(rows, self.tracks, strict=True) if row.live]
        self.live_gates = {gate for track in live_tracks for gate in track.gates}
        blocked = {(edge.source, edge.gate) for edge in edges.values() if edge.edge == "B"}
        lock_tracks(session, {track.id for track in live_tracks if track.gates & blocked})


def _store_edges(session: Session, edges: Mapping[tuple[str, str, int], timed.Edge]
                 ) -> dict[tuple[str, str, int], GateEvent]:
    """Store `edges` but those stored already, in one statement; the new rows, by key.

    In the order they came (the batch's order): their ids keep it, and a run re-derived
    from its edges (`_revive`) replays them by id. The rows join the session as they are
    in the database, and the run points at them without reading them back."""
    if not edges:
        return {}
    connection = session.connection()
    received = utcnow()
    # an Edge's fields are the row's columns, but for its id and when it was received
    values = [dataclasses.asdict(edge) | {"received_at": received} for edge in edges.values()]
    if connection.dialect.insert_executemany_returning:
        new = {(row.source, row.boot, row.seq): row.id for row in connection.execute(
            _STORE_EDGES[connection.dialect.name], values)}
    else:
        new = _store_edges_one_by_one(connection, values)
    added = {}
    for value in values:
        key = (value["source"], value["boot"], value["seq"])
        if key in new:
            row = added[key] = GateEvent(id=new[key], **value)
            make_transient_to_detached(row)
            session.add(row)
    return added


def _store_edges_one_by_one(connection: Any, values: list[dict[str, Any]]
                            ) -> dict[tuple[str, str, int], int]:
    """The same for SQLite before 3.35 (no RETURNING; Raspberry Pi OS 11, Debian 11): the
    stored keys read first, then one INSERT per new edge."""
    seqs: dict[tuple[str, str], list[int]] = {}
    for value in values:
        seqs.setdefault((value["source"], value["boot"]), []).append(value["seq"])
    stored = {(source, boot, seq) for (source, boot), numbers in seqs.items()
              for seq in connection.scalars(_STORED_SEQS, {
                  "source": source, "boot": boot, "seqs": numbers})}
    new = {}
    for value in values:
        key = (value["source"], value["boot"], value["seq"])
        if key not in stored:
            new[key] = connection.execute(_INSERT_EDGE, value).inserted_primary_key[0]
    return new


def _take_edge(session: Session, payload: Any, changed: dict[int, Run],
               batch: _Batch) -> dict[str, Any]:
    try:
        edge = timed.parse_edge(payload)
    except RuleViolation as exc:
        return {"ok": False, "error": str(exc)}
    key = (edge.source, edge.boot, edge.seq)
    if key not in batch.added or key in batch.taken:
        return {"ok": True}  # stored before, or earlier in this batch
    batch.taken.add(key)
    if edge.edge != "B" or (edge.source, edge.gate) not in batch.live_gates:
        return {"ok": True}  # stored; no live run can take it
    if edge.fault is None and timed.is_rebound(_previous_on_gate(session, edge), edge):
        return {"ok": True}  # the beam flickering as a robot leaves: stored, drives nothing
    for run in _drive_runs(session, edge, batch):
        changed[run.id] = run
    return {"ok": True}


def _previous_on_gate(session: Session, edge: timed.Edge) -> list[timed.Edge]:
    """The two edges just before `edge` on its gate (same source and boot), oldest first
    (the batch's own rows are stored already)."""
    rows = session.connection().execute(_PREVIOUS_ON_GATE, {
        "source": edge.source, "boot": edge.boot, "gate": edge.gate, "seq": edge.seq})
    return [edge_of(row) for row in reversed(rows.all())]


def _drive_runs(session: Session, edge: timed.Edge, batch: _Batch) -> list[Run]:
    changed = []
    for track in batch.tracks:
        if (edge.source, edge.gate) not in track.gates:
            continue
        run = session.scalar(_LIVE_RUN, {"track": track.id})
        if run is None:
            run = _expired_last_run(session, track)
            if run is not None and _revive(session, track, run):
                changed.append(run)
            continue
        before = state_of(session, run)
        after = timed.apply_edge(before, track.rules, edge, time_limit_us(run.category))
        if after is before:
            continue
        if before.status is timed.RunStatus.armed and after.status is timed.RunStatus.running:
            after = _catch_up(session, track, run, after, batch)
        store_state(session, run, after, batch.added, put=set_committed_value)
        changed.append(run)
        log.info("run %s %s by %s/%s#%s", run.id, after.status, edge.source, edge.boot, edge.seq)
    return changed


# B edges stored since a run was armed
# by the index on received_at (migration 0022), in no order (catch_up orders them by time):
# a filter on the devices, or an order by id, leads SQLite to read every edge instead
_ARMED_SINCE = select(*GateEvent.__table__.c).where(
    GateEvent.received_at >= bindparam("armed_at"), GateEvent.edge == "B")


def _catch_up(session: Session, track: _TrackGates, run: Run, state: timed.RunState,
              batch: _Batch) -> timed.RunState:
    """A run its start edge has just started, after its edges that came first
    (judging.timed.catch_up): a finish device's edge stored while the start device's
    outbox was still catching up. One device delivers in order, so only a track with gates
    on other devices than the start's reads anything here."""
    sources = {source for source, _ in track.gates} - {state.start.source}
    if not sources:
        return state
    rows = session.connection().execute(_ARMED_SINCE, {"armed_at": run.armed_at})
    stored = [edge_of(row) for row in rows
              if row.source in sources and (row.source, row.gate) in track.gates]
    edges = [edge for edge in stored if edge.fault is not None
             or not timed.is_rebound(_previous_on_gate(session, edge), edge)]
    caught = timed.catch_up(state, track.rules, edges, time_limit_us(run.category))
    if caught is not state:
        log.info("run %s: edges stored before its start apply (%s)", run.id, caught.status)
    return caught


def _revive(session: Session, track: _TrackGates, run: Run) -> bool:
    """Re-derive a run the server's clock timed out from every edge stored since its start.

    The edges decide: if they now show a finish (in time or late), that is the result;
    if they still show the run on its way, the server's timeout stands.
    """
    limit = time_limit_us(run.category)
    state = dataclasses.replace(state_of(session, run), status=timed.RunStatus.running,
                                reason=None, finish=None, elapsed_us=None)
    stored = session.scalars(select(GateEvent).where(
        GateEvent.id > run.start_event_id, GateEvent.edge == "B",
        GateEvent.source.in_(sorted({source for source, _ in track.gates}))).order_by(
        GateEvent.id))
    state = timed.replay(state, track.rules, [edge_of(ev) for ev in stored], limit)
    if state.status is timed.RunStatus.running:
        return False
    store_state(session, run, state, put=set_committed_value)
    _audit(session, "server", "revive", run, {"status": "timeout", "elapsed_us": None},
           "the device's own times show how the run ended after the server's clock had "
           "timed it out (its edges were delayed)")
    log.info("run %s re-derived from its edges: %s", run.id, state.status)
    return True


def _expired_last_run(session: Session, track: _TrackGates) -> Run | None:
    """The track's latest run if the server's clock timed it out without a finish edge.

    Time is taken at the edge: when the agent was cut off (Wi-Fi, a server restart) the
    finish may arrive after the server's own timer gave up. Its device time still decides,
    as long as no later run has been armed on the track.
    """
    last = session.scalar(select(Run).where(Run.track_id == track.id).order_by(Run.id.desc())
                          .limit(1))
    if last is None or last.status != "timeout" or last.elapsed_us is not None:
        return None
    return last if last.start_event_id is not None else None
