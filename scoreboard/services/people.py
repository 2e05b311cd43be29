"""The admin's management of people: create, reset a password, (de)activate, assign
judges to judged categories. Every change leaves an audit record."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scoreboard.errors import Invalid, NotFound
from scoreboard.models import Category, JudgeAssignment, User
from scoreboard.services import accounts
from scoreboard.services.audit import audit

log = logging.getLogger(__name__)
JUDGING_ROLES = ("judge", "head_judge")


def _audit(session: Session, actor: str, action: str, user: User, old: Any, new: Any) -> None:
    audit(session, actor, action, "user", user.name, old=old, new=new)


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id) if 0 < user_id < 2**63 else None
    if user is None:
        raise NotFound(f"user {user_id} not found (tidak ditemukan)")
    return user


def create(session: Session, actor: str, role: str, name: str, password: str) -> User:
    user = accounts.create_user(session, role, name, password)
    _audit(session, actor, "create", user, None, {"role": role})
    session.commit()
    log.info("user %s (%s) created by %s", user.name, role, actor)
    return user


def reset_password(session: Session, actor: str, user_id: int, password: str) -> User:
    user = get_user(session, user_id)
    accounts.check_password(password, user.name)
    user.password_hash = accounts.hash_password(password)
    # whoever signed in with the old password is signed out at their next request
    user.session_version = (user.session_version or 0) + 1
    _audit(session, actor, "reset_password", user, None, None)
    session.commit()
    return user


def set_active(session: Session, actor: str, user_id: int, active: bool,
               actor_id: int | None = None) -> User:
    user = get_user(session, user_id)
    if not active and user.id == actor_id:
        raise Invalid("active: you cannot deactivate your own account")
    old = user.active
    user.active = active
    _audit(session, actor, "activate" if active else "deactivate", user,
           {"active": old}, {"active": active})
    session.commit()
    return user


def assignments(session: Session, user: User) -> set[int]:
    return set(session.scalars(select(JudgeAssignment.category_id).where(
        JudgeAssignment.user_id == user.id)).all())


def assign(session: Session, actor: str, user_id: int, category_ids: list[int]) -> User:
    """Make the judge's assigned categories exactly `category_ids` (judged ones only)."""
    user = get_user(session, user_id)
    if user.role not in JUDGING_ROLES:
        raise Invalid(f"categories: {user.name!r} is a {user.role}, not a judge")
    judged = set(session.scalars(select(Category.id).where(
        Category.format == "judged")).all())
    wanted = set(category_ids)
    if wanted - judged:
        raise Invalid("categories: only judged categories can be assigned")
    old = assignments(session, user)
    for row in session.scalars(select(JudgeAssignment).where(
            JudgeAssignment.user_id == user.id)).all():
        if row.category_id not in wanted:
            session.delete(row)
    for cid in sorted(wanted - old):
        session.add(JudgeAssignment(user_id=user.id, category_id=cid))
    slugs = dict(session.execute(select(Category.id, Category.slug)).all())
    _audit(session, actor, "assign", user, {"categories": sorted(slugs[c] for c in old)},
           {"categories": sorted(slugs[c] for c in wanted)})
    session.commit()
    return user
