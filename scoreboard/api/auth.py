"""Who is calling: a bearer token, or a signed-in person with a CSRF token (the desk page)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from flask import g, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from scoreboard.errors import Forbidden, Unauthorized
from scoreboard.services.accounts import find_token


@dataclass(frozen=True)
class Caller:
    name: str
    role: str
    kind: str  # "token" | "user"


def current_caller() -> Caller | None:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Authorization: expected 'Bearer <token>'")
        row = find_token(g.db.session, token.strip())
        if row is None:
            raise Unauthorized("Authorization: unknown or revoked token")
        return Caller(f"token:{row.name}", row.role, "token")
    if current_user and current_user.is_authenticated:
        try:
            validate_csrf(request.headers.get("X-CSRFToken", ""))
        except (ValidationError, CSRFError):
            raise Forbidden("X-CSRFToken: missing or invalid CSRF token") from None
        return Caller(f"user:{current_user.name}", current_user.role, "user")
    return None


def require(*roles: str) -> Callable:
    """Allow the view to callers with one of `roles` (admin always); 401 without credentials."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            caller = current_caller()
            if caller is None:
                raise Unauthorized("Authorization: a bearer token is required")
            if caller.role != "admin" and caller.role not in roles:
                raise Forbidden(f"role: {caller.role!r} may not do this")
            g.caller = caller
            return view(*args, **kwargs)

        wrapped.required_roles = roles  # read by the permission-matrix tests
        return wrapped

    return decorate
