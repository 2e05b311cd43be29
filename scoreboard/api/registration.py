"""Registration over the API: places left per category (anyone) and check-in (desk
scanners: timekeeper). The forms themselves are pages (`/daftar`, `/admin/pendaftaran`)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import g, jsonify

from scoreboard.api import bp, openapi
from scoreboard.api.auth import require
from scoreboard.api.views import json_body
from scoreboard.errors import Invalid
from scoreboard.services import registration


@bp.get("/registration/categories")
def registration_categories():
    now = registration.now_utc()
    return jsonify([{
        "slug": c.slug, "name": c.name, "levels": list(c.levels),
        "team_size": [c.size_min, c.size_max], "capacity": c.capacity, "teams": c.taken,
        "remaining": c.remaining, "closes": c.closes.isoformat() if c.closes else None,
        "open": c.is_open(now),
    } for c in registration.categories(g.db.session)])


@bp.post("/checkin")
@require("timekeeper")
def checkin():
    code = json_body().get("code")
    if not isinstance(code, str):
        raise Invalid("code: a team code or a registration code")
    team, fresh = registration.check_in(g.db.session, code, g.caller.name)
    return jsonify({"team": team.code, "team_name": team.name, "new": fresh,
                    "checked_in_at": _utc(team.checked_in_at)})


def _utc(moment: datetime) -> str:
    """Stored times are UTC; SQLite hands them back without their zone."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


NULLABLE_INT = {"type": ["integer", "null"]}
openapi.register({
    "/api/v1/registration/categories": {"get": {
        "summary": "Categories open for registration: levels, team size, places left, deadline",
        "responses": {"200": openapi._resp("categories", {"type": "array", "items": {
            "$ref": "#/components/schemas/RegistrationCategory"}})}}},
    "/api/v1/checkin": {"post": {
        "summary": "Check a team in at the desk (timekeeper), by team or registration code "
                   "(what its QR holds); checking in twice is harmless",
        "security": openapi.SECURE,
        "requestBody": openapi._body({"code": {
            "type": "string", "minLength": 1, "maxLength": 32, "pattern": "\\S",
            "description": "at most 32 characters, not only spaces"}}, ["code"]),
        "responses": {"200": openapi._resp("the team", {"type": "object", "properties": {
            "team": {"type": "string"}, "team_name": {"type": "string"},
            "new": {"type": "boolean", "description": "false if it had checked in before"},
            "checked_in_at": {"type": "string", "format": "date-time"}}}),
            **openapi._errors(400, 401, 403, 404, 409, 422)}}},
}, {
    "RegistrationCategory": {"type": "object", "properties": {
        "slug": {"type": "string"}, "name": {"type": "string"},
        "levels": {"type": "array", "items": {"type": "string"}},
        "team_size": {"type": "array", "items": NULLABLE_INT, "minItems": 2, "maxItems": 2},
        "capacity": NULLABLE_INT, "teams": {"type": "integer"}, "remaining": NULLABLE_INT,
        "closes": {"type": ["string", "null"], "format": "date-time"},
        "open": {"type": "boolean"}}},
})
