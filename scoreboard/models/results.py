"""Which categories' results are final: published by the head judge or an admin."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from scoreboard.models.base import Base, utcnow


class ResultPublication(Base):
    """A timed or match category whose result is final (judged ones use their own state).

    Withdrawing the publication (a correction after a protest) deletes the row; both steps
    are in the audit log with who, when and why."""

    __tablename__ = "result_publication"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), unique=True)
    published_by: Mapped[str] = mapped_column(String(80))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
