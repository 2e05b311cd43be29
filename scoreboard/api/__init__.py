"""The JSON API (`/api/v1`, CONTRACT §4)."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from scoreboard.api import (  # noqa: E402,F401  (routes register on import)
    devices,
    display,
    errors,
    matches,
    openapi,
    registration,
    schedule,
    scores,
    views,
)
