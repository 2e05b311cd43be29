"""The call-up queues at tracks and arenas (web/callup.py, services/callup.py)."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scoreboard.models.base import Base, utcnow
from scoreboard.models.people import Team


class CallUpEntry(Base):
    """A team waiting to be called at a track or arena (`arena`: a track or category slug)."""

    __tablename__ = "callup_entry"
    __table_args__ = (UniqueConstraint("arena", "team_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    arena: Mapped[str] = mapped_column(String(64), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    position: Mapped[int]
    calls: Mapped[int] = mapped_column(default=0)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    team: Mapped[Team] = relationship()
