"""Judges' rubric sheets over the API: submit, read, history; the head judge's lock."""

from __future__ import annotations

from flask import g, jsonify, request
from flask_login import current_user

from scoreboard.api import bp, openapi
from scoreboard.api.auth import require
from scoreboard.api.views import json_body
from scoreboard.services import scores


def _person():
    """The signed-in person behind the call, or None for a bearer token."""
    if g.caller.kind == "user" and current_user.is_authenticated:
        return current_user._get_current_object()
    return None


@bp.errorhandler(scores.SheetConflict)
def _sheet_conflict(exc: scores.SheetConflict):
    return jsonify(error=exc.message, current=exc.current), 409


@bp.post("/categories/<slug>/scores")
@require("judge", "head_judge")
def submit_scores(slug: str):
    body, created = scores.submit_sheet(g.db.session, slug, json_body(), _person(),
                                        g.caller.name, g.caller.role)
    return jsonify(body), 201 if created else 200


@bp.get("/categories/<slug>/scores")
@require("judge", "head_judge")
def list_scores(slug: str):
    return jsonify(scores.category_sheets(g.db.session, slug, _person(), g.caller.role))


@bp.get("/categories/<slug>/scores/history")
@require("head_judge")
def score_history(slug: str):
    return jsonify(scores.history(g.db.session, slug, request.args.get("team")))


@bp.post("/categories/<slug>/judging")
@require("head_judge")
def judging_state(slug: str):
    data = json_body()
    return jsonify(scores.set_state(g.db.session, slug, data.get("state"), data.get("version"),
                                    g.caller.name, data.get("reason")))


SLUG = [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}]
SHEET = {"$ref": "#/components/schemas/ScoreSheet"}
CONFLICT = {"description": "a newer version exists (optimistic locking), the category is "
            "locked, or the key was used for another submission; `current` is the sheet "
            "as stored now", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"error": {"type": "string"},
                                                 "current": {"type": ["object", "null"]}}}}}}
openapi.register({
    "/api/v1/categories/{slug}/scores": {
        "post": {
            "summary": "Submit one judge's rubric sheet for a team (judge: own sheet in an "
                       "assigned category; head judge: also a correction of a judge's sheet, "
                       "with `judge` and `reason`). Idempotent by `idempotency_key`: the "
                       "confirmation echoes the key and the stored version.",
            "security": openapi.SECURE, "parameters": SLUG,
            "requestBody": openapi._body({
                "team": {"type": "string"},
                "scores": {"type": "object", "additionalProperties": {"type": "integer"}},
                "comment": {"type": "string", "maxLength": 1000},
                "idempotency_key": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$"},
                "base_version": {"type": "integer", "minimum": 0},
                "judge": {"type": "string"}, "reason": openapi.REASON},
                ["team", "scores", "idempotency_key", "base_version"]),
            "responses": {"201": openapi._resp("stored", {"$ref":
                                                          "#/components/schemas/ScoreConfirmation"}),
                          "200": openapi._resp("already stored under this key (a resend)", {
                              "$ref": "#/components/schemas/ScoreConfirmation"}),
                          "409": CONFLICT, **openapi._errors(400, 401, 403, 404, 422)}},
        "get": {
            "summary": "The rubric, teams, judging state and sheets: a judge's own, or every "
                       "judge's for a head judge",
            "security": openapi.SECURE, "parameters": SLUG,
            "responses": {"200": openapi._resp("sheets", {"type": "object"}),
                          **openapi._errors(401, 403, 404, 422)}}},
    "/api/v1/categories/{slug}/scores/history": {"get": {
        "summary": "Every version of every sheet of one team, with the version before (head "
                   "judge)", "security": openapi.SECURE,
        "parameters": [*SLUG, {"name": "team", "in": "query", "required": True,
                               "schema": {"type": "string"}}],
        "responses": {"200": openapi._resp("history", {"type": "object", "properties": {
            "versions": {"type": "array", "items": SHEET}}}),
            **openapi._errors(401, 403, 404, 422)}}},
    "/api/v1/categories/{slug}/judging": {"post": {
        "summary": "Lock, publish or reopen a judged category (head judge); `version` is the "
                   "state version last seen (0 at first)", "security": openapi.SECURE,
        "parameters": SLUG,
        "requestBody": openapi._body({"state": {"enum": ["open", "locked", "published"]},
                                      "version": {"type": "integer", "minimum": 0},
                                      "reason": {"type": "string", "maxLength": 300}},
                                     ["state", "version"]),
        "responses": {"200": openapi._resp("the new state", {"type": "object"}),
                      "409": CONFLICT, **openapi._errors(400, 401, 403, 404, 422)}}},
}, {
    "ScoreSheet": {"type": "object", "properties": {
        "category": {"type": "string"}, "team": {"type": "string"},
        "judge": {"type": "string"}, "version": {"type": "integer"},
        "scores": {"type": "object"}, "comment": {"type": "string"},
        "total": {"type": ["number", "null"]}, "complete": {"type": "boolean"},
        "entered_by": {"type": "string"}, "reason": {"type": ["string", "null"]},
        "at": {"type": "string"}, "idempotency_key": {"type": "string"}}},
    "ScoreConfirmation": {"type": "object",
                          "required": ["idempotency_key", "version", "sheet"], "properties": {
                              "idempotency_key": {"type": "string"},
                              "version": {"type": "integer"}, "replayed": {"type": "boolean"},
                              "sheet": SHEET}},
})
