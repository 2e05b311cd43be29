"""The event as described by the organisers' TOML file: event, tracks, categories."""

from typing import Any

from sqlalchemy import JSON, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from judging.categories import DEFAULT_ATTEMPTS
from scoreboard.models.base import Base


class Event(Base):
    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="id")
    # only checked-in teams may run (migration 0003)
    require_checkin: Mapped[bool] = mapped_column(default=False, server_default=false())
    # event-wide rules beside the columns, e.g. {"awards": {"points": [5, 3, 1]}} (0018)
    options: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=dict)

    tracks: Mapped[list["Track"]] = relationship(back_populates="event")
    categories: Mapped[list["Category"]] = relationship(back_populates="event")


class Track(Base):
    """A timed track and the gates that time it (a gate is a (source, gate) pair)."""

    __tablename__ = "track"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"))
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    start_source: Mapped[str] = mapped_column(String(64))
    start_gate: Mapped[int]
    finish_source: Mapped[str] = mapped_column(String(64))
    finish_gate: Mapped[int]
    # [{"source": str, "gate": int}, ...] in track order
    checkpoints: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    min_run_ms: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship(back_populates="tracks")

    def gates(self) -> list[tuple[str, int]]:
        """Every (source, gate) that belongs to this track."""
        found = [(self.start_source, self.start_gate), (self.finish_source, self.finish_gate)]
        found += [(c["source"], int(c["gate"])) for c in self.checkpoints]
        return found


class Category(Base):
    """A competition category; `options` holds the format-specific keys of the event file."""

    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"))
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    format: Mapped[str] = mapped_column(String(16))
    track_id: Mapped[int | None] = mapped_column(ForeignKey("track.id"))
    attempts: Mapped[int] = mapped_column(default=DEFAULT_ATTEMPTS)
    time_limit_s: Mapped[int | None]
    ranking: Mapped[str] = mapped_column(String(32), default="best")
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    event: Mapped[Event] = relationship(back_populates="categories")
    track: Mapped[Track | None] = relationship()
