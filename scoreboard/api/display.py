"""Projector screens and their playlists: anyone reads, an admin sets."""

from __future__ import annotations

from flask import g, jsonify, request

from scoreboard.api import bp, openapi
from scoreboard.api.auth import require
from scoreboard.api.views import json_body
from scoreboard.services import callup, display, slides


@bp.get("/display/screens")
def list_screens():
    return jsonify(display.list_screens(g.db.session))


@bp.get("/display/screens/<screen>")
def get_screen(screen: str):
    return jsonify(display.get_screen(g.db.session, screen))


@bp.put("/display/screens/<screen>")
@require("admin")
def set_screen(screen: str):
    data = json_body()
    return jsonify(display.set_playlist(g.db.session, screen, data.get("playlist"),
                                        g.caller.name))


@bp.get("/display/slides")
def list_slides():
    """The uploaded sponsor and announcement slides (a `slide` scene names one by `id`)."""
    return jsonify(slides.list_slides(g.db.session))


@bp.get("/display/callup")
def callup_queues():
    arena = request.args.get("arena") or None
    if arena is not None:
        callup.check_arena(g.db.session, arena)
    return jsonify(display.callup_queues(g.db.session, arena))


SCREEN_PARAM = [{"name": "screen", "in": "path", "required": True,
                 "schema": {"type": "string", "pattern": "^[a-z0-9-]{1,32}$"}}]
SCREEN = {"$ref": "#/components/schemas/DisplayScreen"}
openapi.register({
    "/api/v1/display/screens": {"get": {
        "summary": "Projector screens that have a playlist",
        "responses": {"200": openapi._resp("screens", {"type": "array", "items": SCREEN})}}},
    "/api/v1/display/slides": {"get": {
        "summary": "Sponsor and announcement slides uploaded at /admin/slide",
        "responses": {"200": openapi._resp("slides", {"type": "array", "items": {
            "type": "object", "properties": {
                "id": {"type": "integer"}, "title": {"type": "string"},
                "media_type": {"type": "string"}, "bytes": {"type": "integer"},
                "url": {"type": "string", "description": "the image, /display/slide/<id>"}}}})}}},
    "/api/v1/display/callup": {"get": {
        "summary": "Teams waiting at each track or arena, first 8 in calling order (projector)",
        "parameters": [{"name": "arena", "in": "query", "schema": {"type": "string"}}],
        "responses": {"200": openapi._resp("queues", {"type": "array", "items": {
            "type": "object", "properties": {
                "arena": {"type": "string"}, "name": {"type": "string"},
                "queue": {"type": "array", "items": {"type": "object", "properties": {
                    "position": {"type": "integer"}, "team": {"type": "string"},
                    "team_name": {"type": "string"}, "institution": {"type": "string"},
                    "calls": {"type": "integer"},
                    "eta": {"type": ["string", "null"],
                            "description": "HH:MM expected by the schedule (when one is in force)"}}}}}}}),
            **openapi._errors(404)}}},
    "/api/v1/display/screens/{screen}": {
        "get": {"summary": "A screen's playlist (empty: the live run and its ranking)",
                "parameters": SCREEN_PARAM,
                "responses": {"200": openapi._resp("the screen", SCREEN),
                              **openapi._errors(404)}},
        "put": {"summary": "Set a screen's playlist (admin); screens follow via /live `display`",
                "security": openapi.SECURE, "parameters": SCREEN_PARAM,
                "requestBody": openapi._body({"playlist": {
                    "type": "array", "maxItems": display.MAX_SCENES,
                    "items": {"$ref": "#/components/schemas/Scene"}}}, ["playlist"]),
                "responses": {"200": openapi._resp("the screen", SCREEN),
                              **openapi._errors(400, 401, 403, 404, 422)}}},
}, {
    "Scene": {"type": "object", "required": ["scene"], "properties": {
        "scene": {"enum": list(display.SCENES)},
        "seconds": {"type": "integer", "minimum": display.SECONDS[0],
                    "maximum": display.SECONDS[1], "default": display.DEFAULT_SECONDS},
        "category": {"type": ["string", "null"],
                     "description": "required for ranking and bracket"},
        "arena": {"type": ["string", "null"],
                  "description": "callup only: one track or category"},
        "text": {"type": ["string", "null"], "maxLength": display.TEXT_MAX,
                 "description": "announcement only"},
        "slide": {"type": ["integer", "null"],
                  "description": "slide only: the id of an uploaded slide (GET /display/slides)"}},
        # what each kind of scene needs (the server refuses it otherwise)
        "allOf": [
            {"if": {"properties": {"scene": {"const": "announcement"}}},
             "then": {"required": ["text"], "properties": {"text": {
                 "type": "string", "minLength": 1, "pattern": "\\S"}}}},
            {"if": {"properties": {"scene": {"const": "slide"}}},
             "then": {"required": ["slide"], "properties": {"slide": {"type": "integer"}}}},
            {"if": {"properties": {"scene": {"enum": [k for k, need in display.SCENES.items()
                                                      if need]}}},
             "then": {"required": ["category"], "properties": {"category": {
                 "type": "string"}}}}]},
    "DisplayScreen": {"type": "object", "properties": {
        "screen": {"type": "string"},
        "playlist": {"type": "array", "items": {"$ref": "#/components/schemas/Scene"}},
        "updated_at": {"type": ["string", "null"]}}},
})
