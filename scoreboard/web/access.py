"""Who may open a page: signed-in people with a role. Anonymous → /login; wrong role → 403."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import current_user


def role_required(*roles: str) -> Callable:
    """Allow the page to signed-in users whose role is in `roles` (admins always)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if current_user.role != "admin" and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = roles  # read by the permission-matrix tests
        return wrapped

    return decorate
