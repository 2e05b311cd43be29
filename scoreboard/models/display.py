"""Projector screens and the playlist of scenes each one rotates through."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from scoreboard.models.base import Base, utcnow


class DisplayScreen(Base):
    """One projector (`/display/<slug>`); an empty playlist means "the live run and ranking"."""

    __tablename__ = "display_screen"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(32), unique=True)
    # [{"scene": "ranking", "seconds": 15, "category": "lf-smp"}, ...] in playing order
    playlist: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(80))


class Slide(Base):
    """A sponsor or announcement image the admin uploaded, shown by a playlist's `slide`
    scene; the file lives in the upload folder beside the payment proofs."""

    __tablename__ = "slide"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(80))
    file: Mapped[str] = mapped_column(String(120), unique=True)  # under the upload folder
    media_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(80))
