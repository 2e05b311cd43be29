"""Judging by people: who judges which category, their versioned score sheets, and the
head judge's lock on a category.

Score sheets are immutable facts: an edit is a new row with the next `version` for the
same (category, team, judge); the newest version is the sheet. The unique constraint on
that triple plus `version` is the optimistic lock: two writers who both read version N
both try N+1 and only one row can be stored.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scoreboard.models.base import Base, utcnow
from scoreboard.models.event import Category
from scoreboard.models.people import Team, User


class JudgeAssignment(Base):
    """A judge (or head judge) may score this category."""

    __tablename__ = "judge_assignment"
    __table_args__ = (UniqueConstraint("user_id", "category_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
    category: Mapped[Category] = relationship()


class ScoreSheetVersion(Base):
    """One version of one judge's rubric sheet for one team. Never updated, never deleted."""

    __tablename__ = "score_sheet"
    __table_args__ = (UniqueConstraint("category_id", "team_id", "judge_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    version: Mapped[int]
    # criterion key -> integer score; a key may be missing (a partial sheet)
    scores: Mapped[dict[str, Any]] = mapped_column(JSON)
    comment: Mapped[str] = mapped_column(String(1000), default="")
    # the client's key for this submission: a resend with the same key is stored once
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    entered_by: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    category: Mapped[Category] = relationship()
    team: Mapped[Team] = relationship()
    judge: Mapped[User] = relationship()


@event.listens_for(ScoreSheetVersion, "before_update")
@event.listens_for(ScoreSheetVersion, "before_delete")
def _immutable(_mapper, _connection, sheet: ScoreSheetVersion) -> None:
    # a correction is a new version; rewriting history would defeat the audit
    raise TypeError(f"score sheet {sheet.id} is immutable: store a new version instead")


class CategoryJudging(Base):
    """The head judge's state of a judged category: open, locked or published."""

    __tablename__ = "category_judging"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), unique=True)
    state: Mapped[str] = mapped_column(String(16), default="open")
    changed_by: Mapped[str | None] = mapped_column(String(80))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    category: Mapped[Category] = relationship()

    __mapper_args__ = {"version_id_col": version}
