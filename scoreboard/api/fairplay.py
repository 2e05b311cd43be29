"""Fair play through the API: inspections, protests, official results."""

from __future__ import annotations

from flask import g, jsonify, request
from sqlalchemy import select

from scoreboard.api import bp, openapi
from scoreboard.api.auth import require
from scoreboard.api.views import json_body
from scoreboard.errors import NotFound
from scoreboard.models import Category
from scoreboard.services import inspection, protests, schedule


@bp.get("/inspections")
def inspection_board():
    return jsonify(inspection.board(g.db.session, request.args.get("category") or None))


@bp.post("/inspections")
@require("inspector", "head_judge")
def record_inspection():
    data = json_body()
    row = inspection.record(g.db.session, data.get("category"), data.get("team"),
                            data.get("values"), data.get("notes"), g.caller.name)
    schedule.extend_known(g.db.session, g.caller.name)  # slots for a team that passed
    return jsonify(row), 201


@bp.get("/protests")
@require("head_judge")
def list_protests():
    return jsonify(protests.list_protests(g.db.session, request.args.get("status") or None))


@bp.post("/protests/<int:protest_id>/decision")
@require("head_judge")
def decide_protest(protest_id: int):
    return jsonify(protests.decide(g.db.session, protest_id, json_body(), g.caller.name))


@bp.get("/categories/<slug>/official")
def official(slug: str):
    category = g.db.session.scalar(select(Category).where(Category.slug == slug))
    if category is None:
        raise NotFound(f"category: {slug!r} not found")
    return jsonify(protests.official_state(g.db.session, category))


@bp.post("/categories/<slug>/finalise")
@require("head_judge")
def finalise(slug: str):
    return jsonify(protests.finalise(g.db.session, slug, json_body(), g.caller.name))


_ERR = openapi._errors
_SLUG = [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}]
_OBJ = {"type": "object"}
_REASON = {"type": "string", "minLength": 1, "maxLength": protests.REASON_MAX}

openapi.register({
    "/api/v1/inspections": {
        "get": {"summary": "Inspection board: every team of a category with a checklist",
                "parameters": [{"name": "category", "in": "query", "schema": {"type": "string"}}],
                "responses": {"200": openapi._resp("board", {"type": "array", "items": _OBJ})}},
        "post": {"summary": "Record a technical inspection (inspector, head judge)",
                 "security": openapi.SECURE,
                 "requestBody": openapi._body({
                     "category": {"type": "string", "minLength": 1},
                     "team": {"type": "string", "minLength": 1},
                     "values": {"type": "object"},
                     "notes": {"type": "string", "maxLength": inspection.NOTES_MAX}},
                     ["category", "team", "values"]),
                 "responses": {"201": openapi._resp("the inspection with its verdict", _OBJ),
                               **_ERR(400, 401, 403, 404, 409, 422)}}},
    "/api/v1/protests": {"get": {
        "summary": "Protests (head judge)", "security": openapi.SECURE,
        "parameters": [{"name": "status", "in": "query", "schema": {
            "type": "string", "enum": ["open", "accepted", "rejected"]}}],
        "responses": {"200": openapi._resp("protests", {"type": "array", "items": _OBJ}),
                      **_ERR(401, 403, 422)}}},
    "/api/v1/protests/{protest_id}/decision": {"post": {
        "summary": "Accept (optionally with a correction) or reject a protest (head judge)",
        "security": openapi.SECURE,
        "parameters": [{"name": "protest_id", "in": "path", "required": True,
                        "schema": {"type": "integer"}}],
        "requestBody": openapi._body({"accept": {"type": "boolean"}, "reason": _REASON,
                                      "correction": _OBJ}, ["accept", "reason"]),
        "responses": {"200": openapi._resp("the decided protest", _OBJ),
                      **_ERR(400, 401, 403, 404, 409, 422)}}},
    "/api/v1/categories/{slug}/official": {"get": {
        "summary": "Whether the category's result is provisional (sementara) or official (resmi)",
        "parameters": _SLUG,
        "responses": {"200": openapi._resp("state", _OBJ), **_ERR(404)}}},
    "/api/v1/categories/{slug}/finalise": {"post": {
        "summary": "Make the category's result official now (head judge)",
        "security": openapi.SECURE, "parameters": _SLUG,
        "requestBody": openapi._body({"reason": {"type": "string",
                                                 "maxLength": protests.REASON_MAX}}, []),
        "responses": {"200": openapi._resp("state", _OBJ), **_ERR(400, 401, 403, 404, 409, 422)}}},
})
