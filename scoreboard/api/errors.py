"""Every error of the API is JSON `{"error": message}` with a 4xx status; never an HTML page."""

from __future__ import annotations

import logging

from flask import jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import RequestRedirect

from judging.errors import RuleViolation
from scoreboard.api import bp
from scoreboard.errors import KejurdaError

log = logging.getLogger(__name__)


@bp.errorhandler(KejurdaError)
def _kejurda(exc: KejurdaError):
    return jsonify(error=exc.message), exc.status


@bp.errorhandler(RuleViolation)
def _rule(exc: RuleViolation):
    return jsonify(error=str(exc)), 422


@bp.errorhandler(HTTPException)
def _http(exc: HTTPException):
    return jsonify(error=exc.description or exc.name), exc.code


@bp.errorhandler(Exception)
def _unexpected(exc: Exception):
    log.exception("unexpected error in the API")
    return jsonify(error="internal error (kesalahan server); it has been logged"), 500


@bp.before_app_request
def _routing_error():
    """An unknown path or method under /api/v1 never reaches a view of this blueprint, so
    its error handlers would not run: answer in JSON here instead of Flask's HTML page."""
    exc = request.routing_exception
    if (exc is None or isinstance(exc, RequestRedirect)
            or not (request.path + "/").startswith(f"{bp.url_prefix}/")
            or not isinstance(exc, HTTPException)):
        return None
    response = jsonify(error=exc.description or exc.name)
    response.status_code = exc.code or 404
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response
