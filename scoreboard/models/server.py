"""Settings every server process on one database shares (the session-signing key)."""

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from scoreboard.models.base import Base, utcnow


class ServerSetting(Base):
    """One named value shared by all servers and workers on this database."""

    __tablename__ = "server_setting"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
