"""Every error of the API is JSON `{"error": message}` with a 4xx status; never an HTML page."""

from __future__ import annotations

import logging

from flask import jsonify
from werkzeug.exceptions import HTTPException

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
