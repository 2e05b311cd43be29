"""The primary's change feed for a warm standby (admin token; docs/data-safety.md)."""

from __future__ import annotations

from flask import g, jsonify, request

from scoreboard.api import bp, openapi
from scoreboard.api.auth import require
from scoreboard.errors import BadRequest
from scoreboard.services import replication
from scoreboard.sockets import server_id

MAX_LIMIT = 5000


@bp.after_app_request
def _name_the_server(response):
    """Every response names the server process, so tablets and pads notice a promoted
    standby and send their recent confirmations again (static/js/resend.js)."""
    response.headers["X-Kejurda-Server"] = server_id()
    return response


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name}: must be an integer (got {raw!r})") from None
    if not low <= value <= high:
        raise BadRequest(f"{name}: must be between {low} and {high} (got {value})")
    return value


@bp.get("/replication/changes")
@require()
def replication_changes():
    after = _int_arg("after", 0, 0, 2**62)
    limit = _int_arg("limit", 2000, 1, MAX_LIMIT)
    return jsonify(replication.changes(g.db.engine, after, limit))


@bp.get("/replication/snapshot")
@require()
def replication_snapshot():
    return jsonify(replication.snapshot(g.db.engine))


FEED = {"type": "object", "properties": {
    "last": {"type": "integer", "description": "cursor to ask from next time"},
    "newest": {"type": "integer", "description": "the newest change on the primary"},
    "rows": {"type": "object", "description": "table -> current rows of the changed ids"},
    "gone": {"type": "object", "description": "table -> ids deleted"}}}

openapi.register({
    "/api/v1/replication/changes": {"get": {
        "summary": "Change feed for a warm standby (admin): rows changed after a cursor",
        "security": openapi.SECURE,
        "parameters": [{"name": "after", "in": "query", "schema": {
                            "type": "integer", "minimum": 0, "maximum": 2**62}},
                       {"name": "limit", "in": "query", "schema": {
                           "type": "integer", "minimum": 1, "maximum": MAX_LIMIT}}],
        "responses": {"200": openapi._resp("changes", FEED), **openapi._errors(400, 401, 403)}}},
    "/api/v1/replication/snapshot": {"get": {
        "summary": "Every row of every table, and the feed cursor to follow from (admin)",
        "security": openapi.SECURE,
        "responses": {"200": openapi._resp("snapshot", {"type": "object"}),
                      **openapi._errors(401, 403)}}},
})
