"""Raw gate edges (immutable facts), runs derived from them, and the audit trail."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scoreboard.models.base import Base, utcnow
from scoreboard.models.event import Category, Track
from scoreboard.models.people import Team


class GateEvent(Base):
    """One gate edge exactly as the device stamped it. Never updated, never deleted."""

    __tablename__ = "gate_event"
    __table_args__ = (UniqueConstraint("source", "boot", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    boot: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(BigInteger)
    gate: Mapped[int]
    edge: Mapped[str] = mapped_column(String(1))
    t_us: Mapped[int] = mapped_column(BigInteger)
    t_epoch_us: Mapped[int | None] = mapped_column(BigInteger)
    t_epoch_err_us: Mapped[int | None] = mapped_column(BigInteger)
    # what its source found wrong with it but passed on anyway ("t_us_backwards"); null
    # for a sound edge (migration 0012)
    fault: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Run(Base):
    """One attempt of a team on a track; its timing is derived from gate events."""

    __tablename__ = "run"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("track.id"), index=True)
    attempt: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), index=True)
    start_event_id: Mapped[int | None] = mapped_column(ForeignKey("gate_event.id"))
    finish_event_id: Mapped[int | None] = mapped_column(ForeignKey("gate_event.id"))
    # one gate_event id (or null) per track checkpoint
    checkpoint_event_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    elapsed_us: Mapped[int | None] = mapped_column(BigInteger)
    checkpoints_us: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # occurrences of each of the category's penalties ({"sentuh": 2}); added to the time
    penalties: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=dict)
    reason: Mapped[str | None] = mapped_column(String(200))
    armed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # server wall-clock when the start edge was taken in: only to time-out a run that never ends
    started_server_us: Mapped[int | None] = mapped_column(BigInteger)
    armed_by: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(default=1)

    category: Mapped[Category] = relationship()
    team: Mapped[Team] = relationship()
    track: Mapped[Track] = relationship()
    start_event: Mapped[GateEvent | None] = relationship(foreign_keys=[start_event_id])
    finish_event: Mapped[GateEvent | None] = relationship(foreign_keys=[finish_event_id])

    __mapper_args__ = {"version_id_col": version}


class AuditRecord(Base):
    """Who changed what, when and why; one immutable row per change."""

    __tablename__ = "audit_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(64))
    old: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    new: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(String(300))
