"""Fair play: technical inspections, protests (sanggah) and official results.

All three are records that are never changed once written, except a protest's decision
fields, which are written once. A team's inspection status is its latest inspection; a
category's result is official from the judging.protest rules plus the head judge's
finalisations kept here.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scoreboard.models.base import Base, utcnow
from scoreboard.models.event import Category
from scoreboard.models.people import Team


class Inspection(Base):
    """One technical inspection of a team's robot for a category (the latest one counts)."""

    __tablename__ = "inspection"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    # {"massa": 2950, "ukuran": [20, 19, 12], "tanpa_mcu": true}
    item_values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # [{"key", "passed", "reason"}] as judging.inspection.verdict said at the time
    results: Mapped[list[Any]] = mapped_column(JSON, default=list)
    passed: Mapped[bool]
    notes: Mapped[str] = mapped_column(String(500), default="")
    photo_file: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    category: Mapped[Category] = relationship()
    team: Mapped[Team] = relationship()


class Protest(Base):
    """A team's protest against one of its results; decided once by the head judge."""

    __tablename__ = "protest"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    # what is contested: "run" (a run id), "match" (a match id) or "score" (the team's score)
    target: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(500))
    photo_file: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    # the correction applied when accepted, e.g. {"home_score": 1, "away_score": 2}
    correction: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    category: Mapped[Category] = relationship()
    team: Mapped[Team] = relationship()


class Finalisation(Base):
    """The head judge made a category's result official (or, later, changed it again)."""

    __tablename__ = "finalisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # None: the result made official; else what changed in the official result, e.g.
    # {"run": 12, "action": "dsq"} (services/official_change.py)
    change: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    category: Mapped[Category] = relationship()
