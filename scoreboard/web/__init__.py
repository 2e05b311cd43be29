"""HTML pages, one blueprint per audience: docs/routes.md lists every address."""

from flask import Flask

from scoreboard.web.admin_users import bp as admin_users_bp
from scoreboard.web.auth import bp as auth_bp
from scoreboard.web.brackets import bp as brackets_bp
from scoreboard.web.callup import bp as callup_bp
from scoreboard.web.desk import bp as desk_bp
from scoreboard.web.devices import bp as devices_bp
from scoreboard.web.display import bp as display_bp
from scoreboard.web.fairplay import bp as fairplay_bp
from scoreboard.web.home import bp as home_bp
from scoreboard.web.judge import bp as judge_bp
from scoreboard.web.overlay import bp as overlay_bp
from scoreboard.web.pads import bp as pads_bp
from scoreboard.web.public import bp as public_bp
from scoreboard.web.registration import bp as registration_bp
from scoreboard.web.registration_admin import bp as registration_admin_bp
from scoreboard.web.results import bp as results_bp
from scoreboard.web.schedule import bp as schedule_bp
from scoreboard.web.slides import bp as slides_bp


def register_pages(app: Flask) -> None:
    """Add every page blueprint to `app`."""
    app.register_blueprint(auth_bp)
    app.register_blueprint(brackets_bp)
    app.register_blueprint(callup_bp)
    app.register_blueprint(admin_users_bp)
    app.register_blueprint(desk_bp)
    app.register_blueprint(devices_bp)
    app.register_blueprint(display_bp)
    app.register_blueprint(fairplay_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(registration_bp)
    app.register_blueprint(registration_admin_bp)
    app.register_blueprint(judge_bp)
    app.register_blueprint(overlay_bp)
    app.register_blueprint(pads_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(results_bp)
    app.register_blueprint(schedule_bp)
    app.register_blueprint(slides_bp)
