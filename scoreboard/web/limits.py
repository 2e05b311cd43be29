"""Sign-in rate limit (Flask-Limiter): guessing passwords at /login gets slow fast.

One limiter per app (tests build many apps; their counters must not mix), in memory:
one venue server is one process. The limit is `KEJURDA_LOGIN_LIMIT` (e.g. "10 per
minute"), per client address, on POST only: the form itself always opens. Failed
sign-ins are also counted per account (`KEJURDA_LOGIN_ACCOUNT_LIMIT`), so guessing one
person's password from many addresses gets slow as well.
"""

from __future__ import annotations

from flask import Flask, flash, render_template, request
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import TooManyRequests

from scoreboard.web.auth import LoginForm

DEFAULT = "10 per minute"
ACCOUNT_DEFAULT = "10 per 15 minutes"


def _account() -> str:
    return "account:" + (request.form.get("name") or "").strip().lower()[:64]


def init_login_limit(app: Flask) -> Limiter:
    """Wrap the sign-in view with the configured limit; a breach re-shows the form (429)."""
    app.config.setdefault("KEJURDA_LOGIN_LIMIT", DEFAULT)  # set by config.default_config()
    limiter = Limiter(get_remote_address, app=app, storage_uri="memory://",
                      default_limits=[], key_prefix=f"kejurda-{id(app)}")
    app.config.setdefault("KEJURDA_LOGIN_ACCOUNT_LIMIT", ACCOUNT_DEFAULT)  # config.py
    view = app.view_functions["auth.login"]
    per_account = limiter.limit(lambda: app.config["KEJURDA_LOGIN_ACCOUNT_LIMIT"],
                                key_func=_account, methods=["POST"],
                                deduct_when=lambda response: response.status_code == 401)
    app.view_functions["auth.login"] = limiter.limit(
        lambda: app.config["KEJURDA_LOGIN_LIMIT"], methods=["POST"])(per_account(view))

    @app.errorhandler(TooManyRequests)
    def _too_many(exc: TooManyRequests):
        if request.endpoint != "auth.login":
            return exc
        flash(_("Terlalu banyak percobaan masuk; tunggu sebentar lalu coba lagi."), "error")
        return render_template("login.html", form=LoginForm(formdata=None)), 429

    return limiter
