"""Online team registrations (from `/daftar`).

A registration is the school's request; once an organiser approves it, it becomes a
`Team` (with a code that never changes) that the rest of the system sees.
"""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scoreboard.models.base import Base, utcnow
from scoreboard.models.event import Category
from scoreboard.models.people import Team


class Registration(Base):
    """One team's registration; `status` is a judging.registration.Status value."""

    __tablename__ = "registration"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    # random part of the signed edit link; replacing it revokes old links
    edit_key: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str | None] = mapped_column(String(300))
    team_name: Mapped[str] = mapped_column(String(120))
    institution: Mapped[str] = mapped_column(String(200))
    npsn: Mapped[str] = mapped_column(String(8), default="")
    level: Mapped[str] = mapped_column(String(8))
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    robot_name: Mapped[str] = mapped_column(String(120))
    coach_name: Mapped[str] = mapped_column(String(120))
    coach_phone: Mapped[str] = mapped_column(String(20))
    members: Mapped[list[str]] = mapped_column(JSON, default=list)
    consent: Mapped[bool] = mapped_column(default=False)
    # judging.registration.duplicate_key: same name, institution and category
    dup_key: Mapped[str] = mapped_column(String(400), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    # the team code once given; a registration approved again gets the same one
    team_code: Mapped[str | None] = mapped_column(String(32))
    proof_file: Mapped[str | None] = mapped_column(String(200))
    proof_type: Mapped[str | None] = mapped_column(String(40))
    payment_verified: Mapped[bool] = mapped_column(default=False)
    source_ip: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_by: Mapped[str | None] = mapped_column(String(80))
    reviewed_at: Mapped[datetime | None]

    category: Mapped[Category] = relationship()
    team: Mapped[Team | None] = relationship()


class RegistrationChange(Base):
    """A team's request to change its name, school or members after approval: the
    identity on record stays until an admin approves it (`status` pending, approved or
    rejected)."""

    __tablename__ = "registration_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    old: Mapped[dict] = mapped_column(JSON)
    new: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(String(300))

    registration: Mapped[Registration] = relationship()


class ResultFinal(Base):
    """A category's result made final: who and when, and the names on record then (team
    id → the names its certificates carry), so certificates never follow later edits."""

    __tablename__ = "result_final"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), unique=True)
    names: Mapped[dict] = mapped_column(JSON)
    made_final_by: Mapped[str] = mapped_column(String(80))
    made_final_at: Mapped[datetime] = mapped_column(default=utcnow)
