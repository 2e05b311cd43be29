"""Public, read-only data for the Kabupaten's command center: medals and open data.

Every answer carries an ETag (a hash of its body) and `Access-Control-Allow-Origin: *`
so a dashboard on another host can read it; a revalidation with the same ETag is a
304 without a body. See docs/open-data.md.
"""

from __future__ import annotations

import hashlib
import json

from flask import Response, g, request, url_for
from sqlalchemy import select

from scoreboard.api import bp, openapi
from scoreboard.models import Event
from scoreboard.services import open_data
from scoreboard.services.awards import medals as medal_rows

MAX_AGE = 5  # seconds: results change often, a short cache still spares a busy server


def _answer(body: str, mimetype: str) -> Response:
    data = body.encode()
    tag = hashlib.sha256(data).hexdigest()[:32]
    if request.if_none_match.contains(tag):
        resp = Response(status=304)
    else:
        resp = Response(data, mimetype=mimetype)
    resp.set_etag(tag)
    resp.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["Access-Control-Expose-Headers"] = "ETag"
    return resp


def _json(value: object) -> Response:
    return _answer(json.dumps(value, ensure_ascii=False, separators=(",", ":")),
                   "application/json")


@bp.get("/medals")
def medals():
    return _json(medal_rows(g.db.session))


@bp.get("/open/datapackage.json")
def datapackage():
    event = g.db.session.scalar(select(Event).order_by(Event.id))
    base = url_for("api.open_csv", name="x", _external=True).removesuffix("x.csv")
    return _json(open_data.datapackage(event.name if event else "kejurda",
                                       event.slug if event else "kejurda", base))


@bp.get("/open/<name>.csv")
def open_csv(name: str):
    res = open_data.resource(name)
    return _answer(open_data.to_csv(res, res.rows(g.db.session)), "text/csv")


@bp.get("/open/<name>.json")
def open_json(name: str):
    res = open_data.resource(name)
    return _json(res.rows(g.db.session))


@bp.get("/open/changes")
def open_changes():
    # an empty `since=` is a malformed cursor (422), as the document's pattern says
    return _json(open_data.changes(g.db.session, request.args.get("since")))


_NAME = [{"name": "name", "in": "path", "required": True,
          "schema": {"type": "string", "enum": list(open_data.BY_NAME)}}]
_CACHED = {"304": {"description": "not modified (If-None-Match matched the ETag)"}}
_ERR = {"422": openapi._resp("unknown resource or malformed cursor", openapi.ERROR)}

openapi.register({
    "/api/v1/medals": {"get": {
        "summary": "The juara umum medal table by school",
        "responses": {"200": openapi._resp("medal table", {"type": "array", "items": {
            "$ref": "#/components/schemas/MedalRow"}}), **_CACHED}}},
    "/api/v1/open/datapackage.json": {"get": {
        "summary": "Frictionless Data Package of the public results (no pupils' data)",
        "responses": {"200": openapi._resp("data package", {"type": "object"}), **_CACHED}}},
    "/api/v1/open/{name}.csv": {"get": {
        "summary": "One open-data resource as CSV", "parameters": _NAME,
        "responses": {"200": {"description": "CSV with a header row",
                              "content": {"text/csv": {"schema": {"type": "string"}}}},
                      **_CACHED, **_ERR}}},
    "/api/v1/open/{name}.json": {"get": {
        "summary": "One open-data resource as JSON rows", "parameters": _NAME,
        "responses": {"200": openapi._resp("rows", {"type": "array", "items": {
            "type": "object"}}), **_CACHED, **_ERR}}},
    "/api/v1/open/changes": {"get": {
        "summary": "Categories whose results changed since a cursor",
        "parameters": [{"name": "since", "in": "query", "schema": {
            "type": "string", "pattern": "^[0-9]{1,18}(-[0-9]{1,18}){4}$"}}],
        "responses": {"200": openapi._resp("changes", {"type": "object", "properties": {
            "cursor": {"type": "string"},
            "categories": {"type": "array", "items": {"type": "string"}}},
            "required": ["cursor", "categories"]}), **_CACHED, **_ERR}}},
}, {"MedalRow": {"type": "object", "properties": {
    "rank": {"type": "integer"}, "institution": {"type": "string"},
    "gold": {"type": "integer"}, "silver": {"type": "integer"},
    "bronze": {"type": "integer"}, "points": {"type": "integer"}},
    "required": ["rank", "institution", "gold", "silver", "bronze", "points"]}})
