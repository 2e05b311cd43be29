"""Error pages for people (the API answers JSON itself): a clear message, never a traceback."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from scoreboard.errors import KejurdaError

log = logging.getLogger(__name__)


def _page(status: int, message: str):
    return render_template("error.html", status=status, message=message), status


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(KejurdaError)
    def _kejurda(exc: KejurdaError):
        return _page(exc.status, exc.message)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if request.path.startswith("/api/"):
            return exc  # the API blueprint has its own JSON handlers
        return _page(exc.code or 500, exc.description or exc.name)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http(exc)
        log.exception("unexpected error on %s", request.path)
        return _page(500, "Terjadi kesalahan di server; sudah dicatat. "
                          "(A server error; it has been logged.)")
