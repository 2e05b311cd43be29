"""What the timing agents report about themselves (admin; timekeepers may read it too)."""

from flask import jsonify

from scoreboard.api import bp
from scoreboard.api.auth import require
from scoreboard.services import devices


@bp.get("/agents")
@require("timekeeper")
def list_agents():
    """Every connected agent with its last status, `silent_s` and `warnings`."""
    return jsonify(devices.agents_overview())
