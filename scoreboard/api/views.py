"""API views: parse the request, call one service, return JSON. Nothing else."""

from __future__ import annotations

import json
from typing import Any

from flask import g, jsonify, request
from sqlalchemy import select

from scoreboard.api import bp
from scoreboard.api.auth import require
from scoreboard.errors import BadRequest, Invalid
from scoreboard.models import Category, Run, Track
from scoreboard.services import official_change, runs
from scoreboard.services.ranking import category_ranking


def json_body() -> dict[str, Any]:
    """The request's JSON object, or 400 naming what is wrong with it."""
    try:
        data = json.loads(request.get_data(), parse_float=_number)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        raise BadRequest("body: malformed JSON (JSON tidak valid)") from None
    if not isinstance(data, dict):
        raise BadRequest("body: must be a JSON object")
    where = _broken_text(data)
    if where is not None:
        raise BadRequest(f"{where or 'body'}: not valid text (a lone UTF-16 surrogate, "
                         "teks tidak valid)")
    return data


def _number(text: str) -> int | float:
    """A JSON number with a fraction part: `428.0` is the integer 428, as JSON Schema
    (and so the OpenAPI document) counts it; `0.5` stays a float."""
    value = float(text)
    return int(value) if value.is_integer() and abs(value) < 2**63 else value


def _broken_text(value: Any, path: str = "") -> str | None:
    """The path (`code`, `scores.inovasi`, `playlist[2].scene`) of the first text in a JSON
    value that holds a lone surrogate (JSON's "\\ud800" escape decodes to one; no database
    can store it), or None."""
    if isinstance(value, str):
        return path if any("\ud800" <= c <= "\udfff" for c in value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else str(key)
            if _broken_text(key) is not None:
                return inner.encode("utf-8", "replace").decode()
            found = _broken_text(item, inner)
            if found is not None:
                return found
    if isinstance(value, list):
        for n, item in enumerate(value):
            found = _broken_text(item, f"{path}[{n}]")
            if found is not None:
                return found
    return None


def _reason(data: dict[str, Any], required: bool = False) -> str | None:
    reason = data.get("reason")
    if reason is None and not required:
        return None
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 300:
        raise Invalid("reason: a text of 1 to 300 characters")
    return reason.strip()


@bp.get("/categories")
def categories():
    rows = g.db.session.scalars(select(Category).order_by(Category.id)).all()
    return jsonify([{"slug": c.slug, "name": c.name, "format": c.format} for c in rows])


@bp.get("/categories/<slug>/ranking")
def ranking(slug: str):
    return jsonify(category_ranking(g.db.session, slug))


@bp.get("/tracks")
def tracks():
    rows = g.db.session.scalars(select(Track).order_by(Track.id)).all()
    return jsonify([{
        "slug": t.slug, "name": t.name,
        "start": {"source": t.start_source, "gate": t.start_gate},
        "finish": {"source": t.finish_source, "gate": t.finish_gate},
        "checkpoints": t.checkpoints, "min_run_ms": t.min_run_ms,
    } for t in rows])


@bp.get("/runs")
def list_runs():
    query = select(Run).order_by(Run.id.desc())
    if request.args.get("category"):
        query = query.join(Category).where(Category.slug == request.args["category"])
    status = request.args.get("status")
    if status is not None:  # even an empty one: the document lists the statuses
        if status not in runs.STATUSES:
            raise Invalid(f"status: one of {', '.join(runs.STATUSES)}")
        query = query.where(Run.status == status)
    limit = request.args.get("limit", "100")
    if not limit.isascii() or not limit.isdigit() or not 1 <= int(limit) <= 1000:
        raise Invalid("limit: an integer from 1 to 1000")
    rows = g.db.session.scalars(query.limit(int(limit))).all()
    return jsonify([runs.run_dict(r) for r in rows])


@bp.post("/runs")
@require("timekeeper")
def arm():
    data = json_body()
    run = runs.arm_run(g.db.session, data.get("category"), data.get("team"), g.caller.name)
    return jsonify(runs.run_dict(run)), 201


@bp.get("/runs/<int:run_id>")
def get_run(run_id: int):
    return jsonify(runs.run_dict(runs.get_run(g.db.session, run_id)))


@bp.post("/runs/<int:run_id>/abort")
@require("timekeeper")
def abort(run_id: int):
    data = json_body() if request.get_data() else {}
    run = runs.abort_run(g.db.session, run_id, g.caller.name, _reason(data))
    return jsonify(runs.run_dict(run))


def _official(run_id: int, data: dict[str, Any], action: str):
    """Run a correction of run `run_id`; if its category's result is already official, only
    the head judge may, with a reason, and the change is recorded (services/official_change)."""
    category = runs.get_run(g.db.session, run_id).category
    reason = official_change.check(g.db.session, category, g.caller.role, data.get("reason"))

    def done(run):
        if reason is not None:
            official_change.record(g.db.session, category, g.caller.name, reason,
                                   {"run": run_id, "action": action})
        return jsonify(runs.run_dict(run))
    return done


@bp.post("/runs/<int:run_id>/dsq")
@require("timekeeper", "head_judge")
def disqualify(run_id: int):
    data = json_body()
    done = _official(run_id, data, "dsq")
    return done(runs.disqualify_run(g.db.session, run_id, g.caller.name,
                                    _reason(data, required=True)))


@bp.post("/runs/<int:run_id>/resolve")
@require("timekeeper", "head_judge")
def resolve(run_id: int):
    data = json_body()
    elapsed = data.get("elapsed_us")
    if isinstance(elapsed, bool) or not isinstance(elapsed, int) or not 0 <= elapsed < 2**63:
        raise Invalid("elapsed_us: an integer number of microseconds >= 0")
    done = _official(run_id, data, "resolve")
    return done(runs.resolve_review(g.db.session, run_id, g.caller.name, elapsed,
                                    _reason(data, required=True)))


@bp.get("/time")
def server_time():
    """The server's clock in µs, for displays that run a live clock."""
    return jsonify({"now_us": runs.now_us()})


@bp.post("/runs/<int:run_id>/penalty")
@require("timekeeper", "head_judge")
def penalty(run_id: int):
    """Count a penalty of the category on a run (a negative count, with a reason, corrects)."""
    data = json_body()
    done = _official(run_id, data, "penalty")
    return done(runs.add_penalty(g.db.session, run_id, g.caller.name, data.get("penalty"),
                                 data.get("count", 1), _reason(data)))
