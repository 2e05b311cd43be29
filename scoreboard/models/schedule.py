"""The schedule: places other than tracks, the event's calendar, and schedule versions.

A version is never changed: generating again stores a new one (keeping what already
happened), and the newest version is the schedule. Slot times are the event's local
wall-clock times (naive datetimes), as the organisers' event file gives its hours.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scoreboard.models.base import Base, utcnow
from scoreboard.models.event import Category


class Place(Base):
    """A ring, field or judging room from `[[place]]` (tracks are places of kind track)."""

    __tablename__ = "place"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"))
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))


class ScheduleCalendar(Base):
    """`[schedule]`: the days and the hours every place is open (minutes since midnight)."""

    __tablename__ = "schedule_calendar"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), unique=True)
    days: Mapped[list[str]] = mapped_column(JSON, default=list)
    day_start: Mapped[int]
    day_end: Mapped[int]
    # [[start, end], ...] minutes since midnight
    breaks: Mapped[list[Any]] = mapped_column(JSON, default=list)


class ScheduleVersion(Base):
    """One generated schedule; `report` keeps the slots that could not be placed and why."""

    __tablename__ = "schedule_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str | None] = mapped_column(String(300))
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    slots: Mapped[list["ScheduleSlot"]] = relationship(back_populates="version")


class ScheduleSlot(Base):
    """One attempt, match or interview of a version: a place and a time."""

    __tablename__ = "schedule_slot"
    __table_args__ = (UniqueConstraint("version_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("schedule_version.id"), index=True)
    key: Mapped[str] = mapped_column(String(160))
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    kind: Mapped[str] = mapped_column(String(16))  # attempt | match | interview
    # the attempt number, the bracket's match id, or "" for an interview
    ref: Mapped[str] = mapped_column(String(40), default="")
    teams: Mapped[list[str]] = mapped_column(JSON, default=list)
    place: Mapped[str] = mapped_column(String(64), index=True)
    start: Mapped[datetime] = mapped_column(index=True)
    end: Mapped[datetime]
    # kept from an earlier version because it already happened
    kept: Mapped[bool] = mapped_column(default=False)

    version: Mapped[ScheduleVersion] = relationship(back_populates="slots")
    category: Mapped[Category] = relationship()
