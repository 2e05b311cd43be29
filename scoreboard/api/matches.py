"""API of match categories: the draw, the bracket, results and standings (docs/engine.md §12)."""

from __future__ import annotations

from flask import g, jsonify, request
from sqlalchemy import select

from scoreboard.api import bp, openapi
from scoreboard.api.auth import current_caller, require
from scoreboard.api.views import json_body
from scoreboard.errors import Invalid, KejurdaError
from scoreboard.models import Category
from scoreboard.services import matches, official_change
from scoreboard.services.matches_entry import MOST
from scoreboard.services.matches_state import bracket_dict, load_view


def _is_admin() -> bool:
    try:
        caller = current_caller()
    except KejurdaError:  # a public read never fails for a bad or missing credential
        return False
    return caller is not None and caller.role == "admin"


@bp.errorhandler(matches.StaleVersion)
def _stale(exc: matches.StaleVersion):
    current = exc.current
    return jsonify(error=exc.message, current=current, version=current["version"],
                   result=current["result"]), 409


@bp.get("/categories/<slug>/bracket")
def bracket(slug: str):
    view = load_view(g.db.session, slug)
    return jsonify(bracket_dict(view, include_draft=_is_admin()))


@bp.get("/categories/<slug>/standings")
def standings(slug: str):
    data = bracket_dict(load_view(g.db.session, slug))
    return jsonify({"category": slug, "status": data["status"],
                    "standings": data["standings"], "entries": data["placements"]})


@bp.post("/categories/<slug>/draw")
@require()
def generate(slug: str):
    view = matches.generate_draw(g.db.session, slug, g.caller.name)
    return jsonify(bracket_dict(view, include_draft=True)), 201


@bp.put("/categories/<slug>/draw")
@require()
def reseed(slug: str):
    body = json_body()
    # "seeded" is the documented name; the other spellings mean the same order
    order = next((body[k] for k in ("seeded", "order", "seeding", "teams") if k in body), None)
    view = matches.reseed(g.db.session, slug, order, g.caller.name, body.get("groups"))
    return jsonify(bracket_dict(view, include_draft=True))


@bp.post("/categories/<slug>/draw/publish")
@require()
def publish(slug: str):
    view = matches.publish_draw(g.db.session, slug, g.caller.name)
    return jsonify(bracket_dict(view))


@bp.get("/matches")
def list_matches():
    status = request.args.get("status")  # an empty one too: the document lists them
    if status is not None and status not in STATUSES:
        raise Invalid(f"status: one of {', '.join(STATUSES)}")
    return jsonify(matches.list_matches(g.db.session, request.args.get("category") or None,
                                        status))


@bp.get("/categories/<slug>/matches/<match_id>")
def get_match(slug: str, match_id: str):
    return jsonify(matches.match_with_history(g.db.session, slug, match_id))


@bp.post("/categories/<slug>/matches/<match_id>/result")
@require(*matches.RESULT_ROLES)
def result(slug: str, match_id: str):
    """A match's result, or its correction; once the category's result is official only the
    head judge may change it, with a reason (services/official_change)."""
    body = json_body()
    key = request.headers.get("Idempotency-Key")
    category = g.db.session.scalar(select(Category).where(Category.slug == slug))
    reason = None if category is None else official_change.check(
        g.db.session, category, g.caller.role, body.get("reason"))
    data, created = matches.record_result(g.db.session, slug, match_id, body, g.caller.name,
                                          key)
    if reason is not None and created:
        official_change.record(g.db.session, category, g.caller.name, reason,
                               {"match": match_id, "action": "result"})
    return jsonify(data), 201 if created else 200


SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
MATCH_ID = {"name": "match_id", "in": "path", "required": True,
            "schema": {"type": "string"}, "description": "e.g. W1-2, L2-1, GF, 3P, A-R1-2, S1-3"}
BRACKET = {"$ref": "#/components/schemas/Bracket"}
MATCH = {"$ref": "#/components/schemas/Match"}
OBJ = {"type": "object"}
INT = {"type": "integer", "minimum": 0, "maximum": MOST}
SIDE = {"enum": ["home", "away"]}
STATUSES = ("pending", "ready", "done", "bye", "empty", "skipped")


KEY = {"type": "string", "minLength": 1, "maxLength": 100}


def _errors(*codes: int) -> dict:
    return openapi._errors(*codes)


openapi.register({
    "/api/v1/matches": {"get": {
        "summary": "Matches of every published draw, in bracket order (e.g. ?status=ready: "
                   "the matches to call now)",
        "parameters": [{"name": "category", "in": "query", "schema": {"type": "string"}},
                       {"name": "status", "in": "query", "schema": {"enum": list(STATUSES)}}],
        "responses": {"200": openapi._resp("matches", {"type": "array", "items": MATCH}),
                      **_errors(422)}}},
    "/api/v1/categories/{slug}/bracket": {"get": {
        "summary": "A match category's draw and derived state: seeding, every match, "
                   "group standings, warnings, champion (admins also see a draft)",
        "parameters": [SLUG],
        "responses": {"200": openapi._resp("the bracket", BRACKET), **_errors(404, 422)}}},
    "/api/v1/categories/{slug}/standings": {"get": {
        "summary": "Group/round-robin/Swiss tables and the places of every team",
        "parameters": [SLUG],
        "responses": {"200": openapi._resp("standings", OBJ), **_errors(404, 422)}}},
    "/api/v1/categories/{slug}/draw": {
        "post": {"summary": "Draw the category from its teams as its config says (admin); "
                            "a draft until published; 409 once a result exists",
                 "security": openapi.SECURE, "parameters": [SLUG],
                 "responses": {"201": openapi._resp("the draft", BRACKET),
                               **_errors(401, 403, 404, 409, 422)}},
        "put": {"summary": "Re-seed with an explicit order (admin), before the first result; "
                           "the draw becomes a draft again",
                "security": openapi.SECURE, "parameters": [SLUG],
                "requestBody": openapi._body({
                    "seeded": {"type": "array", "items": {"type": "string"},
                               "description": "every team code, seed 1 first"},
                    "groups": {"type": "object", "description": "groups_knockout: the groups "
                               "as drawn, {\"A\": [codes], \"B\": [...]} (instead of seeded)"}},
                    []),
                "responses": {"200": openapi._resp("the draft", BRACKET),
                              **_errors(400, 401, 403, 404, 409, 422)}}},
    "/api/v1/categories/{slug}/draw/publish": {"post": {
        "summary": "Publish the draw (admin): public, and results may be entered",
        "security": openapi.SECURE, "parameters": [SLUG],
        "responses": {"200": openapi._resp("the bracket", BRACKET),
                      **_errors(401, 403, 404, 409, 422)}}},
    "/api/v1/categories/{slug}/matches/{match_id}": {"get": {
        "summary": "One match with its result history (every entry, who, when, why)",
        "parameters": [SLUG, MATCH_ID],
        "responses": {"200": openapi._resp("the match", MATCH), **_errors(404, 422)}}},
    "/api/v1/categories/{slug}/matches/{match_id}/result": {"post": {
        "summary": "Enter a match result (timekeeper/referee, head judge, admin). A second "
                   "entry is a correction and needs a reason; `void: true` withdraws it. "
                   "Idempotency-Key header (or idempotency_key) makes a resend harmless "
                   "(200, nothing stored); a stale expected_version is 409 with `current`",
        "security": openapi.SECURE, "parameters": [SLUG, MATCH_ID, {
            "name": "Idempotency-Key", "in": "header", "schema": KEY}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "$ref": "#/components/schemas/MatchEntry"}}}},
        "responses": {"201": openapi._resp("the match after the result", MATCH),
                      "200": openapi._resp("a resend: the match, nothing stored", MATCH),
                      **_errors(400, 401, 403, 404, 409, 422)}}},
}, {
    "Match": {"type": "object", "required": ["id", "status", "home", "away", "winner",
                                             "result", "version"], "properties": {
        "id": {"type": "string"}, "category": {"type": "string"},
        "stage": {"enum": ["winners", "losers", "grand_final", "third_place", "group"]},
        "round": {"type": "integer"}, "group": {"type": ["string", "null"]},
        "status": {"enum": ["pending", "ready", "done", "bye", "empty", "skipped"]},
        "home": {"type": ["string", "null"]}, "away": {"type": ["string", "null"]},
        "winner": {"type": ["string", "null"]}, "loser": {"type": ["string", "null"]},
        "result": {"type": ["object", "null"]}, "version": {"type": "integer"},
        "warnings": {"type": "array", "items": OBJ},
        "history": {"type": "array", "items": OBJ}}},
    "Bracket": {"type": "object", "required": ["category", "status", "seeded", "matches",
                                               "standings", "warnings", "champion"],
                "properties": {
        "category": {"type": "string"}, "status": {"enum": ["none", "draft", "published"]},
        "match": {"enum": ["sumo", "soccer", "score"]}, "bracket": {"type": "string"},
        "seeded": {"type": "array", "items": {"type": "string"}},
        "groups": {"type": "array", "items": OBJ},
        "matches": {"type": "array", "items": MATCH},
        "standings": {"type": "object", "description": "group name ('' without groups) -> rows"},
        "warnings": {"type": "array", "items": OBJ},
        "champion": {"type": ["string", "null"]},
        "placements": {"type": "array", "items": OBJ}}},
    "MatchEntry": {"type": "object", "description":
        "score: home_score, away_score; sumo: rounds [{end: home_yuko|away_yuko|time_up|"
        "rematch, home_warnings, away_warnings}] + judges_decision, or home_yuko/away_yuko; "
        "soccer: home_first, away_first, home_second, away_second (or home_goals/away_goals), "
        "golden_goal, shootout [home, away]; best_of > 1: games [...]; any: walkover "
        "home|away, void true", "properties": {
        "expected_version": INT, "idempotency_key": KEY,
        "reason": openapi.REASON, "void": {"type": "boolean"}, "walkover": SIDE,
        "home_score": INT, "away_score": INT, "home_fouls": INT, "away_fouls": INT,
        "rounds": {"type": "array", "items": OBJ}, "judges_decision": SIDE,
        "home_yuko": INT, "away_yuko": INT, "home_first": INT, "away_first": INT,
        "home_second": INT, "away_second": INT, "home_goals": INT, "away_goals": INT,
        "golden_goal": SIDE, "shootout": {"type": "array", "items": INT},
        "games": {"type": "array", "items": OBJ}}},
})
