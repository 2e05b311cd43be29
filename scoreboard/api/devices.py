"""What the timing agents report about themselves (admin; timekeepers may read it too)."""

from flask import jsonify

from scoreboard.api import bp
from scoreboard.api.auth import require
from scoreboard.services import devices
from scoreboard.sockets import agents


@bp.get("/agents")
@require("timekeeper")
def list_agents():
    """Every connected agent with its last status, `silent_s` and `warnings`."""
    return jsonify(devices.overview(agents.snapshot()))
