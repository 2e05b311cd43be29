"""`/admin/perangkat`: every connected timing agent and its sources, live, with warnings.

Admins and timekeepers may look; the page renders the current state and then polls
`/api/v1/agents` every second (static/js/devices.js)."""

from __future__ import annotations

from flask import Blueprint, current_app, g, render_template

from scoreboard.services import backup_duty, devices
from scoreboard.services.tokens import unbound_agent_tokens
from scoreboard.web.access import role_required

bp = Blueprint("devices", __name__, url_prefix="/admin/perangkat")


@bp.get("")
@role_required("timekeeper")
def index():
    # agent tokens bound to no device are warned about above the agents (docs/security.md)
    return render_template("devices/index.html", agents=devices.agents_overview(),
                           unbound=unbound_agent_tokens(g.db.session),
                           backup=backup_duty.page_status(current_app))
