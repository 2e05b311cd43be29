"""Match categories: the stored draw (seeding) and the referees' results (raw facts).

The bracket itself is never stored: it is rebuilt from the draw's seeded order and
the results on every change (docs/engine.md §8). A result is never updated: a
correction is a new row with a higher ``version`` for the same match, naming who,
when and why; the latest version of a match is the one that counts.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scoreboard.models.base import Base, utcnow
from scoreboard.models.event import Category


class MatchDraw(Base):
    """A category's draw: entrants in seed order, its groups and Swiss rounds, published or not."""

    __tablename__ = "match_draw"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), unique=True)
    seeded: Mapped[list[str]] = mapped_column(JSON, default=list)
    # [{"name": "A", "teams": [codes]}] for groups_knockout; [] otherwise
    groups: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Swiss: the boards of every paired round, fixed once paired: [[[home, away|null], ...], ...]
    rounds: Mapped[list[Any]] = mapped_column(JSON, default=list)
    published: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    category: Mapped[Category] = relationship()


class MatchRecord(Base):
    """One result entry for one match; never updated. ``result`` null means voided."""

    __tablename__ = "match_record"
    __table_args__ = (UniqueConstraint("category_id", "match_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    match_id: Mapped[str] = mapped_column(String(32))
    version: Mapped[int]
    # judging.match.MatchResult.to_dict(), or null for a voided result
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # what the referee sent (rounds, goals per half...), kept for the audit
    entry: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("match_record.id"))
    reason: Mapped[str | None] = mapped_column(String(300))
    idempotency_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    actor: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(default=utcnow)
