"""The health of automatic backups, for monitoring (docs/data-safety.md)."""

from __future__ import annotations

from flask import current_app, jsonify

from scoreboard.api import bp, openapi
from scoreboard.api.auth import require
from scoreboard.services import backup_duty


@bp.get("/backups/status")
@require("timekeeper")
def backups_status():
    return jsonify(backup_duty.page_status(current_app))


openapi.register({
    "/api/v1/backups/status": {"get": {
        "summary": "The newest verified backup's age and any warning (missing, full, failed, "
                   "none, old)",
        "security": openapi.SECURE,
        "responses": {"200": openapi._resp("backup health", {"type": "object", "properties": {
            "folder": {"type": "string"}, "latest": {"type": ["string", "null"]},
            "latest_at": {"type": ["string", "null"]}, "age_s": {"type": ["integer", "null"]},
            "warnings": {"type": "array", "items": {"type": "string"}},
            "error": {"type": ["string", "null"]}, "automatic": {"type": "boolean"}}}),
            **openapi._errors(401, 403)}}},
})
