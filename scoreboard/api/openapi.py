"""The OpenAPI 3.1 document of `/api/v1`, served at `/api/v1/openapi.json`.

A test checks that every API route appears here, so a new endpoint cannot go undocumented.
"""

from __future__ import annotations

from flask import jsonify

from scoreboard.api import bp
from scoreboard.services import runs

ERROR = {"$ref": "#/components/schemas/Error"}
RUN = {"$ref": "#/components/schemas/Run"}


def _resp(desc: str, schema: dict | None = None) -> dict:
    out: dict = {"description": desc}
    if schema is not None:
        out["content"] = {"application/json": {"schema": schema}}
    return out


def _errors(*codes: int) -> dict:
    text = {400: "malformed JSON", 401: "no or unknown token", 403: "role not allowed",
            404: "not found", 409: "conflict with the current state", 422: "invalid content"}
    return {str(c): _resp(text[c], ERROR) for c in codes}


def _body(props: dict, required: list[str]) -> dict:
    return {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "properties": props, "required": required}}}}


RUN_ID = [{"name": "run_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
SECURE = [{"bearer": []}]
# Every limit the server enforces is stated here, so a client (and schemathesis) can tell
# a request it will accept from one it will refuse.
REASON = {"type": "string", "minLength": 1, "maxLength": 300, "pattern": "\\S",
          "description": "1 to 300 characters, not only spaces"}
NAME = {"type": "string", "minLength": 1, "description": "not empty"}
RUN_STATUSES = list(runs.STATUSES)

PATHS = {
    "/api/v1/categories": {"get": {
        "summary": "List categories", "responses": {"200": _resp("categories", {
            "type": "array", "items": {"$ref": "#/components/schemas/Category"}})}}},
    "/api/v1/categories/{slug}/ranking": {"get": {
        "summary": "A category's ranking, best first; teams without a time last",
        "parameters": [{"name": "slug", "in": "path", "required": True,
                        "schema": {"type": "string"}}],
        "responses": {"200": _resp("ranking", {"$ref": "#/components/schemas/Ranking"}),
                      **_errors(404)}}},
    "/api/v1/tracks": {"get": {
        "summary": "Tracks and their gates", "responses": {"200": _resp("tracks", {
            "type": "array", "items": {"$ref": "#/components/schemas/Track"}})}}},
    "/api/v1/runs": {
        "get": {"summary": "Recent runs, newest first",
                "parameters": [
                    {"name": "category", "in": "query", "schema": {"type": "string"}},
                    {"name": "status", "in": "query", "schema": {"enum": RUN_STATUSES}},
                    {"name": "limit", "in": "query", "schema": {
                        "type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}],
                "responses": {"200": _resp("runs", {"type": "array", "items": RUN}),
                              **_errors(422)}},
        "post": {"summary": "Arm a run (timekeeper): the next gate events on the track belong to it",
                 "security": SECURE,
                 "requestBody": _body({"category": NAME, "team": NAME}, ["category", "team"]),
                 "responses": {"201": _resp("the armed run", RUN),
                               **_errors(400, 401, 403, 404, 409, 422)}}},
    "/api/v1/runs/{run_id}": {"get": {
        "summary": "One run", "parameters": RUN_ID,
        "responses": {"200": _resp("the run", RUN), **_errors(404)}}},
    "/api/v1/runs/{run_id}/abort": {"post": {
        "summary": "Abort a run (timekeeper): armed, running or review becomes dnf",
        "security": SECURE, "parameters": RUN_ID,
        "requestBody": {"required": False, "content": {"application/json": {"schema": {
            "type": "object", "properties": {"reason": REASON}}}}},
        "responses": {"200": _resp("the run", RUN),
                      **_errors(400, 401, 403, 404, 409, 422)}}},
    "/api/v1/runs/{run_id}/dsq": {"post": {
        "summary": "Disqualify a run (timekeeper), with a reason", "security": SECURE,
        "parameters": RUN_ID, "requestBody": _body({"reason": REASON}, ["reason"]),
        "responses": {"200": _resp("the run", RUN), **_errors(400, 401, 403, 404, 409, 422)}}},
    "/api/v1/runs/{run_id}/resolve": {"post": {
        "summary": "Settle a run in review with a time determined by the timekeeper",
        "security": SECURE, "parameters": RUN_ID,
        "requestBody": _body({"elapsed_us": {"type": "integer", "minimum": 0,
                                             "maximum": 2**63 - 1},
                              "reason": REASON}, ["elapsed_us", "reason"]),
        "responses": {"200": _resp("the run", RUN), **_errors(400, 401, 403, 404, 409, 422)}}},
    "/api/v1/agents": {"get": {
        "summary": ("Connected timing agents: last reported status, seconds since it "
                    "(silent_s), warnings [{code, message, source}], the devices its token is "
                    "bound to (sources; null: unbound) and edges refused per source "
                    "(refused) (admin, timekeeper)"),
        "security": SECURE,
        "responses": {"200": _resp("agents", {"type": "array", "items": {"type": "object"}}),
                      **_errors(401, 403)}}},
    "/api/v1/runs/{run_id}/penalty": {"post": {
        "summary": "Count one of the category's penalties on a run (timekeeper); a negative "
                   "count with a reason corrects",
        "security": SECURE, "parameters": RUN_ID,
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["penalty"],
            "properties": {"penalty": {"type": "string"},
                           "count": {"type": "integer", "minimum": -100, "maximum": 100,
                                     "not": {"const": 0}, "default": 1},
                           "reason": REASON},
            # taking a penalty back needs a reason
            "if": {"required": ["count"], "properties": {"count": {"maximum": -1}}},
            "then": {"required": ["reason"]}}}}},
        "responses": {"200": _resp("the run", RUN), **_errors(400, 401, 403, 404, 409, 422)}}},
    "/api/v1/time": {"get": {
        "summary": "The server clock (µs since 1970) for display clock sync",
        "responses": {"200": _resp("now", {"type": "object", "properties": {
            "now_us": {"type": "integer"}}})}}},
    "/api/v1/openapi.json": {"get": {
        "summary": "This document", "responses": {"200": _resp("OpenAPI document")}}},
}

NULLABLE_INT = {"type": ["integer", "null"]}
SCHEMAS = {
    "Error": {"type": "object", "required": ["error"],
              "properties": {"error": {"type": "string"}}},
    "Category": {"type": "object", "required": ["slug", "name", "format"], "properties": {
        "slug": {"type": "string"}, "name": {"type": "string"},
        "format": {"enum": ["timed", "match", "judged"]}}},
    "Gate": {"type": "object", "properties": {"source": {"type": "string"},
                                              "gate": {"type": "integer"}}},
    "Track": {"type": "object", "properties": {
        "slug": {"type": "string"}, "name": {"type": "string"},
        "start": {"$ref": "#/components/schemas/Gate"},
        "finish": {"$ref": "#/components/schemas/Gate"},
        "checkpoints": {"type": "array", "items": {"$ref": "#/components/schemas/Gate"}},
        "min_run_ms": {"type": "integer"}}},
    "Run": {"type": "object",
            "required": ["id", "category", "team", "attempt", "status", "elapsed_us",
                         "checkpoints_us"],
            "properties": {
                "id": {"type": "integer"}, "category": {"type": "string"},
                "team": {"type": "string"}, "team_name": {"type": "string"},
                "attempt": {"type": "integer"},
                "status": {"enum": RUN_STATUSES},
                "elapsed_us": NULLABLE_INT,
                "checkpoints_us": {"type": "array", "items": NULLABLE_INT},
                "track": {"type": "string"}, "reason": {"type": ["string", "null"]},
                "start_t_epoch_us": NULLABLE_INT, "started_server_us": NULLABLE_INT,
                "elapsed_err_us": NULLABLE_INT, "version": {"type": "integer"}}},
    "Ranking": {"type": "object", "required": ["category", "entries"], "properties": {
        "category": {"type": "string"},
        "entries": {"type": "array", "items": {"type": "object", "properties": {
            "rank": NULLABLE_INT, "team": {"type": "string"}, "team_name": {"type": "string"},
            "best_us": NULLABLE_INT, "status": {"type": "string"},
            "times_us": {"type": "array", "items": {"type": "integer"}},
            # judged categories
            "score": {"type": ["number", "null"]},
            "provisional": {"type": "boolean",
                            "description": "judged: true until the category is published"},
            # match categories
            "played": {"type": "integer"}, "wins": {"type": "integer"},
            "points": {"type": "integer", "description": "match: league tables"},
            "stage": {"type": "string",
                      "description": "match: the round reached in a knockout (round key)"}}}}}},
}


_extra_paths: dict[str, dict] = {}
_extra_schemas: dict[str, dict] = {}


def register(paths: dict[str, dict], schemas: dict[str, dict] | None = None) -> None:
    """Add a feature module's endpoints (and schemas) to the document."""
    _extra_paths.update(paths)
    _extra_schemas.update(schemas or {})


def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "kejurda API", "version": "1",
                 "description": "Times are integer microseconds (*_us)."},
        "paths": {**PATHS, **_extra_paths},
        "components": {"schemas": {**SCHEMAS, **_extra_schemas}, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"}}},
    }


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(document())
