"""The JSON API (`/api/v1`, docs/contract.md §4): the blueprint every route module adds to.

Route modules import `bp` from here; `scoreboard.api.routes` imports them all, so this
package never imports its own modules (no import cycle).
"""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
