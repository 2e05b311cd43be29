"""People's accounts (argon2 password hashes) and bearer tokens (SHA-256 of a random secret)."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from scoreboard.config import ROLES_TOKEN, ROLES_USER
from scoreboard.errors import Conflict, Invalid
from scoreboard.models import ApiToken, User

_hasher = PasswordHasher()
MIN_PASSWORD = 8


def _token_hash(token: str) -> str:
    # Tokens are 256-bit random secrets, so a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, role: str, name: str) -> str:
    """Store a new token for `role` and return its secret (shown once, never stored)."""
    if role not in ROLES_TOKEN:
        raise Invalid(f"role: must be one of {', '.join(ROLES_TOKEN)} (got {role!r})")
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise Invalid("name: must be 1 to 64 characters")
    token = "kj_" + secrets.token_urlsafe(32)
    session.add(ApiToken(name=name, role=role, token_hash=_token_hash(token)))
    session.flush()
    return token


def find_token(session: Session, token: str) -> ApiToken | None:
    """The live token record for a presented secret, or None."""
    if not token or len(token) > 200:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None or row.revoked:
        return None
    return row


def hash_password(password: str) -> str:
    """The argon2 hash stored for `password`."""
    return _hasher.hash(password)


def create_user(session: Session, role: str, name: str, password: str,
                full_name: str | None = None) -> User:
    """Create a person's account with an argon2 hash of `password`; `full_name` is what
    result sheets print at the signature."""
    if role not in ROLES_USER:
        raise Invalid(f"role: must be one of {', '.join(ROLES_USER)} (got {role!r})")
    name = (name or "").strip()
    if not name or len(name) > 64 or any(c.isspace() for c in name):
        raise Invalid("name: must be 1 to 64 characters without spaces")
    if len(password or "") < MIN_PASSWORD:
        raise Invalid(f"password: must be at least {MIN_PASSWORD} characters")
    if session.scalar(select(User).where(User.name == name)) is not None:
        raise Conflict(f"name: user {name!r} already exists")
    full_name = (full_name or "").strip() or None
    if full_name is not None and len(full_name) > 120:
        raise Invalid("full_name: at most 120 characters")
    user = User(name=name, role=role, password_hash=_hasher.hash(password), full_name=full_name)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The active user with this name and password, or None (same cost either way)."""
    user = session.scalar(select(User).where(User.name == (name or "").strip()))
    if user is None or not user.active:
        # hash anyway so a missing user costs as much time as a wrong password
        _hasher.hash(password or "x")
        return None
    try:
        _hasher.verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return None
    return user
