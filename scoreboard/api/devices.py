"""What the timing agents report about themselves (admin only)."""

from flask import jsonify

from scoreboard.api import bp
from scoreboard.api.auth import require
from scoreboard.sockets import agents


@bp.get("/agents")
@require("admin")
def list_agents():
    """Every connected agent with the last status it reported."""
    return jsonify(agents.snapshot())
