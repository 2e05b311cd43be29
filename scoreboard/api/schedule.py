"""`GET /api/v1/schedule` (CONTRACT §4) and generating a schedule version (admin)."""

from __future__ import annotations

from flask import g, jsonify, request

from scoreboard.api import bp, openapi
from scoreboard.api.auth import require
from scoreboard.api.views import json_body
from scoreboard.errors import Invalid
from scoreboard.services import schedule, schedule_callup


@bp.get("/schedule")
def schedule_list():
    args = request.args
    return jsonify(schedule.rows(g.db.session, team=args.get("team"), place=args.get("place"),
                                 day=args.get("day")))


@bp.get("/schedule/next")
def schedule_next():
    """The projector's "Berikutnya": each place's next slots by ETA."""
    return jsonify(schedule_callup.next_per_place(g.db.session))


@bp.post("/schedule")
@require()
def schedule_generate():
    """Store a new schedule version (admin); what already happened stays where it was."""
    body = json_body() if request.get_data() else {}
    reason = body.get("reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > 300):
        raise Invalid("reason: a text of at most 300 characters")
    limit = body.get("time_limit_s", 20)
    if isinstance(limit, bool) or not isinstance(limit, int | float) or not 1 <= limit <= 600:
        raise Invalid("time_limit_s: a number of seconds from 1 to 600")
    version = schedule.generate(g.db.session, g.caller.name, time_limit_s=float(limit),
                                reason=reason)
    g.db.session.commit()
    return jsonify({"version": version.id, **version.report}), 201


_QUERY = [
    {"name": "team", "in": "query", "schema": {"type": "string"},
     "description": "a team code: only its slots (404 if no such team)"},
    {"name": "place", "in": "query", "schema": {"type": "string"},
     "description": "a track or place slug (404 if no such place)"},
    {"name": "day", "in": "query", "schema": {"type": "string", "format": "date"},
     "description": "a date YYYY-MM-DD (422 naming `day` if it is not one)"},
]
SLOT = {"type": "object",
        "required": ["team", "category", "place", "kind", "start", "end", "status"],
        "properties": {
            "team": {"type": "string"}, "category": {"type": "string"},
            "place": {"type": "string"},
            "kind": {"enum": ["attempt", "match", "interview"]},
            "start": {"type": "string", "description": "ISO local time"},
            "end": {"type": "string", "description": "ISO local time"},
            "status": {"enum": ["planned", "running", "done"]},
            "eta": {"type": ["string", "null"],
                    "description": "expected start from the place's measured pace"},
            "place_name": {"type": "string"}, "place_kind": {"type": ["string", "null"]},
            "ref": {"type": "string", "description": "attempt number or match id"},
            "teams": {"type": "array", "items": {"type": "string"}}}}
NEXT = {"type": "array", "items": {"type": "object", "properties": {
    "place": {"type": "string"}, "name": {"type": "string"}, "kind": {"type": "string"},
    "next": {"type": "array", "items": {"type": "object", "properties": {
        "teams": {"type": "array", "items": {"type": "object", "properties": {
            "code": {"type": "string"}, "name": {"type": "string"}}}},
        "slot_kind": {"type": "string"}, "status": {"type": "string"},
        "start": {"type": "string"}, "eta": {"type": "string"}}}}}}}
openapi.register({"/api/v1/schedule/next": {"get": {
    "summary": "Next slots of every place by their expected time (projector: Berikutnya)",
    "responses": {"200": openapi._resp("places", NEXT)}}}})
openapi.register({"/api/v1/schedule": {
    "get": {"summary": "The schedule in force: one row per team per slot, by start",
            "parameters": _QUERY,
            "responses": {"200": openapi._resp("slots", {
                "type": "array", "items": {"$ref": "#/components/schemas/ScheduleSlot"}}),
                **openapi._errors(404, 422)}},
    "post": {"summary": "Generate a new schedule version (admin), keeping what happened",
             "security": openapi.SECURE,
             "requestBody": {"required": False, "content": {"application/json": {"schema": {
                 "type": "object", "properties": {
                     "reason": {"type": "string", "maxLength": 300},
                     "time_limit_s": {"type": "number", "minimum": 1, "maximum": 600}}}}}},
             "responses": {"201": openapi._resp("the version's report", {"type": "object"}),
                           **openapi._errors(400, 401, 403, 409, 422)}}}},
    {"ScheduleSlot": SLOT})
