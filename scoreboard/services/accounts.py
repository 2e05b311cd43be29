"""People's accounts (argon2 password hashes) and bearer tokens (SHA-256 of a random secret)."""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Sequence
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from scoreboard.config import ROLES_TOKEN, ROLES_USER
from scoreboard.errors import Conflict, Invalid
from scoreboard.models import ApiToken, User

_hasher = PasswordHasher()
MIN_PASSWORD = 10
COMMON_PASSWORDS = Path(__file__).parent.parent / "data" / "common-passwords.txt"


@functools.cache
def _common() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(s.strip().lower() for s in lines if s.strip() and not s.startswith("#"))


def password_problem(password: str, name: str = "") -> str | None:
    """Why `password` may not be used (at least MIN_PASSWORD characters, not a common
    password, not the account's name), or None."""
    password = password or ""
    if len(password) < MIN_PASSWORD:
        return f"must be at least {MIN_PASSWORD} characters"
    folded = password.lower()
    if folded in _common() or (name and folded == name.strip().lower()):
        return "too common (terlalu umum); choose another"
    return None


def check_password(password: str, name: str = "") -> None:
    """Raise Invalid naming the field when `password` may not be used."""
    problem = password_problem(password, name)
    if problem:
        raise Invalid(f"password: {problem}")


def end_sessions(session: Session, user: User) -> None:
    """End every signed-in session of `user` (signed cookies carry the old version)."""
    user.session_version = (user.session_version or 0) + 1
    session.commit()


def _token_hash(token: str) -> str:
    # Tokens are 256-bit random secrets, so a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, role: str, name: str,
                 sources: Sequence[str] = ()) -> str:
    """Store a new token for `role` and return its secret (shown once, never stored).

    `sources`: for an agent token, the device names it may report for (none: unbound).
    """
    if role not in ROLES_TOKEN:
        raise Invalid(f"role: must be one of {', '.join(ROLES_TOKEN)} (got {role!r})")
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise Invalid("name: must be 1 to 64 characters")
    bound = bound_sources(role, sources)
    token = "kj_" + secrets.token_urlsafe(32)
    session.add(ApiToken(name=name, role=role, token_hash=_token_hash(token), sources=bound))
    session.flush()
    return token


def bound_sources(role: str, sources: Sequence[str]) -> list[str] | None:
    """The checked, de-duplicated source names a new token is bound to (None: unbound)."""
    names: list[str] = []
    for raw in sources:
        source = raw.strip() if isinstance(raw, str) else ""
        # the same limits as a gate's source in the event file
        # the same limits as a gate's source in the event file; no comma, which separates
        # names in `token list` and in KRT/1's HELLO
        if not source or len(source) > 64 or "," in source:
            raise Invalid("source: must be a device name of 1 to 64 characters without "
                          f"commas (got {raw!r})")
        if source not in names:
            names.append(source)
    if names and role != "agent":
        raise Invalid(f"source: only agent tokens are bound to devices (role is {role!r})")
    return names or None


def find_token(session: Session, token: str, revoked: bool = False) -> ApiToken | None:
    """The live token record for a presented secret, or None (`revoked`: revoked ones too)."""
    if not token or len(token) > 200:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None or (row.revoked and not revoked):
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
    check_password(password, name)
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
