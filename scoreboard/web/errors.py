"""Error pages for people (the API answers JSON itself): a clear message, never a traceback."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from scoreboard.errors import KejurdaError

log = logging.getLogger(__name__)


def _title(status: int) -> str:
    """What happened, in the page's language, by HTTP status."""
    titles = {400: _("Permintaan tidak valid"), 401: _("Silakan masuk dulu"),
              403: _("Anda tidak berhak membuka halaman ini"),
              404: _("Halaman tidak ditemukan"), 405: _("Cara membuka halaman ini tidak didukung"),
              409: _("Bentrok dengan perubahan lain"), 413: _("Berkas terlalu besar"),
              422: _("Isian tidak dapat diproses"), 429: _("Terlalu banyak percobaan; tunggu sebentar"),
              500: _("Terjadi kesalahan di server; sudah dicatat.")}
    return titles.get(status, titles[500] if status >= 500 else titles[400])


def _page(status: int, message: str | None):
    return render_template("error.html", status=status, title=_title(status),
                           message=message), status


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(KejurdaError)
    def _kejurda(exc: KejurdaError):
        return _page(exc.status, exc.message)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if request.path.startswith("/api/"):
            return exc  # the API blueprint has its own JSON handlers
        # werkzeug's own English sentence says no more than the translated title
        default = type(exc).description
        return _page(exc.code or 500, None if exc.description == default else exc.description)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http(exc)
        log.exception("unexpected error on %s", request.path)
        return _page(500, None)
