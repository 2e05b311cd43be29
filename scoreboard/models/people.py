"""Teams, people's accounts and device/API tokens."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scoreboard.models.base import Base, utcnow
from scoreboard.models.event import Category


class Team(Base):
    __tablename__ = "team"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    institution: Mapped[str] = mapped_column(String(200), default="")
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    level: Mapped[str] = mapped_column(String(40), default="")
    members: Mapped[list[str]] = mapped_column(JSON, default=list)
    contact: Mapped[str] = mapped_column(String(80), default="")
    # set at the check-in desk (migration 0003); see [event] require_checkin
    checked_in_at: Mapped[datetime | None]

    category: Mapped[Category] = relationship()


class User(Base):
    """A person who signs in: admin, head_judge, judge or timekeeper."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # carried in every session cookie; raising it (sign-out, new password) ends them all
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # the person's full name as signed on result sheets (the sign-in `name` has no spaces)
    full_name: Mapped[str | None] = mapped_column(String(120))

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class ApiToken(Base):
    """A bearer token for the API or an agent; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked: Mapped[bool] = mapped_column(default=False)
    # migration 0011: the device names (`source`s) an agent token may report for; None
    # means unbound (any source, as before 0011; the devices page warns about it)
    sources: Mapped[list[str] | None] = mapped_column(JSON)
    revoked_at: Mapped[datetime | None]
