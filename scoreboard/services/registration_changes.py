"""A team's identity after approval: its name, school and members change only when an
admin approves the team's request, and its members not at all once it has competed.

Before approval, the team edits its registration freely through its private link. After
approval those fields are what results, certificates and the projector show, and the
link is only a secret in a parent's phone: whoever holds it could rename the team or
swap a pupil on a certificate. So a change of them becomes a `RegistrationChange` that
waits for an admin; the other fields (robot, coach, phone) still change at once.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from judging.registration import Status
from scoreboard.errors import Conflict, Invalid, NotFound
from scoreboard.models import Registration, RegistrationChange, Team
from scoreboard.services import registration as registrations
from scoreboard.services.audit import audit
from scoreboard.services.certificates import team_has_competed
from scoreboard.services.registration import IDENTITY, FieldRefused

log = logging.getLogger(__name__)
PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"


def has_competed(session: Session, team: Team | None) -> bool:
    """The team has a run, a match or a score: its ranking entry has started."""
    return team is not None and team_has_competed(session, team)


def pending(session: Session, reg: Registration) -> RegistrationChange | None:
    """The registration's change request waiting for an admin, if any."""
    return session.scalar(select(RegistrationChange).where(
        RegistrationChange.registration_id == reg.id, RegistrationChange.status == PENDING))


def _members_locked(session: Session, reg: Registration, wanted: dict[str, Any]) -> None:
    if "members" in wanted and has_competed(session, reg.team):
        raise FieldRefused("members", "members_locked",
                           "the team has competed; its members can no longer change")


def update(session: Session, reg: Registration, data: dict[str, Any],
           now: datetime | None = None) -> RegistrationChange | None:
    """The team's change through its link once approved: robot, coach and phone change at
    once (registration.update); name, school, NPSN and members become a pending request.
    Returns that request, or None when those four are unchanged."""
    now = now or registrations.now_utc()
    if reg.status != Status.APPROVED.value:
        registrations.update(session, reg, data, now)
        return None
    data = {**data, "category": reg.category.slug, "level": reg.level}
    registrations.check_entry(session, data, reg.category, reg)  # e.g. a duplicate name
    change = _request(session, reg, data, now)
    registrations.update(session, reg, data, now)  # keeps the identity, commits both
    return change


def _request(session: Session, reg: Registration, data: dict[str, Any],
             now: datetime) -> RegistrationChange | None:
    """Keep the identity fields of `data` that differ from `reg` as a pending request
    (replacing an earlier pending one); None when they are all unchanged."""
    wanted = {f: data[f] for f in IDENTITY if data[f] != getattr(reg, f)}
    earlier = pending(session, reg)
    if not wanted:
        if earlier is not None:  # the team took its request back by sending the old values
            earlier.status, earlier.decided_by, earlier.decided_at = REJECTED, "team", now
            earlier.reason = "withdrawn by the team"
        return None
    _members_locked(session, reg, wanted)
    old = {f: getattr(reg, f) for f in wanted}
    if earlier is None:
        earlier = RegistrationChange(registration_id=reg.id, status=PENDING, created_at=now)
        session.add(earlier)
    earlier.old, earlier.new, earlier.created_at = old, wanted, now
    audit(session, "team", "change_request", "registration", reg.code, old=old, new=wanted)
    return earlier


def get(session: Session, change_id: int) -> RegistrationChange:
    change = session.get(RegistrationChange, change_id) if 0 < change_id < 2**63 else None
    if change is None:
        raise NotFound(f"change request {change_id} not found")
    return change


def decide(session: Session, change_id: int, approve: bool, actor: str, reason: str = "",
           now: datetime | None = None) -> RegistrationChange:
    """Approve (the team's record takes the new values) or reject a pending request."""
    change = get(session, change_id)
    if change.status != PENDING:
        raise Conflict(f"change request {change_id} is already {change.status}")
    reason = (reason or "").strip()
    if len(reason) > 300:
        raise Invalid("reason: at most 300 characters")
    reg = change.registration
    now = now or registrations.now_utc()
    if approve:
        _members_locked(session, reg, change.new)
        data = {f: getattr(reg, f) for f in ("team_name", "institution", "npsn", "level",
                                             "robot_name", "coach_name", "coach_phone",
                                             "members")}
        data.update(change.new)
        reg.dup_key = registrations.check_entry(session, data, reg.category, reg)
        for field, value in change.new.items():
            setattr(reg, field, value)
        reg.updated_at = now
        if reg.team is not None:
            registrations.sync_team(reg.team, reg)
    change.status = APPROVED if approve else REJECTED
    change.decided_by, change.decided_at, change.reason = actor, now, reason or None
    audit(session, actor, f"change_request:{change.status}", "registration", reg.code,
          old=change.old, new=change.new, reason=reason or None)
    session.commit()
    log.info("change request %s of %s %s by %s", change.id, reg.code, change.status, actor)
    return change


def listing(session: Session, limit: int = 200) -> list[RegistrationChange]:
    """Pending requests first (oldest first), then the latest decided ones."""
    waiting = session.scalars(select(RegistrationChange).where(
        RegistrationChange.status == PENDING).order_by(RegistrationChange.id)).all()
    decided = session.scalars(select(RegistrationChange).where(
        RegistrationChange.status != PENDING).order_by(RegistrationChange.id.desc())
        .limit(limit)).all()
    return [*waiting, *decided]
